/** The counting OTLP sink (bench/otlphttp-sink.ts) in its own process, so its CPU is not charged to the measured pipeline. */
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';

export interface SinkCounts { count: number; requests: number; wireBytes: number; plainBytes: number }

export interface BenchSink {
  readonly url: string;
  /** Records received since the last call (of this or `counts`); zeroes the count. */
  received(): Promise<number>;
  /** Records, requests and bytes (on the wire, and before gzip) since the last call; zeroes them. */
  counts(): Promise<SinkCounts>;
  /** Makes the sink answer every request `ms` late (0: at once): a slow backend. */
  setDelay(ms: number): Promise<void>;
  stop(): void;
}

/**
 * A request on a connection of its own: the parent may block in spawnSync while a scenario runs,
 * so a kept-alive socket would be found closed by the sink's keep-alive timeout only when reused.
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

export async function startSink(): Promise<BenchSink> {
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'otlphttp-sink.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => { const m = /PORT (\d+)/.exec(d.toString()); if (m) resolve(Number(m[1])); });
    child.on('exit', (code) => reject(new Error(`sink exited (${code})`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const counts = async (): Promise<SinkCounts> => {
    const c = JSON.parse(await request(`${url}/count`, 'GET')) as SinkCounts;
    await request(`${url}/reset`, 'POST');
    return c;
  };
  return {
    url,
    received: async () => (await counts()).count,
    counts,
    setDelay: async (ms) => { await request(`${url}/delay?ms=${ms}`, 'POST'); },
    stop: () => child.kill(),
  };
}
