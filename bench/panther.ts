/**
 * Panther path against the floor (read + JSON.parse + JSON.stringify), in one run:
 * - `schema -> indicators -> panther lines + gzip`: the processing work alone, in-process over the
 *   same file (decode as the core does, both processors, Panther serialization as the exporter
 *   does it, gzip at the exporter's default level 1, here on the main thread);
 * - `filelog -> schema -> indicators -> panther`: the real CLI, on the main thread and with the
 *   pipeline on 2 worker threads (`workers: 2`, 4 batches of 2000 lines in flight).
 * Usage: node dist/bench/panther.js [<events>]   (default 1,000,000).
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { decodeRecords } from '../core/decode';
import { newRecord, type LogRecord } from '../core/record';
import { registry } from '../components';
import { silentLogger } from '../core/telemetry/logger';
import { testTelemetry } from '../core/telemetry/metrics';
import { PantherRecordEncoder } from '../exporters/panther/encoder';
import { IndicatorsProcessor } from '../processors/indicators/indicators-processor';
import { SchemaProcessor } from '../processors/schema/schema-processor';
import { forEachLineBatch } from './lib/lines';
import { measure, printResult, report } from './lib/measure';
import { benchSetup } from './lib/setup';

function processing(file: string): void {
  const started = process.hrtime.bigint();
  const ctx = (id: string) => ({ id, logger: silentLogger, telemetry: testTelemetry(id), dataDir: '.' });
  const schema = new SchemaProcessor({ unknown_fields: 'keep', source_label: 'bench', source_id: undefined, schema_file: undefined }, ctx('schema'));
  const indicators = new IndicatorsProcessor({ schema_file: undefined }, ctx('indicators'));
  const encoder = new PantherRecordEncoder();
  let compressed = 0;
  let line = 0;
  forEachLineBatch(file, 500, (lines) => {
    const batch: LogRecord[] = lines.map((l) => newRecord(l, { source: file, line: ++line }, 0n));
    const typed = schema.process(decodeRecords(batch).records);
    compressed += zlib.gzipSync(encoder.encode(indicators.process(typed.records).records).bytes, { level: 1 }).length;
  });
  if (compressed === 0) throw new Error('processed nothing');
  printResult(started);
}

function main(): void {
  const { events, dir, input, floor } = benchSetup();
  const results = [measure('schema -> indicators -> panther lines + gzip', events, ['processing-job', input], __filename)];
  if (registry.find('receiver', 'filelog')) {
    for (const workers of [0, 2]) {
      const name = `panther-w${workers}`;
      const out = path.join(dir, name);
      const checkpoints = path.join(dir, `checkpoints-${name}`);
      fs.rmSync(out, { recursive: true, force: true });
      fs.rmSync(checkpoints, { recursive: true, force: true });
      const config = path.join(dir, `filelog-${name}.yaml`);
      fs.writeFileSync(config, `
receivers:
  filelog: {include: [${JSON.stringify(input)}], start_at: beginning, storage: ${JSON.stringify(checkpoints)}, max_batches_in_flight: ${workers + 2}${workers > 0 ? ', max_batch_size: 2000' : ''}}
processors:
  schema: {}
  indicators: {}
exporters:
  panther: {directory: ${JSON.stringify(out)}}
  file/dead-letter: {path: ${JSON.stringify(path.join(dir, `dead-letter-${name}.jsonl`))}}
service:
  pipelines:
    logs: {receivers: [filelog], processors: [schema, indicators], exporters: [panther], dead_letter: [file/dead-letter], workers: ${workers}}
`);
      results.push(measure(`filelog -> schema -> indicators -> panther${workers > 0 ? `, ${workers} workers, batches of 2000` : ''}`, events, ['pipeline', config]));
    }
  } else {
    process.stdout.write('(filelog receiver not registered yet: end-to-end scenario skipped)\n');
  }
  process.stdout.write(report(floor, results) + '\n');
}

if (process.argv[2] === 'processing-job') processing(process.argv[3]);
else main();
