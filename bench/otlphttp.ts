/**
 * `filelog → schema → indicators → ecs → otlphttp (proto, gzip) → local sink` against the floor
 * (read + JSON.parse + JSON.stringify of the same file) and against the OpenTelemetry SDK's own
 * LoggerProvider + BatchLogRecordProcessor path, in one run. The sink is a separate process
 * (bench/otlphttp-sink.ts) so its CPU is not charged to the pipeline; after each run it reports
 * how many records arrived, so drops show. Usage: node dist/bench/otlphttp.js [events]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { generateFile, repoRoot } from './lib/generate';
import { measure, NODE_FLAGS, report, type Measurement } from './lib/measure';
import { startSink } from './lib/otlp-sink';

const events = Number(process.argv[2] ?? 1_000_000);
const dir = path.join(repoRoot(), 'bench', 'out');
const input = path.join(dir, `teleport-${events}.log`);

function pipelineConfig(name: string, url: string, processors: string[], workers: number): string {
  const file = path.join(dir, `otlphttp-${name}.yaml`);
  fs.writeFileSync(file, `
receivers:
  filelog: {include: [${JSON.stringify(input)}], start_at: beginning, max_batches_in_flight: ${workers + 2}${workers > 0 ? ', max_batch_size: 2000' : ''}}
processors: {${processors.map((p) => `${p}: {}`).join(', ')}}
exporters:
  otlphttp: {endpoint: ${JSON.stringify(url)}, encoding: proto, compression: gzip}
  file/dead-letter: {path: ${JSON.stringify(path.join(dir, `otlphttp-${name}-dead-letter.jsonl`))}}
service:
  pipelines:
    logs: {receivers: [filelog], processors: [${processors.join(', ')}], exporters: [otlphttp], dead_letter: [file/dead-letter], workers: ${workers}}
`);
  return file;
}

function deadLettered(name: string): number {
  const file = path.join(dir, `otlphttp-${name}-dead-letter.jsonl`);
  if (!fs.existsSync(file)) return 0;
  let n = 0;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const req = JSON.parse(line) as { resourceLogs: { scopeLogs: { logRecords: unknown[] }[] }[] };
    for (const rl of req.resourceLogs) for (const sl of rl.scopeLogs) n += sl.logRecords.length;
  }
  return n;
}

/** The SDK's path (bench/otlphttp-sdk.ts) in one of its modes: 'paced', 'mapped'. */
function sdkPath(url: string, name: string, modes: string[]): Measurement & { emitted: number } {
  const args = [path.join(__dirname, 'otlphttp-sdk.js'), input, `${url}/v1/logs`, ...modes];
  const r = spawnSync(process.execPath, [...NODE_FLAGS, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('BENCH '));
  if (!line || r.status !== 0) throw new Error(`sdk path failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  return { name, events, ...(JSON.parse(line.slice(6)) as Omit<Measurement, 'name' | 'events'> & { emitted: number }) };
}

async function main(): Promise<void> {
  const size = generateFile(input, events);
  process.stdout.write(`${events.toLocaleString('en-US')} events, ${(size / events).toFixed(0)} bytes each on average, ${(await import('node:os')).cpus().length} cores\n`);
  const sink = await startSink();
  try {
    const floor = measure('floor (read+parse+stringify)', events, ['floor', input]);
    const rows: Measurement[] = [];
    const notes: string[] = [];
    const full = ['schema', 'indicators', 'ecs'];
    const scenarios: [string, string, string[], number][] = [
      ['full', 'filelog→schema→indicators→ecs→otlphttp', full, 0],
      ['full-w2', 'the same, 2 workers, batches of 2000', full, 2],
      ['bare', 'filelog→otlphttp', [], 0],
    ];
    for (const [name, label, processors, workers] of scenarios) {
      const m = measure(label, events, ['pipeline', pipelineConfig(name, sink.url, processors, workers)]);
      const got = await sink.received();
      const dead = deadLettered(name);
      rows.push(m);
      notes.push(`${label}: ${got.toLocaleString('en-US')} records at the sink, ${dead.toLocaleString('en-US')} dead-lettered, ${(events - got - dead).toLocaleString('en-US')} missing`);
    }
    const peers: [string, string[]][] = [
      ['SDK path (LoggerProvider+Batch)', []],
      ['SDK path, reader held back', ['paced']],
      ['SDK path, held back, same records as full', ['paced', 'mapped']],
    ];
    const peerRows: Measurement[] = [];
    for (const [label, modes] of peers) {
      const sdk = sdkPath(sink.url, label, modes);
      const got = await sink.received();
      rows.push(sdk);
      peerRows.push(sdk);
      notes.push(`${sdk.name}: emitted ${sdk.emitted.toLocaleString('en-US')}, ${got.toLocaleString('en-US')} at the sink, ${(sdk.emitted - got).toLocaleString('en-US')} dropped (${(((sdk.emitted - got) / sdk.emitted) * 100).toFixed(1)}%)`);
    }
    process.stdout.write(report(floor, rows) + '\n' + notes.join('\n') + '\n');
    const ratio = (a: Measurement, b: Measurement) => (a.events / a.cpuMs) / (b.events / b.cpuMs);
    const [, paced, mapped] = peerRows;
    process.stdout.write(`per CPU-second, against the SDK path held back (nothing dropped): filelog→otlphttp ${ratio(rows[2], paced).toFixed(2)}x; `
      + `the full pipeline against the SDK carrying the same records ${ratio(rows[0], mapped).toFixed(2)}x (${ratio(rows[1], mapped).toFixed(2)}x on 2 workers), against the bare SDK path ${ratio(rows[0], paced).toFixed(2)}x\n`);
  } finally {
    sink.stop();
  }
}

void main().catch((err: unknown) => { process.stderr.write(`${(err as Error).message}\n`); process.exit(1); });
