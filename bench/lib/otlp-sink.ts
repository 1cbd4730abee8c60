/**
 * The counting OTLP/HTTP sink (bench/otlphttp-sink.ts) in a child process of its own, so its CPU
 * is not charged to the measured pipeline. `received()` returns what arrived since the last call.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';

export interface OtlpSink {
  readonly url: string;
  /** Log records received since the previous call (the sink's count is reset). */
  received(): Promise<number>;
  stop(): void;
}

/**
 * A request on a connection of its own: the parent blocks in spawnSync while a scenario runs, so a
 * kept-alive socket would be found closed by the sink's keep-alive timeout only when reused.
 */
function request(url: string, method: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.request(url, { method, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve(body));
    }).on('error', reject).end();
  });
}

export async function startSink(): Promise<OtlpSink> {
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'otlphttp-sink.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => { const m = /PORT (\d+)/.exec(d.toString()); if (m) resolve(Number(m[1])); });
    child.on('exit', (code) => reject(new Error(`sink exited (${code})`)));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    async received() {
      const { count } = JSON.parse(await request(`${url}/count`, 'GET')) as { count: number };
      await request(`${url}/reset`, 'POST');
      return count;
    },
    stop: () => child.kill(),
  };
}
