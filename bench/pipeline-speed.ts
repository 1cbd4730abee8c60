/**
 * The whole pipeline stage by stage, against the floor, in one run: `filelog → otlphttp` (proto,
 * gzip) with no processors, then `schema`, `indicators` and `ecs` added one at a time, then the
 * full pipeline on `workers: 2`; then the first and the full pipeline again with the backend
 * answering each request 200 ms late (what memory does while requests wait); then what V8 flags
 * trade (a larger young generation, V8's default inlining budget). Each row is the real CLI in a
 * fresh process (`--once`): events/s, events per CPU-second and peak RSS, both ratios to the floor
 * (read + JSON.parse + JSON.stringify of the same lines in one process), and the main thread's
 * share of the CPU time (the rest: gzip and file I/O on libuv's pool, V8's GC helpers and
 * optimizing compiler). The floor is measured again right before each row and the row is compared
 * with that one: on a machine shared with other work, the load drifts within a run, and a ratio
 * to a floor taken minutes earlier would measure the drift.
 *
 * Input: event shapes of every type in the catalogue (bench/lib/catalogue.ts). The sink
 * (bench/otlphttp-sink.ts) runs in a process of its own so its CPU is not charged; after each row
 * it says how many records arrived and how many bytes each took on the wire, so losses show.
 * Usage: node dist/bench/pipeline-speed.js [events=200000] [--only=<row name>,...]
 */
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './lib/generate';
import { generateCatalogueFile } from './lib/catalogue';
import { measure, NODE_FLAGS, type Measurement } from './lib/measure';
import { startSink } from './lib/otlp-sink';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const events = Number(args[0] ?? 200_000);
const dir = path.join(repoRoot(), 'bench', 'out');
const input = path.join(dir, `catalogue-${events}.log`);

interface Row {
  name: string;
  label: string;
  processors: string[];
  workers: number;
  delayMs: number;
  /** Extra otlphttp settings, YAML flow style without braces. */
  exporter?: string;
  /** V8 flags of this row and of its floor, instead of NODE_FLAGS (what bin/teleport-otel.js runs with). */
  flags?: string[];
}

const FULL = ['schema', 'indicators', 'ecs'];
const ROWS: Row[] = [
  { name: 'bare', label: 'filelog→otlphttp (proto, gzip)', processors: [], workers: 0, delayMs: 0 },
  { name: 'schema', label: '+ schema', processors: ['schema'], workers: 0, delayMs: 0 },
  { name: 'indicators', label: '+ indicators', processors: ['schema', 'indicators'], workers: 0, delayMs: 0 },
  { name: 'full', label: '+ ecs (the full pipeline)', processors: FULL, workers: 0, delayMs: 0 },
  { name: 'full-w2', label: 'full pipeline, workers: 2', processors: FULL, workers: 2, delayMs: 0 },
  { name: 'bare-body-none', label: 'filelog→otlphttp, body: none', processors: [], workers: 0, delayMs: 0, exporter: 'body: none' },
  { name: 'full-body-none', label: 'full pipeline, body: none', processors: FULL, workers: 0, delayMs: 0, exporter: 'body: none' },
  { name: 'bare-slow', label: 'filelog→otlphttp, backend 200 ms', processors: [], workers: 0, delayMs: 200 },
  { name: 'full-slow', label: 'full pipeline, backend 200 ms', processors: FULL, workers: 0, delayMs: 200 },
  // What the young generation's size trades: memory against CPU (both floor and row run with it).
  { name: 'bare-ss32', label: 'filelog→otlphttp, semi-space 32 MB', processors: [], workers: 0, delayMs: 0, flags: withFlag('--max-semi-space-size=32') },
  { name: 'full-ss32', label: 'full pipeline, semi-space 32 MB', processors: FULL, workers: 0, delayMs: 0, flags: withFlag('--max-semi-space-size=32') },
  // What the launcher's smaller TurboFan inlining budget saves (bin/teleport-otel.js says why).
  { name: 'full-inline920', label: 'full pipeline, V8\'s default inlining', processors: FULL, workers: 0, delayMs: 0, flags: withFlag('--max-inlined-bytecode-size-cumulative=920') },
];

/** NODE_FLAGS with `flag` in place of the one of the same name. */
function withFlag(flag: string): string[] {
  const name = flag.split('=')[0];
  return [...NODE_FLAGS.filter((f) => f.split('=')[0] !== name), flag];
}

