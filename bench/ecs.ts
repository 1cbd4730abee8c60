/**
 * ECS path against the floor (read + JSON.parse + JSON.stringify), in one run:
 * - `decode -> ecs -> JSON.stringify(attributes)`: the processing work alone, in-process over the
 *   same file (decode as the core does, the ecs processor, attributes serialized once);
 *   also on every catalogue type's shape, with the ecs processor's own µs per event;
 * - `filelog -> file` and `filelog -> ecs -> file`: the real CLI, so the ecs processor's share of
 *   the end-to-end cost is the difference between the two.
 * Usage: node dist/bench/ecs.js [<events>]   (default 1,000,000).
 */
import fs from 'node:fs';
import path from 'node:path';
import { decodeRecords } from '../core/decode';
import { newRecord, type LogRecord } from '../core/record';
import { silentLogger } from '../core/telemetry/logger';
import { testTelemetry } from '../core/telemetry/metrics';
import { EcsProcessor } from '../processors/ecs/ecs-processor';
import { generateCatalogueFile } from './lib/catalogue';
import { forEachLineBatch } from './lib/lines';
import { measure, printResult, report } from './lib/measure';
import { benchSetup } from './lib/setup';

function processing(file: string): void {
  const started = process.hrtime.bigint();
  const ecs = new EcsProcessor({ categories_file: undefined, audit_prefix: 'teleport.audit' },
    { id: 'ecs', logger: silentLogger, telemetry: testTelemetry('ecs'), dataDir: '.' });
  let bytes = 0;
  let line = 0;
  let ecsNs = 0n;
  forEachLineBatch(file, 1000, (lines) => {
    const batch: LogRecord[] = lines.map((l) => newRecord(l, { source: file, line: ++line }, 0n));
    const decoded = decodeRecords(batch).records;
    const t0 = process.hrtime.bigint();
    const out = ecs.process(decoded).records;
    ecsNs += process.hrtime.bigint() - t0;
    for (const r of out) bytes += JSON.stringify(r.attributes).length;
  });
  if (bytes === 0) throw new Error('processed nothing');
  // The ecs processor's own time, apart from decode and serialization.
  printResult(started, { ecsUsPerEvent: Number(ecsNs) / 1000 / line });
}

function pipelineConfig(dir: string, input: string, name: string, processors: string[]): string {
  const config = path.join(dir, `${name}.yaml`);
  const checkpoints = path.join(dir, `checkpoints-${name}`);
  fs.rmSync(checkpoints, { recursive: true, force: true });
  const out = path.join(dir, `${name}.otlp.jsonl`);
  fs.rmSync(out, { force: true });
  fs.writeFileSync(config, `
receivers:
  filelog: {include: [${JSON.stringify(input)}], start_at: beginning, storage: ${JSON.stringify(checkpoints)}}
processors:
  ecs: {}
exporters:
  file: {path: ${JSON.stringify(out)}}
  file/dead-letter: {path: ${JSON.stringify(path.join(dir, `dead-letter-${name}.jsonl`))}}
service:
  pipelines:
    logs: {receivers: [filelog], processors: [${processors.join(', ')}], exporters: [file], dead_letter: [file/dead-letter]}
`);
  return config;
}

function main(): void {
  const { events, dir, input, floor } = benchSetup();
  const catalogue = path.join(dir, `catalogue-${events}.log`);
  generateCatalogueFile(catalogue, events);
  const processingRuns = [
    measure('decode -> ecs -> stringify attrs', events, ['processing-job', input], __filename),
    measure('same, every catalogue type', events, ['processing-job', catalogue], __filename),
  ];
  const results = [
    ...processingRuns,
    measure('filelog -> file', events, ['pipeline', pipelineConfig(dir, input, 'ecs-baseline', [])]),
    measure('filelog -> ecs -> file', events, ['pipeline', pipelineConfig(dir, input, 'filelog-ecs-file', ['ecs'])]),
  ];
  process.stdout.write(report(floor, results) + '\n');
  for (const m of processingRuns) {
    const us = (m as unknown as { ecsUsPerEvent: number }).ecsUsPerEvent;
    process.stdout.write(`${m.name}: ecs alone ${us.toFixed(3)} µs per event\n`);
  }
}

if (process.argv[2] === 'processing-job') processing(process.argv[3]);
else main();
