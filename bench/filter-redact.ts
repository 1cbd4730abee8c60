/**
 * CPU per event of the `filter` and `redact` processors against a floor measured in the same run
 * (JSON decoding of the same lines), in batches of 1000 over generated lines held in memory:
 * - filter with the noise rules of its README (type, code glob, a field condition) and with rules
 *   that match nothing: what every record pays;
 * - redact with paths no event has (the common case: a few key lookups per record), and with
 *   paths most events have (`user`, hashed), where each matched record is re-parsed and rewritten.
 * Usage: node dist/bench/filter-redact.js [<events>] [<rounds>]
 */
import { decodeRecords } from '../core/decode';
import { newRecord, type LogRecord } from '../core/record';
import { silentLogger } from '../core/telemetry/logger';
import { testTelemetry } from '../core/telemetry/metrics';
import { FilterProcessor } from '../processors/filter/filter-processor';
import type { FilterProcessorConfig } from '../processors/filter/config';
import { RedactProcessor } from '../processors/redact/redact-processor';
import type { RedactProcessorConfig } from '../processors/redact/config';
import type { Processor } from '../core/component';
import { sampleEvents } from './lib/generate';

const BATCH = 1000;

function lines(count: number): string[] {
  const events = sampleEvents();
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(JSON.stringify({ ...events[i % events.length], uid: `u-${i}` }));
  return out;
}

function main(): void {
  const count = Number(process.argv[2] ?? 200_000);
  const rounds = Number(process.argv[3] ?? 5);
  const ctx = (id: string) => ({ id, logger: silentLogger, telemetry: testTelemetry(id), dataDir: '.' });
  const filter = (rules: unknown[]) => new FilterProcessor({ default_action: 'keep', rules } as FilterProcessorConfig, ctx('filter'));
  const redact = (paths: string[]) => new RedactProcessor({ hash_key: 'bench-key-0123456789', fields: [{ paths, action: 'hash', keep_first: 0, keep_last: 0 }] } as RedactProcessorConfig, ctx('redact'));
  const stages: [string, Processor][] = [
    ['filter, noise rules', filter([
      { name: 'noise', action: 'drop', when: { event: ['print', 'session.data', 'resize', 'app.session.chunk', 'session.upload'] } },
      { name: 'kube', action: 'drop', when: { code: 'T3009*' } },
      { name: 'bots', action: 'drop', when: { field: 'user', matches: '^bot-' } },
    ])],
    ['filter, matching nothing', filter([
      { name: 'none', action: 'drop', when: { any: [{ event: 'no.such.type' }, { field: 'no_such_field', exists: true }] } },
    ])],
    ['redact, matching nothing', redact(['db_query', 'request_body', 'identity.client_cert'])],
    ['redact, hashing user', redact(['user'])],
  ];
  const text = lines(count);
  process.stdout.write(`${count} events, batches of ${BATCH}, ${rounds} rounds; µs/event (best round), and as a ratio of decoding\n`);
  const best = new Array<number>(stages.length + 1).fill(Infinity);
  let matched = 0;
  for (let round = 0; round < rounds; round++) {
    const t = new Array<number>(stages.length + 1).fill(0);
    for (let at = 0; at < text.length; at += BATCH) {
      const batch: LogRecord[] = [];
      for (let i = at; i < Math.min(at + BATCH, text.length); i++) batch.push(newRecord(text[i], { source: 'bench', line: i + 1 }, 0n));
      const t0 = process.hrtime.bigint();
      const decoded = decodeRecords(batch).records;
      t[0] += Number(process.hrtime.bigint() - t0);
      stages.forEach(([, p], k) => {
        // Each stage gets its own copies: redact rewrites the records it matches.
        const records = k < 2 ? decoded : decoded.map((r) => ({ ...r, attributes: { ...r.attributes } }));
        const s = process.hrtime.bigint();
        const out = p.process(records) as { records: LogRecord[] };
        t[k + 1] += Number(process.hrtime.bigint() - s);
        if (k === 3 && round === 0) matched += out.records.filter((r) => r.raw !== text[r.position.line! - 1]).length;
      });
    }
    t.forEach((v, k) => { best[k] = Math.min(best[k], v); });
  }
  const us = (ns: number) => (ns / 1000 / count).toFixed(3).padStart(7);
  process.stdout.write(`decode (floor)              ${us(best[0])}  1.00\n`);
  stages.forEach(([name], k) => process.stdout.write(`${name.padEnd(28)}${us(best[k + 1])}  ${(best[k + 1] / best[0]).toFixed(2)}\n`));
  process.stdout.write(`(redact hashing user rewrote ${matched} of ${count} events)\n`);
}

main();
