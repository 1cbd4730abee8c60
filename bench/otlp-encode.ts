/**
 * CPU per event of the OTLP path's two hot stages, each timed on its own over the same records:
 * the `ecs` processor, and the protobuf encoder (`encode`, and `encodeEach` as worker threads
 * use it). Input: bench/out/teleport-<n>.log, decoded as the core does and run through schema and
 * indicators once (untimed), in batches of 1000, as the pipeline hands them to ecs and otlphttp.
 * Each round restores the attributes indicators left (untimed) before timing ecs again.
 * Usage: node dist/bench/otlp-encode.js [<events> (default 200,000)] [<rounds> (default 5)] [--catalogue] [--cpu]
 *   --catalogue: event shapes of every catalogue type (bench/lib/catalogue.ts) instead of the samples;
 *   --cpu: this process's CPU time instead of wall-clock time (less noisy on a shared machine).
 */
import fs from 'node:fs';
import path from 'node:path';
import { decodeRecords } from '../core/decode';
import { OtlpProtoEncoder } from '../core/otlp/proto';
import { newRecord, type Attributes, type LogRecord } from '../core/record';
import { silentLogger } from '../core/telemetry/logger';
import { testTelemetry } from '../core/telemetry/metrics';
import { EcsProcessor } from '../processors/ecs/ecs-processor';
import { IndicatorsProcessor } from '../processors/indicators/indicators-processor';
import { SchemaProcessor } from '../processors/schema/schema-processor';
import { generateCatalogueFile } from './lib/catalogue';
import { generateFile, repoRoot } from './lib/generate';
import { forEachLineBatch } from './lib/lines';

const BATCH = 1000;

/** Nanoseconds of this process's CPU time with --cpu, else wall-clock. */
const clock = process.argv.includes('--cpu')
  ? () => { const u = process.cpuUsage(); return BigInt(u.user + u.system) * 1000n; }
  : () => process.hrtime.bigint();

function main(): void {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const events = Number(args[0] ?? 200_000);
  const rounds = Number(args[1] ?? 5);
  const catalogue = process.argv.includes('--catalogue');
  const source = path.join(repoRoot(), 'bench', 'out', catalogue ? 'catalogue-200000.log' : 'teleport-500000.log');
  if (catalogue) generateCatalogueFile(source, 200_000);
  else if (!fs.existsSync(source)) {
    fs.mkdirSync(path.dirname(source), { recursive: true });
    generateFile(source, 500_000);
  }

  const ctx = (id: string) => ({ id, logger: silentLogger, telemetry: testTelemetry(id), dataDir: '.' });
  const schema = new SchemaProcessor({ unknown_fields: 'keep', source_label: 'bench', source_id: undefined, schema_file: undefined }, ctx('schema'));
  const indicators = new IndicatorsProcessor({ schema_file: undefined }, ctx('indicators'));
  const ecs = new EcsProcessor({ categories_file: undefined, audit_prefix: 'teleport.audit' }, ctx('ecs'));
  const encoder = new OtlpProtoEncoder({ attributes: { 'service.name': 'teleport' }, scopeName: 'teleport-otel', scopeVersion: '0.1.0' });

  const batches: LogRecord[][] = [];
  const before: Attributes[][] = [];
  let loaded = 0;
  let line = 0;
  forEachLineBatch(source, BATCH, (lines) => {
    if (loaded >= events) return;
    const batch = lines.slice(0, events - loaded).map((l) => newRecord(l, { source, line: ++line }, 1_718_000_000_123_456_789n));
    const records = indicators.process(schema.process(decodeRecords(batch).records).records).records;
    batches.push(records);
    before.push(records.map((r) => ({ ...r.attributes })));
    loaded += records.length;
  });
  process.stdout.write(`${loaded} events in ${batches.length} batches, ${rounds} rounds (µs/event)\n`);

  const us = (ns: bigint) => (Number(ns) / 1000 / loaded).toFixed(3);
  const best = { ecs: Infinity, encode: Infinity, each: Infinity };
  let bytes = 0;
  for (let round = 0; round < rounds; round++) {
    for (let b = 0; b < batches.length; b++) {
      const batch = batches[b];
      for (let i = 0; i < batch.length; i++) batch[i].attributes = { ...before[b][i] };
    }
    let t = clock();
    for (const batch of batches) ecs.process(batch);
    const ecsNs = clock() - t;

    t = clock();
    bytes = 0;
    for (const batch of batches) bytes += encoder.encode(batch).length;
    const encodeNs = clock() - t;

    t = clock();
    for (const batch of batches) encoder.encodeEach(batch);
    const eachNs = clock() - t;

    process.stdout.write(`round ${round + 1}: ecs ${us(ecsNs)}  encode ${us(encodeNs)}  encodeEach ${us(eachNs)}\n`);
    best.ecs = Math.min(best.ecs, Number(ecsNs));
    best.encode = Math.min(best.encode, Number(encodeNs));
    best.each = Math.min(best.each, Number(eachNs));
  }
  const f = (ns: number) => (ns / 1000 / loaded).toFixed(3);
  process.stdout.write(`best: ecs ${f(best.ecs)}  encode ${f(best.encode)}  encodeEach ${f(best.each)}  (${(bytes / loaded).toFixed(0)} encoded bytes/event)\n`);
}

main();
