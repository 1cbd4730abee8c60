/** The counting OTLP sink (bench/otlphttp-sink.ts) in a process of its own, and how to ask it things. */
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';

/**
 * A request on a connection of its own: the parent blocks in spawnSync while a scenario runs, so a
 * kept-alive socket would be found closed by the sink's keep-alive timeout only when reused.
 */
export function request(url: string, method: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.request(url, { method, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve(body));
    }).on('error', reject).end();
  });
}

export interface Sink {
  url: string;
  stop(): void;
}

export async function startSink(): Promise<Sink> {
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'otlphttp-sink.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => { const m = /PORT (\d+)/.exec(d.toString()); if (m) resolve(Number(m[1])); });
    child.on('exit', (code) => reject(new Error(`sink exited (${code})`)));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

export interface SinkCounts { count: number; requests: number; wireBytes: number; plainBytes: number }

/** What arrived since the last call; zeroes the sink's counts. */
export async function received(url: string): Promise<SinkCounts> {
  const counts = JSON.parse(await request(`${url}/count`, 'GET')) as SinkCounts;
  await request(`${url}/reset`, 'POST');
  return counts;
}

/** Makes the sink answer every request `ms` late (0: at once). */
export async function setDelay(url: string, ms: number): Promise<void> {
  await request(`${url}/delay?ms=${ms}`, 'POST');
}
