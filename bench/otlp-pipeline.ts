/**
 * `filelog → otlp (gRPC)` beside `filelog → otlphttp`, uncompressed and gzipped, against the floor
 * (read + JSON.parse + JSON.stringify of the same file), in one run: the whole exporter (batcher,
 * encoder, transport, acknowledgement), not only the transport (bench/otlp-transport.ts). Both
 * sinks are processes of their own (bench/otlphttp-sink.ts, bench/otlp-grpc-sink.ts) and report
 * what arrived, so drops show. Usage: node dist/bench/otlp-pipeline.js [events (default 300,000)]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { generateFile, repoRoot } from './lib/generate';
import { measure, report, type Measurement } from './lib/measure';

const events = Number(process.argv[2] ?? 300_000);
const dir = path.join(repoRoot(), 'bench', 'out');
const input = path.join(dir, `teleport-${events}.log`);

function request(url: string, method: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.request(url, { method, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve(body));
    }).on('error', reject).end();
  });
}

/** A sink process: `control` answers /count and /reset; `target` is the gRPC address when it has one. */
async function startSink(script: string): Promise<{ control: string; grpc?: string; stop(): void }> {
  const proc = spawn(process.execPath, [path.join(__dirname, script)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [control, grpcPort] = await new Promise<[number, number | undefined]>((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => {
      const m = /PORT (\d+)(?: GRPC (\d+))?/.exec(d.toString());
      if (m) resolve([Number(m[1]), m[2] === undefined ? undefined : Number(m[2])]);
    });
    proc.on('exit', (code) => reject(new Error(`${script} exited (${code})`)));
  });
  return { control: `http://127.0.0.1:${control}`, grpc: grpcPort === undefined ? undefined : `127.0.0.1:${grpcPort}`, stop: () => proc.kill() };
}

async function received(control: string): Promise<number> {
  const { count } = JSON.parse(await request(`${control}/count`, 'GET')) as { count: number };
  await request(`${control}/reset`, 'POST');
  return count;
}

function pipelineConfig(name: string, exporter: string): string {
  const file = path.join(dir, `otlp-pipeline-${name}.yaml`);
  // Checkpoints of a scenario's own: every scenario reads the whole file.
  const checkpoints = path.join(dir, `otlp-pipeline-${name}-checkpoints`);
  fs.rmSync(checkpoints, { recursive: true, force: true });
  fs.writeFileSync(file, `
receivers:
  filelog: {include: [${JSON.stringify(input)}], start_at: beginning, storage: ${JSON.stringify(checkpoints)}}
exporters:
${exporter}
  file/dead-letter: {path: ${JSON.stringify(path.join(dir, `otlp-pipeline-${name}-dead-letter.jsonl`))}}
service:
  pipelines:
    logs: {receivers: [filelog], exporters: [${exporter.trim().split(':')[0]}], dead_letter: [file/dead-letter]}
`);
  return file;
}

async function main(): Promise<void> {
  const size = generateFile(input, events);
  process.stdout.write(`${events.toLocaleString('en-US')} events, ${(size / events).toFixed(0)} bytes each on average, ${(await import('node:os')).cpus().length} cores\n`);
  const httpSink = await startSink('otlphttp-sink.js');
  const grpcSink = await startSink('otlp-grpc-sink.js');
  try {
    const floor = measure('floor (read+parse+stringify)', events, ['floor', input]);
    const rows: Measurement[] = [];
    const notes: string[] = [];
    for (const [name, label, sink, exporter] of [
      ['http-gzip', 'filelog→otlphttp (proto, gzip level 1)', httpSink, `  otlphttp: {endpoint: ${JSON.stringify(httpSink.control)}, compression: gzip}`],
      ['grpc-gzip', 'filelog→otlp gRPC (gzip, grpc-js)', grpcSink, `  otlp: {endpoint: ${JSON.stringify(grpcSink.grpc)}, tls: {insecure: true}, compression: gzip}`],
      ['http-none', 'filelog→otlphttp (proto, uncompressed)', httpSink, `  otlphttp: {endpoint: ${JSON.stringify(httpSink.control)}, compression: none}`],
      ['grpc-none', 'filelog→otlp gRPC (uncompressed)', grpcSink, `  otlp: {endpoint: ${JSON.stringify(grpcSink.grpc)}, tls: {insecure: true}, compression: none}`],
    ] as const) {
      rows.push(measure(label, events, ['pipeline', pipelineConfig(name, exporter)]));
      const got = await received(sink.control);
      notes.push(`${name}: ${got.toLocaleString('en-US')} records at the sink`);
      if (got !== events) throw new Error(`${name}: the sink received ${got} of ${events} records`);
    }
    process.stdout.write(`${report(floor, rows)}\n${notes.join(', ')}\n`);
  } finally {
    httpSink.stop();
    grpcSink.stop();
  }
}

void main().catch((err: unknown) => { process.stderr.write(`${(err as Error).message}\n`); process.exit(1); });
