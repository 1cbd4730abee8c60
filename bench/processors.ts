/**
 * CPU per event of the Panther processors alone: decode, `schema`, `indicators`, and the Panther
 * serialization of the result (whose cost depends on the object shapes the processors make), in
 * batches of 1000 as the pipeline hands them over, over lines held in memory.
 * Usage: node dist/bench/processors.js [<file>] [<rounds>] [--digest] [--cpu]
 *   --digest: also print a SHA-256 of every serialized record (p_row_id and p_parse_time masked),
 *   so two versions of the processors can be checked to produce the same output.
 */
import crypto from 'node:crypto';
import { decodeRecords } from '../core/decode';
import { stringifyLossless } from '../core/json-lossless';
import { newRecord, type LogRecord } from '../core/record';
import { silentLogger } from '../core/telemetry/logger';
import { testTelemetry } from '../core/telemetry/metrics';
import { IndicatorsProcessor } from '../processors/indicators/indicators-processor';
import { SchemaProcessor } from '../processors/schema/schema-processor';
import { forEachLineBatch } from './lib/lines';

const BATCH = 1000;

/**
 * Nanoseconds of CPU time this process used (all its threads, GC helpers included) with --cpu, so
 * other processes on the machine do not count; else wall-clock time.
 */
const now = process.argv.includes('--cpu')
  ? () => { const u = process.cpuUsage(); return BigInt(u.user + u.system) * 1000n; }
  : () => process.hrtime.bigint();

function main(): void {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const file = args[0] ?? 'bench/out/teleport-500000.log';
  const rounds = Number(args[1] ?? 5);
  const digest = process.argv.includes('--digest');
  const ctx = (id: string) => ({ id, logger: silentLogger, telemetry: testTelemetry(id), dataDir: '.' });
  const schema = new SchemaProcessor({ unknown_fields: 'keep', source_label: 'bench', source_id: undefined, schema_file: undefined }, ctx('schema'));
  const indicators = new IndicatorsProcessor({ schema_file: undefined }, ctx('indicators'));
  // Lines are read again each round, a batch at a time, as a receiver hands them over: holding the
  // whole file in the heap would make every major GC trace it and blur the figures.
  let n = 0;
  forEachLineBatch(file, BATCH, (lines) => { n += lines.length; });
  process.stdout.write(`${n} events, batches of ${BATCH}, ${rounds} rounds (µs/event, ${process.argv.includes("--cpu") ? "CPU" : "wall-clock"} time)\n`);
  process.stdout.write('round  decode  schema  indicators  stringify  schema+indicators\n');
  const best = [Infinity, Infinity, Infinity, Infinity, Infinity];
  const us = (t: bigint | number) => (Number(t) / 1000 / n).toFixed(3).padStart(7);
  for (let round = 0; round < rounds; round++) {
    let tDecode = 0n;
    let tSchema = 0n;
    let tIndicators = 0n;
    let tStringify = 0n;
    let failed = 0;
    const hash = digest ? crypto.createHash('sha256') : undefined;
    let line = 0;
    forEachLineBatch(file, BATCH, (lines) => {
      const batch: LogRecord[] = [];
      for (let i = 0; i < lines.length; i++) batch.push(newRecord(lines[i], { source: file, line: ++line }, 0n));
      const t0 = now();
      const decoded = decodeRecords(batch).records;
      const t1 = now();
      const typed = schema.process(decoded as LogRecord[]) as { records: LogRecord[]; failed: unknown[] };
      const t2 = now();
      const out = (indicators.process(typed.records) as { records: LogRecord[] }).records;
      const t3 = now();
      let bytes = 0;
      for (let i = 0; i < out.length; i++) bytes += stringifyLossless(out[i].panther!)!.length;
      const t4 = now();
      if (bytes === 0) throw new Error('serialized nothing');
      failed += typed.failed.length;
      tDecode += t1 - t0;
      tSchema += t2 - t1;
      tIndicators += t3 - t2;
      tStringify += t4 - t3;
      if (hash) {
        for (const r of out) {
          const text = stringifyLossless(r.panther!)!
            .replace(/"p_row_id":"[0-9a-f]+"/, '"p_row_id":"-"')
            .replace(/"p_parse_time":"[^"]*"/, '"p_parse_time":"-"');
          hash.update(text).update('\n').update(JSON.stringify(r.attributes)).update('\n');
        }
        for (const f of typed.failed as { reason: string; record: LogRecord }[]) hash.update(`F ${f.record.position.line} ${f.reason}\n`);
      }
    });
    [tDecode, tSchema, tIndicators, tStringify, tSchema + tIndicators].forEach((t, i) => { best[i] = Math.min(best[i], Number(t)); });
    process.stdout.write(`${String(round + 1).padStart(5)} ${us(tDecode)} ${us(tSchema)} ${us(tIndicators)}    ${us(tStringify)}    ${us(tSchema + tIndicators)}${failed ? `  (${failed} failed)` : ''}\n`);
    if (hash) process.stdout.write(`digest ${hash.digest('hex')}\n`);
  }
  // Other processes share the machine: the fastest round of each stage is the least disturbed one.
  process.stdout.write(` best ${us(best[0])} ${us(best[1])} ${us(best[2])}    ${us(best[3])}    ${us(best[4])}\n`);
}

main();
