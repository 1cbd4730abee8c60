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

/**
 * A sink process (bench/<script>, printing `PORT <n>` and, for a gRPC sink, ` GRPC <n>`): `control`
 * answers /count, /reset and /delay; `grpc` is its gRPC address when it has one.
 */
export async function spawnSink(script: string): Promise<{ control: string; grpc?: string; stop(): void }> {
  const child = spawn(process.execPath, [path.join(__dirname, '..', script)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [control, grpcPort] = await new Promise<[number, number | undefined]>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      const m = /PORT (\d+)(?: GRPC (\d+))?/.exec(d.toString());
      if (m) resolve([Number(m[1]), m[2] === undefined ? undefined : Number(m[2])]);
    });
    child.on('exit', (code) => reject(new Error(`${script} exited (${code})`)));
  });
  return { control: `http://127.0.0.1:${control}`, grpc: grpcPort === undefined ? undefined : `127.0.0.1:${grpcPort}`, stop: () => child.kill() };
}

/** Records, requests and bytes a sink received since the last call; zeroes them. */
export async function sinkCounts(control: string): Promise<SinkCounts> {
  const c = JSON.parse(await request(`${control}/count`, 'GET')) as SinkCounts;
  await request(`${control}/reset`, 'POST');
  return c;
}

/** The counting OTLP/HTTP sink (bench/otlphttp-sink.ts). */
export async function startSink(): Promise<BenchSink> {
  const sink = await spawnSink('otlphttp-sink.js');
  const url = sink.control;
  return {
    url,
    received: async () => (await sinkCounts(url)).count,
    counts: () => sinkCounts(url),
    setDelay: async (ms) => { await request(`${url}/delay?ms=${ms}`, 'POST'); },
    stop: sink.stop,
  };
}
