/**
 * Fuzzed Teleport input, as a new user meets it: real event shapes mutated line by line
 * (truncated, bytes flipped, invalid UTF-8, types swapped, arrays where an object belongs, values
 * nested up to thousands deep), and a run of the default pipelines over them through the real CLI
 * that counts, per pipeline, what was delivered and what was dead-lettered.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { sampleEvents } from '../../bench/lib/generate';
import { linesByChunk } from '../../bench/lib/lines';
import { rng } from './random';

type Rng = ReturnType<typeof rng>;
type Event = Record<string, unknown>;

export const MUTATIONS = ['none', 'truncate', 'flip', 'invalid_utf8', 'swap_type', 'array_for_object', 'deep'] as const;

/** JSON text of a value nested up to 20,000 deep (as text: JSON.stringify itself cannot write it). */
function deepText(r: Rng): string {
  const depth = r.pick([70, 500, 5_000, 20_000]);
  const leaf = r.pick(['"leaf"', '1', 'true', 'null']);
  return r.next() < 0.3 ? '['.repeat(depth) + leaf + ']'.repeat(depth) : '{"k":'.repeat(depth) + leaf + '}'.repeat(depth);
}

const SWAPS: ((r: Rng) => unknown)[] = [
  () => 12345678901234567890n, () => -1.5e300, () => 'text', () => true, () => null,
  () => ({ nested: { x: 1 } }), () => [1, 'two', { three: 3 }], () => [], () => ({}), () => '',
];

function randomKey(event: Event, r: Rng): string {
  const keys = Object.keys(event);
  return keys.length === 0 ? 'time' : r.pick(keys);
}

/** JSON text with bigints as plain integers (the swaps include one beyond 2^64). */
function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `__big${x}__` : x)).replace(/"__big(-?\d+)__"/g, '$1');
}

/** One line's bytes, no newline inside. */
function mutate(event: Event, kind: (typeof MUTATIONS)[number], r: Rng): Buffer {
  const clean = toJson(event);
  switch (kind) {
    case 'none': return Buffer.from(clean);
    case 'truncate': return Buffer.from(clean.slice(0, 1 + r.int(clean.length - 1)));
    case 'flip': {
      const b = Buffer.from(clean);
      for (let n = 1 + r.int(4); n > 0; n--) b[r.int(b.length)] = 0x21 + r.int(0x5e); // printable ASCII, never a newline
      return b;
    }
    case 'invalid_utf8': {
      const b = Buffer.from(clean);
      const at = 1 + r.int(b.length - 2);
      return Buffer.concat([b.subarray(0, at), Buffer.from([r.pick([0xff, 0xc3, 0xe2, 0x80])]), b.subarray(at)]);
    }
    case 'swap_type': return Buffer.from(toJson({ ...event, [randomKey(event, r)]: r.pick(SWAPS)(r) }));
    case 'array_for_object':
      return Buffer.from(r.next() < 0.5 ? toJson([event]) : toJson({ ...event, [r.pick(['addr', 'server_labels', 'attributes'])]: [event] }));
    case 'deep': {
      const key = r.pick(['attributes', 'db_query_parameters', 'server_labels', 'new']);
      return Buffer.from(toJson({ ...event, [key]: '\u0000deep' }).replace('"\\u0000deep"', deepText(r)));
    }
  }
}

/** Deep lines are large (up to ~100 KB): 1 in 40 lines, the rest spread over the other kinds. */
const DEEP_SHARE = 1 / 40;
const OTHER_KINDS = MUTATIONS.filter((k) => k !== 'deep');

/** Writes `count` lines mutated from the bundled sample events to `file`, replayable by `seed`. */
export function writeFuzzedLines(file: string, seed: number, count: number): void {
  const r = rng(seed);
  const events = sampleEvents();
  const fd = fs.openSync(file, 'w');
  try {
    for (let done = 0; done < count;) {
      const parts: Buffer[] = [];
      for (const end = Math.min(count, done + 10_000); done < end; done++) {
        parts.push(mutate(r.pick(events), r.next() < DEEP_SHARE ? 'deep' : r.pick(OTHER_KINDS), r), Buffer.from('\n'));
      }
      fs.writeSync(fd, Buffer.concat(parts));
    }
  } finally {
    fs.closeSync(fd);
  }
}

