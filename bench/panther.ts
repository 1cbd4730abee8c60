/**
 * Panther path against the floor (read + JSON.parse + JSON.stringify), in one run:
 * - `schema -> indicators -> panther lines + gzip`: the processing work alone, in-process over the
 *   same file (decode as the core does, both processors, Panther serialization as the exporter
 *   does it, gzip at the exporter's default level 1, here on the main thread);
 * - `filelog -> schema -> indicators -> panther`: the real CLI, when the filelog receiver is registered.
 * Usage: node dist/bench/panther.js [<events>]   (default 1,000,000).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { decodeRecords } from '../core/decode';
import { newRecord, type LogRecord } from '../core/record';
import { registry } from '../core/registry';
import { silentLogger } from '../core/telemetry/logger';
import { testTelemetry } from '../core/telemetry/metrics';
import { stringifyLossless } from '../core/json-lossless';
import { PantherLines } from '../exporters/panther/serialize';
import { IndicatorsProcessor } from '../processors/indicators/indicators-processor';
import { SchemaProcessor } from '../processors/schema/schema-processor';
import { generateFile, repoRoot } from './lib/generate';
import { measure, report, type Measurement } from './lib/measure';

function processing(file: string): void {
  const started = process.hrtime.bigint();
  const ctx = (id: string) => ({ id, logger: silentLogger, telemetry: testTelemetry(id), dataDir: '.' });
  const schema = new SchemaProcessor({ unknown_fields: 'keep', source_label: 'bench', source_id: undefined, schema_file: undefined }, ctx('schema'));
  const indicators = new IndicatorsProcessor({ schema_file: undefined }, ctx('indicators'));
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let carry = '';
  let compressed = 0;
  let line = 0;
  for (;;) {
    const read = fs.readSync(fd, buf, 0, buf.length, null);
    if (read === 0) break;
    const lines = (carry + buf.toString('utf8', 0, read)).split('\n');
    carry = lines.pop() ?? '';
    for (let i = 0; i < lines.length; i += 500) {
      const batch: LogRecord[] = lines.slice(i, i + 500).filter((l) => l !== '').map((l) => newRecord(l, { source: file, line: ++line }, 0n));
      const typed = schema.process(decodeRecords(batch).records);
      const out = new PantherLines(500 * 1024);
      for (const r of indicators.process(typed.records).records) out.add(stringifyLossless(r.panther!));
      compressed += zlib.gzipSync(out.finish(), { level: 1 }).length;
    }
  }
  fs.closeSync(fd);
  if (compressed === 0) throw new Error('processed nothing');
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const usage = process.resourceUsage();
  process.stdout.write(`BENCH ${JSON.stringify({ wallMs, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, maxRssMb: usage.maxRSS / 1024, code: 0 })}\n`);
}

function measureProcessing(events: number, file: string): Measurement {
  const r = spawnSync(process.execPath, [__filename, 'processing-job', file], { encoding: 'utf8' });
  const line = r.stdout.split('\n').find((l) => l.startsWith('BENCH '));
  if (!line || r.status !== 0) throw new Error(`processing: failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  return { name: 'schema -> indicators -> panther lines + gzip', events, ...(JSON.parse(line.slice(6)) as Omit<Measurement, 'name' | 'events'>) };
}

function main(): void {
  const events = Number(process.argv[2] ?? 1_000_000);
  const dir = path.join(repoRoot(), 'bench', 'out');
  const input = path.join(dir, `teleport-${events}.log`);
  const size = generateFile(input, events);
  process.stdout.write(`${events.toLocaleString('en-US')} events, ${(size / events).toFixed(0)} bytes each on average\n`);
  const floor = measure('floor (read+parse+stringify)', events, ['floor', input]);
  const results = [measureProcessing(events, input)];
  if (registry.find('receiver', 'filelog')) {
    const out = path.join(dir, 'panther');
    fs.rmSync(out, { recursive: true, force: true });
    const config = path.join(dir, 'filelog-panther.yaml');
    fs.writeFileSync(config, `
receivers:
  filelog: {include: [${JSON.stringify(input)}], start_at: beginning, storage: ${JSON.stringify(path.join(dir, 'checkpoints-panther'))}}
processors:
  schema: {}
  indicators: {}
exporters:
  panther: {directory: ${JSON.stringify(out)}}
  file/dead-letter: {path: ${JSON.stringify(path.join(dir, 'dead-letter-panther.jsonl'))}}
service:
  pipelines:
    logs: {receivers: [filelog], processors: [schema, indicators], exporters: [panther], dead_letter: [file/dead-letter]}
`);
    fs.rmSync(path.join(dir, 'checkpoints-panther'), { recursive: true, force: true });
    results.push(measure('filelog -> schema -> indicators -> panther', events, ['pipeline', config]));
  } else {
    process.stdout.write('(filelog receiver not registered yet: end-to-end scenario skipped)\n');
  }
  process.stdout.write(report(floor, results) + '\n');
}

if (process.argv[2] === 'processing-job') processing(process.argv[3]);
else main();
