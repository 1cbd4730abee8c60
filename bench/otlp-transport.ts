/**
 * The two OTLP transports side by side on the same encoded requests: otlphttp's HttpTransport and
 * otlp's GrpcTransport, each uncompressed and gzipped (HTTP: the exporter's own gzip, level 1, off
 * thread; gRPC: grpc-js's per-message gzip, which takes no level), against a floor that reads,
 * parses and encodes the same lines without sending. Each scenario is one child process sending
 * batches of 2048 with 4 in flight (the exporters' defaults); the sinks are processes of their own
 * (bench/otlphttp-sink.ts, bench/otlp-grpc-sink.ts) and report what arrived, so drops show.
 * The whole exporter (batcher, queue) is not in this picture: `filelog → otlp(grpc)` beside
 * `filelog → otlphttp` is bench/otlp-pipeline.ts. Usage: node dist/bench/otlp-transport.js [events (default 300,000)]
 */
import path from 'node:path';
import { newRecord, type LogRecord } from '../core/record';
import { GrpcTransport } from '../exporters/otlp/grpc-transport';
import { BatchEncoder } from '../core/otlp/export/encoding';
import { HttpTransport } from '../exporters/otlphttp/transport';
import { generateFile, repoRoot } from './lib/generate';
import { linesByChunk } from './lib/lines';
import { sinkCounts, spawnSink } from './lib/otlp-sink';
import { measure, printResult, report, type Measurement } from './lib/measure';

const BATCH = 2048;
const IN_FLIGHT = 4;
const RESOURCE = { attributes: { 'service.name': 'teleport' }, scopeName: 'teleport-otel', scopeVersion: '0.1.0' };

type Mode = 'floor' | 'http-none' | 'http-gzip' | 'grpc-none' | 'grpc-gzip';

function* batches(file: string): Generator<LogRecord[]> {
  let line = 0;
  let pending: string[] = [];
  const toRecords = (lines: string[]) => lines.map((raw) => {
    const r = newRecord(raw, { source: file, line: ++line }, 1_718_000_000_123_456_789n);
    r.event = JSON.parse(raw) as Record<string, unknown>;
    return r;
  });
  for (const lines of linesByChunk(file)) {
    pending = pending.concat(lines);
    while (pending.length >= BATCH) yield toRecords(pending.splice(0, BATCH));
  }
  if (pending.length > 0) yield toRecords(pending);
}

async function child(mode: Mode, file: string, target: string): Promise<void> {
  const started = process.hrtime.bigint();
  const gzip = mode.endsWith('gzip');
  const grpc = mode.startsWith('grpc');
  // gRPC compresses inside grpc-js: the encoder hands it plain protobuf.
  const encoder = new BatchEncoder(RESOURCE, 'proto', gzip && !grpc ? 'gzip' : 'none', 1, 'bench');
  const transport = mode === 'floor' ? undefined : grpc
    ? new GrpcTransport({ endpoint: target, insecure: true, headers: {}, compression: gzip ? 'gzip' : 'none', timeoutMs: 60_000, tls: { insecure_skip_verify: false }, configPath: 'bench' })
    : new HttpTransport({ url: `${target}/v1/logs`, headers: {}, timeoutMs: 60_000, maxSockets: IN_FLIGHT, tls: { insecure_skip_verify: false }, configPath: 'bench' });
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  for (const records of batches(file)) {
    const body = await encoder.encode(records);
    if (transport === undefined) { sent += records.length; continue; }
    const call = transport.send(body).then((outcome) => {
      if (outcome.kind !== 'success') throw new Error(`${mode}: ${JSON.stringify(outcome)}`);
      sent += records.length;
    }).finally(() => inFlight.delete(call));
    inFlight.add(call);
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  transport?.close();
  printResult(started, { sent });
}


async function parent(): Promise<void> {
  const events = Number(process.argv[2] ?? 300_000);
  const file = path.join(repoRoot(), 'bench', 'out', `teleport-${events}.log`);
  generateFile(file, events);
  const httpSink = await spawnSink('otlphttp-sink.js');
  const grpcSink = await spawnSink('otlp-grpc-sink.js');
  try {
    const run = (mode: Mode, name: string, sink?: { control: string; grpc?: string }) => measure(name, events, ['child', mode, file, sink?.grpc ?? sink?.control ?? ''], __filename);
    const floor = run('floor', 'floor: read + parse + encode, no send');
    const others: Measurement[] = [];
    const arrived: string[] = [];
    for (const [mode, name, sink] of [
      ['http-none', 'otlphttp transport, uncompressed', httpSink],
      ['grpc-none', 'otlp gRPC transport, uncompressed', grpcSink],
      ['http-gzip', 'otlphttp transport, gzip level 1', httpSink],
      ['grpc-gzip', 'otlp gRPC transport, gzip (grpc-js)', grpcSink],
    ] as const) {
      others.push(run(mode, name, sink));
      const n = (await sinkCounts(sink.control)).count;
      arrived.push(`${mode}: ${n}`);
      if (n !== events) throw new Error(`${mode}: the sink received ${n} of ${events} records`);
    }
    process.stdout.write(`${report(floor, others)}\nrecords received: ${arrived.join(', ')}\n`);
  } finally {
    httpSink.stop();
    grpcSink.stop();
  }
}

if (process.argv[2] === 'child') {
  child(process.argv[3] as Mode, process.argv[4], process.argv[5]).then(() => process.exit(0), (err: unknown) => {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  });
} else {
  void parent().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  });
}