/** One row: the pipeline's figures, and its ratios to the floor taken right before it. */
function line(m: Measurement, floor: Measurement): string {
  const perSec = (x: Measurement) => (x.events * 1000) / x.wallMs;
  const perCpu = (x: Measurement) => (x.events * 1000) / x.cpuMs;
  const n = (v: number) => Math.round(v).toLocaleString('en-US');
  return [m.name.padEnd(36), n(perSec(m)).padStart(9), n(perCpu(m)).padStart(12), `${m.maxRssMb.toFixed(0)} MB`.padStart(8),
    n(perCpu(floor)).padStart(12), `${floor.maxRssMb.toFixed(0)} MB`.padStart(9),
    (perSec(m) / perSec(floor)).toFixed(2).padStart(10), (perCpu(m) / perCpu(floor)).toFixed(2).padStart(9),
    (m.mainCpuMs === undefined ? '-' : `${Math.round((100 * m.mainCpuMs) / m.cpuMs)}%`).padStart(11)].join(' ');
}

const HEAD = ['scenario'.padEnd(36), 'events/s'.padStart(9), 'events/cpu-s'.padStart(12), 'peak RSS'.padStart(8),
  'floor ev/cpu-s'.padStart(12), 'floor RSS'.padStart(9), 'wall/floor'.padStart(10), 'cpu/floor'.padStart(9), 'main thread'.padStart(11)].join(' ');

function config(row: Row, url: string): string {
  const file = path.join(dir, `speed-${row.name}.yaml`);
  // Checkpoints of its own, emptied: a row that resumed where the previous one stopped would read nothing.
  const checkpoints = path.join(dir, `speed-${row.name}-checkpoints`);
  fs.rmSync(checkpoints, { recursive: true, force: true });
  const receiver = row.workers > 0 ? `, max_batches_in_flight: ${row.workers + 2}, max_batch_size: 2000` : '';
  fs.writeFileSync(file, `
receivers:
  filelog: {include: [${JSON.stringify(input)}], start_at: beginning, storage: ${JSON.stringify(checkpoints)}${receiver}}
processors: {${row.processors.map((p) => `${p}: {}`).join(', ')}}
exporters:
  otlphttp: {endpoint: ${JSON.stringify(url)}, encoding: proto, compression: gzip${row.exporter ? `, ${row.exporter}` : ''}}
  file/dead-letter: {path: ${JSON.stringify(path.join(dir, `speed-${row.name}-dead-letter.jsonl`))}}
service:
  pipelines:
    logs: {receivers: [filelog], processors: [${row.processors.join(', ')}], exporters: [otlphttp], dead_letter: [file/dead-letter], workers: ${row.workers}}
`);
  fs.rmSync(path.join(dir, `speed-${row.name}-dead-letter.jsonl`), { force: true });
  return file;
}

async function main(): Promise<void> {
  const size = generateCatalogueFile(input, events);
  const os = await import('node:os');
  process.stdout.write(`${events.toLocaleString('en-US')} events of every catalogue type, ${(size / events).toFixed(0)} bytes each on average; `
    + `${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at the start\n`);
  const sink = await startSink();
  try {
    const rows: string[] = [];
    const notes: string[] = [];
    for (const row of ROWS) {
      if (only && !only.includes(row.name)) continue;
      await sink.setDelay(row.delayMs);
      const floor = measure('floor (read+parse+stringify)', events, ['floor', input], undefined, row.flags);
      const m = measure(row.label, events, ['pipeline', config(row, sink.url)], undefined, row.flags);
      const got = await sink.counts();
      rows.push(line(m, floor));
      notes.push(`${row.label}: ${got.count.toLocaleString('en-US')} records at the sink in ${got.requests} requests, `
        + `${(got.plainBytes / Math.max(1, got.count)).toFixed(0)} bytes per record before gzip, ${(got.wireBytes / Math.max(1, got.count)).toFixed(0)} on the wire`);
    }
    process.stdout.write([HEAD, ...rows].join('\n') + '\n' + notes.join('\n') + '\n');
    process.stdout.write(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at the end\n`);
  } finally {
    sink.stop();
  }
}

void main().catch((err: unknown) => { process.stderr.write(`${(err as Error).message}\n`); process.exit(1); });
