/**
 * `filelog → otlp (gRPC)` beside `filelog → otlphttp`, uncompressed and gzipped, against the floor
 * (read + JSON.parse + JSON.stringify of the same file), in one run: the whole exporter (batcher,
 * encoder, transport, acknowledgement), not only the transport (bench/otlp-transport.ts). Both
 * sinks are processes of their own (bench/otlphttp-sink.ts, bench/otlp-grpc-sink.ts) and report
 * what arrived, so drops show. Usage: node dist/bench/otlp-pipeline.js [events (default 300,000)]
 */
import fs from 'node:fs';
import path from 'node:path';
import { generateFile, repoRoot } from './lib/generate';
import { sinkCounts, spawnSink } from './lib/otlp-sink';
import { measure, report, type Measurement } from './lib/measure';

const events = Number(process.argv[2] ?? 300_000);
const dir = path.join(repoRoot(), 'bench', 'out');
const input = path.join(dir, `teleport-${events}.log`);


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
  const httpSink = await spawnSink('otlphttp-sink.js');
  const grpcSink = await spawnSink('otlp-grpc-sink.js');
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
      const got = (await sinkCounts(sink.control)).count;
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