export interface FuzzOutcome {
  readonly exitCode: number | null;
  readonly stderr: string;
  /** Per pipeline: records its exporter wrote, and records it dead-lettered. */
  readonly teleport: { delivered: number; deadLettered: number };
  readonly panther: { delivered: number; deadLettered: number };
  /** Dead letters with code `internal`: a component that threw, which input alone should never cause. */
  readonly internal: number;
}

/** Runs the two default pipelines (`workers` each) with --once over `file`'s folder, via `runner` (the CLI). */
export function runDefaultPipelines(runner: string, dir: string, logFile: string, workers: number): FuzzOutcome {
  const out = path.join(dir, 'out');
  const config = path.join(dir, 'pipeline.yaml');
  fs.writeFileSync(config, `
receivers:
  filelog: {include: [${JSON.stringify(logFile)}], start_at: beginning, max_log_size: 4MiB}
processors: {ecs: {}, schema: {}, indicators: {}}
exporters:
  file/otlp: {path: ${JSON.stringify(path.join(out, 'teleport.otlp.jsonl'))}}
  panther: {directory: ${JSON.stringify(path.join(out, 'panther'))}}
  file/dead-letter: {path: ${JSON.stringify(path.join(out, 'dead-letter.jsonl'))}}
service:
  pipelines:
    logs/teleport: {receivers: [filelog], processors: [ecs, indicators], exporters: [file/otlp], dead_letter: [file/dead-letter], workers: ${workers}}
    logs/panther: {receivers: [filelog], processors: [schema, indicators], exporters: [panther], dead_letter: [file/dead-letter], workers: ${workers}}
`);
  const run = spawnSync(process.execPath, [runner, 'run', '-c', config, '--once', '--data-dir', path.join(dir, 'data'), '--log-level', 'error'], {
    encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
  });
  const dead = countDeadLetters(path.join(out, 'dead-letter.jsonl'));
  return {
    exitCode: run.status,
    stderr: run.stderr,
    teleport: { delivered: countOtlpRecords(path.join(out, 'teleport.otlp.jsonl')), deadLettered: dead.get('logs/teleport') ?? 0 },
    panther: { delivered: countPantherRows(path.join(out, 'panther')), deadLettered: dead.get('logs/panther') ?? 0 },
    internal: dead.get('internal') ?? 0,
  };
}

function* otlpRecords(file: string): Generator<{ attributes: { key: string; value: { stringValue?: string } }[] }> {
  if (!fs.existsSync(file)) return;
  // Streamed: a million-line run writes more than one string can hold.
  for (const lines of linesByChunk(file)) {
    for (const line of lines) {
      const request = JSON.parse(line) as { resourceLogs: { scopeLogs: { logRecords: { attributes: { key: string; value: { stringValue?: string } }[] }[] }[] }[] };
      for (const rl of request.resourceLogs) for (const sl of rl.scopeLogs) yield* sl.logRecords;
    }
  }
}

function countOtlpRecords(file: string): number {
  let n = 0;
  for (const _ of otlpRecords(file)) n++;
  return n;
}

/** Dead letters by pipeline and by error code. */
function countDeadLetters(file: string): Map<string, number> {
  const byPipeline = new Map<string, number>();
  for (const r of otlpRecords(file)) {
    const attribute = (key: string) => r.attributes.find((a) => a.key === key)?.value.stringValue ?? '?';
    for (const key of [attribute('teleport_otel.pipeline'), attribute('error.type')]) byPipeline.set(key, (byPipeline.get(key) ?? 0) + 1);
  }
  return byPipeline;
}

function countPantherRows(root: string): number {
  let rows = 0;
  if (!fs.existsSync(root)) return 0;
  for (const entry of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.json.gz')) continue;
    const text = zlib.gunzipSync(fs.readFileSync(path.join(entry.parentPath, entry.name))).toString('utf8');
    rows += text.split('\n').filter((l) => l !== '').length;
  }
  return rows;
}
