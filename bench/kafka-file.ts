/**
 * The kafka receiver against the floor, in one run: the bench input produced by librdkafka's
 * producer (`kcat -P -l`) onto topics of librdkafka's mock cluster (the kcat process hosting it is
 * this process's child, so its CPU is not charged to the measured pipeline), once uncompressed and
 * once with lz4 batches; then `kafka -> file` for each, and `kafka -> schema -> indicators -> ecs ->
 * otlphttp` into the counting sink (its own process too). Each run is `--once` with a fresh group,
 * so its wall time includes the group's first join (the mock cluster holds it 3 s); CPU per event
 * is the fairer figure. Usage: node dist/bench/kafka-file.js [events] (default 300,000: the mock
 * cluster keeps every topic in memory).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { kafkaMock, stopKafkaMock } from '../test/support/kafka-mock';
import { measureAsync, report, type Measurement } from './lib/measure';
import { startSink } from './lib/otlp-sink';
import { benchSetup } from './lib/setup';

if (process.argv[2] === undefined) process.argv[2] = '300000';
/** Topics (of 4 partitions, about 5 MB each kept: 10,000 events of ~400 bytes) the input is spread over. */
const TOPICS = Math.max(1, Math.ceil(Number(process.argv[2]) / 40_000));

/** `file` cut into `n` files of about as many lines each. */
function splitLines(file: string, n: number, dir: string): string[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
  const per = Math.ceil(lines.length / n);
  return Array.from({ length: n }, (_, i) => {
    const out = path.join(dir, `kafka-slice-${i}.log`);
    fs.writeFileSync(out, lines.slice(i * per, (i + 1) * per).join('\n') + '\n');
    return out;
  });
}

/** Log records in a file exporter's output (OTLP/JSON, one request per line). */
function recordsIn(file: string): number {
  let n = 0;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const req = JSON.parse(line) as { resourceLogs: { scopeLogs: { logRecords: unknown[] }[] }[] };
    for (const rl of req.resourceLogs) for (const sl of rl.scopeLogs) n += sl.logRecords.length;
  }
  return n;
}

async function main(): Promise<void> {
  const { events, dir, input, floor } = benchSetup(', produced by kcat onto the mock cluster');
  const kafka = await kafkaMock();
  const topics: Record<string, string> = {};
  // The mock cluster keeps about 5 MB per partition and drops older messages, and its topics have
  // 4 partitions: the input is spread over several topics, read through one regular expression,
  // so that every event stays (checked through the low watermarks).
  const slices = splitLines(input, TOPICS * 4, dir);
  for (const codec of ['none', 'lz4']) {
    const stem = (topics[codec] = kafka.unique(`bench-${codec}`));
    let high = 0;
    let dropped = 0;
    for (const [i, slice] of slices.entries()) {
      // Each slice onto one partition: librdkafka's sticky partitioner would pile them up unevenly.
      const topic = `${stem}-${Math.floor(i / 4)}`;
      execFileSync(process.env.KCAT ?? 'kcat', ['-P', '-q', '-b', kafka.bootstrap, '-t', topic, '-p', String(i % 4), '-z', codec, '-X', 'linger.ms=50', '-X', 'batch.num.messages=2000', '-l', slice], { stdio: 'inherit' });
    }
    for (let t = 0; t < TOPICS; t++) {
      high += [...(await kafka.highWatermarks(`${stem}-${t}`)).values()].reduce((a, b) => a + b, 0);
      dropped += [...(await kafka.lowWatermarks(`${stem}-${t}`)).values()].reduce((a, b) => a + b, 0);
    }
    if (high !== events || dropped > 0) throw new Error(`${stem}-*: ${high} messages produced, ${dropped} dropped by the mock cluster's retention; expected ${events} kept`);
  }
  for (const slice of slices) fs.rmSync(slice);
  const sink = await startSink();
  const config = (name: string, topic: string, processors: string[], exporter: string): string => {
    const file = path.join(dir, `kafka-${name}.yaml`);
    fs.writeFileSync(file, `
receivers:
  kafka: {brokers: [${JSON.stringify(kafka.bootstrap)}], topics: [${JSON.stringify(`^${topic}-.*`)}], group_id: ${JSON.stringify(kafka.unique('bench'))}, max_bytes_per_partition: 4MiB}
processors: {${processors.map((p) => `${p}: {}`).join(', ')}}
exporters:
  ${exporter}
  file/dead-letter: {path: ${JSON.stringify(path.join(dir, `kafka-${name}-dead-letter.jsonl`))}}
service:
  pipelines:
    logs: {receivers: [kafka], ${processors.length > 0 ? `processors: [${processors.join(', ')}], ` : ''}exporters: [${exporter.split(':')[0]}], dead_letter: [file/dead-letter]}
`);
    return file;
  };
  const file = (name: string) => `file: {path: ${JSON.stringify(path.join(dir, `kafka-${name}.otlp.jsonl`))}}`;
  const rows: Measurement[] = [];
  const notes: string[] = [];
  try {
    rows.push(await measureAsync('kafka (uncompressed) -> file', events, ['pipeline', config('none-file', topics.none, [], file('none-file'))]));
    rows.push(await measureAsync('kafka (lz4) -> file', events, ['pipeline', config('lz4-file', topics.lz4, [], file('lz4-file'))]));
    for (const name of ['none-file', 'lz4-file']) notes.push(`kafka-${name}: ${recordsIn(path.join(dir, `kafka-${name}.otlp.jsonl`)).toLocaleString('en-US')} records written of ${events.toLocaleString('en-US')}`);
    const full = ['schema', 'indicators', 'ecs'];
    rows.push(await measureAsync('kafka -> schema,indicators,ecs -> otlphttp', events, ['pipeline', config('full', topics.none, full, `otlphttp: {endpoint: ${JSON.stringify(sink.url)}, encoding: proto, compression: gzip}`)]));
    const got = await sink.received();
    const dead = fs.existsSync(path.join(dir, 'kafka-full-dead-letter.jsonl')) ? recordsIn(path.join(dir, 'kafka-full-dead-letter.jsonl')) : 0;
    notes.push(`full pipeline: ${got.toLocaleString('en-US')} records at the otlphttp sink, ${dead.toLocaleString('en-US')} dead-lettered (the generated input holds a few events the schema refuses), of ${events.toLocaleString('en-US')}`);
  } finally {
    sink.stop();
    await stopKafkaMock();
  }
  process.stdout.write(report(floor, rows) + '\n' + notes.join('\n') + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
