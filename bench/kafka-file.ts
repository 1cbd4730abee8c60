/**
 * `kafka -> file` and `kafka -> schema -> indicators -> ecs -> otlphttp` against the floor (read +
 * JSON.parse + JSON.stringify of the same lines) and against the same two pipelines fed by
 * `filelog`, in one run. The bench input is produced once, one event per message, gzip batches,
 * with `kcat -P` into librdkafka's mock cluster (a kcat process of its own, as the OTLP sink is,
 * so neither is charged to the measured pipeline); each kafka scenario reads it all with
 * `--once` in a fresh consumer group, with the receiver's defaults.
 *
 * The mock cluster holds a new group's first join for 3 s, as brokers do
 * (`group.initial.rebalance.delay.ms`); a run on an empty topic measures that fixed wait, and the
 * rows "after the group join" take its idle time off the wall time.
 * Usage: node dist/bench/kafka-file.js [events]   (default 1,000,000).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { kafkaMock, stopKafkaMock, type KafkaMock } from '../test/support/kafka-mock';
import { measureAsync, report, type Measurement } from './lib/measure';
import { startSink, type BenchSink } from './lib/otlp-sink';
import { benchSetup } from './lib/setup';

const FULL = ['schema', 'indicators', 'ecs'];

function produce(kafka: KafkaMock, topic: string, input: string): void {
  const fd = fs.openSync(input, 'r');
  try {
    const r = spawnSync(process.env.KCAT ?? 'kcat', ['-P', '-q', '-b', kafka.bootstrap, '-t', topic, '-z', 'gzip', '-X', 'linger.ms=50'], { stdio: [fd, 'ignore', 'pipe'], encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`kcat -P failed (exit ${r.status}): ${r.stderr}`);
  } finally {
    fs.closeSync(fd);
  }
}

function countLines(file: string): number {
  let n = 0;
  const buf = fs.readFileSync(file);
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/** Writes a pipeline config: `receiver` (a YAML flow mapping under `receivers:`) into `file` or, with processors, `otlphttp`. */
function config(dir: string, name: string, receiver: string, sink: BenchSink | undefined): { file: string; output: string } {
  const file = path.join(dir, `kafka-bench-${name}.yaml`);
  const output = path.join(dir, `kafka-bench-${name}.otlp.jsonl`);
  const exporter = sink === undefined
    ? `file: {path: ${JSON.stringify(output)}}`
    : `otlphttp: {endpoint: ${JSON.stringify(sink.url)}, encoding: proto, compression: gzip}`;
  fs.writeFileSync(file, `
receivers:
  ${receiver}
${sink === undefined ? '' : `processors: {${FULL.map((p) => `${p}: {}`).join(', ')}}\n`}exporters:
  ${exporter}
  file/dead-letter: {path: ${JSON.stringify(path.join(dir, `kafka-bench-${name}-dead-letter.jsonl`))}}
service:
  pipelines:
    logs: {receivers: [${receiver.slice(0, receiver.indexOf(':'))}], processors: [${sink === undefined ? '' : FULL.join(', ')}], exporters: [${sink === undefined ? 'file' : 'otlphttp'}], dead_letter: [file/dead-letter]}
`);
  fs.rmSync(output, { force: true });
  return { file, output };
}

/** The same run with the idle time of the group join taken off its wall time. */
function afterJoin(m: Measurement, joinIdleMs: number): Measurement {
  return { ...m, name: `${m.name}, after the group join`, wallMs: m.wallMs - joinIdleMs };
}

async function main(): Promise<void> {
  const { events, dir, input, floor } = benchSetup('; one event per Kafka message, 4 partitions');
  const kafka = await kafkaMock();
  const sink = await startSink();
  try {
    const topic = kafka.unique('bench');
    const t0 = Date.now();
    produce(kafka, topic, input);
    process.stdout.write(`produced with kcat -P in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    const kafkaReceiver = (group: string, topics = [topic]) => `kafka: {brokers: [${kafka.bootstrap}], topics: ${JSON.stringify(topics)}, group_id: ${kafka.unique(group)}}`;
    const filelogReceiver = `filelog: {include: [${JSON.stringify(input)}], start_at: beginning}`;

    const emptyTopic = kafka.unique('bench-empty');
    const empty = await measureAsync('kafka, empty topic', 0, ['pipeline', config(dir, 'empty', kafkaReceiver('empty', [emptyTopic]), undefined).file]);
    const joinIdleMs = empty.wallMs - empty.cpuMs;

    const rows: Measurement[] = [];
    const notes: string[] = [`kafka --once on an empty topic: ${(empty.wallMs / 1000).toFixed(1)} s wall, ${(empty.cpuMs / 1000).toFixed(1)} s CPU (start-up and the group join)`];
    const toFile: [string, string][] = [['filelog -> file', filelogReceiver], ['kafka -> file', kafkaReceiver('file')]];
    for (const [label, receiver] of toFile) {
      const c = config(dir, label.split(' ')[0], receiver, undefined);
      const m = await measureAsync(label, events, ['pipeline', c.file]);
      rows.push(m);
      if (label.startsWith('kafka')) rows.push(afterJoin(m, joinIdleMs));
      notes.push(`${label}: ${countLines(c.output).toLocaleString('en-US')} records written`);
    }
    const toOtlp: [string, string][] = [['filelog -> schema,indicators,ecs -> otlphttp', filelogReceiver], ['kafka -> schema,indicators,ecs -> otlphttp', kafkaReceiver('otlp')]];
    for (const [label, receiver] of toOtlp) {
      const m = await measureAsync(label, events, ['pipeline', config(dir, `${label.split(' ')[0]}-otlp`, receiver, sink).file]);
      rows.push(m);
      if (label.startsWith('kafka')) rows.push(afterJoin(m, joinIdleMs));
      notes.push(`${label}: ${(await sink.received()).toLocaleString('en-US')} records at the sink`);
    }
    process.stdout.write(report(floor, rows) + '\n' + notes.join('\n') + '\n');
  } finally {
    sink.stop();
    await stopKafkaMock();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
