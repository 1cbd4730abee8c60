import assert from 'node:assert/strict';
import { DestinationError } from '../../../core/errors';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { CreateContext } from '../../../core/component';
import { newRecord, type LogRecord } from '../../../core/record';
import { silentLogger } from '../../../core/telemetry/logger';
import { testTelemetry } from '../../../core/telemetry/metrics';
import type { PantherExporterConfig } from '../../../exporters/panther/config';
import { PantherExporter } from '../../../exporters/panther/panther-exporter';
import { PantherLines, toPantherLine } from '../../../exporters/panther/serialize';
import { stringifyLossless } from '../../../core/json-lossless';
import type { StateLock } from '../../../core/state-lock';
import { completeGzipLength, STAGING_DIR } from '../../../exporters/panther/staging';
import { PANTHER_TIME, parserCases, ROW_ID } from '../../processors/schema/helpers';
import { startService, tmpDir } from '../../support/service';

import { FILE_NAME, linesOf, listFiles, published } from './helpers';
import { random } from '../../support/random';

const ctx = (): CreateContext => ({ id: 'panther', logger: silentLogger, telemetry: testTelemetry('panther'), dataDir: tmpDir() });

function exporter(directory: string, config: Partial<PantherExporterConfig> = {}): PantherExporter {
  return new PantherExporter({ directory, max_file_size: 64 * 1024 * 1024, max_file_age: 60_000, max_open_files: 16, compression_level: 6, ...config }, ctx());
}

/** A record as the schema processor leaves it. */
function record(hour: string, i: number, extra: Record<string, unknown> = {}): LogRecord {
  const r = newRecord(`{"i":${i}}`, { source: 'test', line: i }, 0n);
  r.panther = { event: 'x', i, ...extra, p_log_type: 'Gravitational.TeleportAudit', p_event_time: `${hour}:00:00.000000000` };
  return r;
}

describe('panther exporter', () => {
  it("writes Panther's expected line byte for byte for every parser case, in the expected hourly files", async () => {
    const dir = tmpDir();
    const cases = parserCases();
    const deadLetters = path.join(tmpDir(), 'dead.jsonl');
    const service = await startService(`
receivers:
  testreceiver: {lines: ${JSON.stringify(cases.map((c) => c.input))}, batch_size: 5}
processors:
  schema: {source_id: 00000000-0000-4000-8000-000000000000, source_label: teleport-prod}
  indicators: {}
exporters:
  panther: {directory: ${JSON.stringify(dir)}}
  file/dead: {path: ${JSON.stringify(deadLetters)}}
service:
  pipelines:
    logs: {receivers: [testreceiver], processors: [schema, indicators], exporters: [panther], dead_letter: [file/dead]}
`);
    await service.drained();
    await service.shutdown(5000);

    assert.deepEqual(listFiles(path.join(dir, STAGING_DIR)), [], 'nothing left in staging');
    const files = published(dir);
    const written = new Map<string, string[]>();
    for (const f of files) {
      const m = FILE_NAME.exec(f.split(path.sep).join('/'));
      assert.ok(m, `file name ${f}`);
      const prefix = f.slice(0, f.lastIndexOf('-', f.length - 45) + 1);
      written.set(prefix, [...(written.get(prefix) ?? []), ...linesOf(path.join(dir, f))]);
    }
    const all = [...written.values()].flat();
    assert.equal(all.length, cases.length);
    for (const c of cases) {
      const lines = written.get(c.model_s3_key_prefix);
      assert.ok(lines, `a file under ${c.model_s3_key_prefix}`);
      const want = JSON.parse(c.model_datalake_line) as Record<string, unknown>;
      const line = lines.find((l) => (JSON.parse(l) as Record<string, unknown>).uid === want.uid && l.includes(`"p_row_id"`));
      assert.ok(line, `${c.name} written`);
      const got = JSON.parse(line) as Record<string, string>;
      assert.match(got.p_row_id, ROW_ID);
      assert.match(got.p_parse_time, PANTHER_TIME);
      const expected = c.model_datalake_line
        .replace(`"p_row_id":"${want.p_row_id as string}"`, `"p_row_id":"${got.p_row_id}"`)
        .replace(`"p_parse_time":"${want.p_parse_time as string}"`, `"p_parse_time":"${got.p_parse_time}"`);
      // Two cases share a uid with different inputs; match on the whole line.
      assert.ok(lines.some((l) => l.replace(/"p_row_id":"[0-9a-f]+"/, `"p_row_id":"${got.p_row_id}"`).replace(/"p_parse_time":"[^"]+"/, `"p_parse_time":"${got.p_parse_time}"`) === expected), `${c.source} ${c.name}: byte-for-byte`);
    }
  });

  it('escapes as Go does: <, >, &, U+2028/2029 as \\u escapes, a lone surrogate as U+FFFD, bigint as digits', () => {
    const line = toPantherLine({ a: '<b> & "c"\n', b: 'x\u2028y\u2029', c: 'lone \ud800 and \\ud800 text', d: 12345678901234567890n, e: '\u{1F600}' });
    assert.equal(line, '{"a":"\\u003cb\\u003e \\u0026 \\"c\\"\\n","b":"x\\u2028y\\u2029","c":"lone \uFFFD and \\\\ud800 text","d":12345678901234567890,"e":"\u{1F600}"}');
  });

  it('encodes a batch of lines to the same bytes as toPantherLine and a join, escapes included', () => {
    const rnd = random(3);
    const pieces = ['plain', '<', '>', '&', '\u2028', '\u2029', '\ud800', '\udfff', '\\ud800', '\\\\', '"', '\n', 'é', '\u{1F600}', '\u0000', 'x'.repeat(300)];
    for (const capacity of [1, 4096, 1 << 20]) {
      const objects: Record<string, unknown>[] = [];
      for (let i = 0; i < 300; i++) {
        const o: Record<string, unknown> = { i };
        const fields = rnd(4);
        for (let f = 0; f < fields; f++) {
          let v = '';
          for (let k = rnd(4); k > 0; k--) v += pieces[rnd(pieces.length)];
          o[`f${f}${rnd(5) === 0 ? '<' : ''}`] = v;
        }
        if (rnd(7) === 0) o.big = 12345678901234567890n;
        objects.push(o);
      }
      const lines = new PantherLines(capacity);
      for (const o of objects) lines.add(stringifyLossless(o));
      const expected = Buffer.from(objects.map(toPantherLine).join('\n') + '\n', 'utf8');
      assert.equal(lines.count, objects.length);
      assert.ok(lines.finish().equals(expected), `capacity ${capacity}`);
    }
  });

  it('group commit: calls queued behind a write share the next one, and each gets its own records written', async () => {
    const dir = tmpDir();
    const e = exporter(dir);
    await e.start();
    const calls = Array.from({ length: 12 }, (_, c) => [0, 1, 2].map((k) => record(`2024-01-01 1${c % 2}`, c * 10 + k)));
    const results = await Promise.all(calls.map((batch) => e.export(batch)));
    assert.deepEqual(results.map((r) => r.kind), calls.map(() => 'success'));
    assert.ok(e.groupCommits < calls.length, `${e.groupCommits} commits for ${calls.length} calls`);
    await e.shutdown();
    const files = published(dir);
    assert.equal(files.length, 2);
    const lines = files.flatMap((f) => linesOf(path.join(dir, f)).map((l) => JSON.parse(l).i as number));
    assert.deepEqual([...lines].sort((a, b) => a - b), calls.flat().map((r) => r.panther!.i as number).sort((a, b) => a - b));
    // A call's records stay together, in order: each call is one gzip member.
    for (let c = 0; c < calls.length; c++) {
      const at = lines.indexOf(c * 10);
      assert.deepEqual(lines.slice(at, at + 3), [c * 10, c * 10 + 1, c * 10 + 2]);
    }
  });

  it('reuses line buffers across calls without leaking bytes of an earlier batch', async () => {
    const dir = tmpDir();
    const e = exporter(dir);
    await e.start();
    // Long lines first, then shorter and fewer: a recycled buffer holds stale bytes past the new end.
    const expected: string[] = [];
    for (const [count, width] of [[50, 3000], [7, 10], [30, 500], [1, 1], [80, 2000]]) {
      const batch = Array.from({ length: count }, (_, k) => record('2024-01-01 10', expected.length + k, { pad: 'x'.repeat(width) }));
      expected.push(...batch.map(() => ''));
      assert.equal((await e.export(batch)).kind, 'success');
    }
    await e.shutdown();
    const lines = published(dir).flatMap((f) => linesOf(path.join(dir, f)));
    assert.equal(lines.length, expected.length);
    assert.deepEqual(lines.map((l) => JSON.parse(l).i as number), expected.map((_, i) => i));
  });

  it('group commit: when the shared write fails, every call in it is retryable and none is acknowledged', async () => {
    const dir = tmpDir();
    const e = exporter(dir);
    await e.start();
    fs.rmSync(path.join(dir, STAGING_DIR), { recursive: true });
    const results = await Promise.all(Array.from({ length: 6 }, (_, c) => e.export([record('2024-01-01 10', c)])));
    assert.deepEqual(results.map((r) => r.kind), results.map(() => 'retryable'));
    fs.mkdirSync(path.join(dir, STAGING_DIR));
    assert.equal((await e.export([record('2024-01-01 10', 99)])).kind, 'success', 'recovers once the folder is back');
    await e.shutdown();
    assert.deepEqual(published(dir).flatMap((f) => linesOf(path.join(dir, f)).map((l) => JSON.parse(l).i as number)), [99]);
  });

  it('groups by hour of p_event_time, acknowledges only fsynced data, and completes files at shutdown', async () => {
    const dir = tmpDir();
    const e = exporter(dir);
    await e.start();
    const result = await e.export([record('2024-01-01 10', 1), record('2024-01-01 11', 2), record('2024-01-01 10', 3)]);
    assert.deepEqual(result, { kind: 'success' });
    assert.deepEqual(published(dir), [], 'nothing visible before rotation');
    const staged = listFiles(path.join(dir, STAGING_DIR));
    assert.equal(staged.length, 2);
    await e.shutdown();
    await e.shutdown();
    const files = published(dir).map((f) => f.split(path.sep).join('/'));
    assert.equal(files.length, 2);
    assert.match(files[0], /^logs\/gravitational_teleportaudit\/year=2024\/month=01\/day=01\/hour=10\/20240101T100000Z-/);
    assert.match(files[1], /hour=11\/20240101T110000Z-/);
    assert.deepEqual(linesOf(path.join(dir, files[0])).map((l) => JSON.parse(l).i), [1, 3]);
  });

  it('rotates by size and by age', async () => {
    const dir = tmpDir();
    const e = exporter(dir, { max_file_size: 1, max_file_age: 200 });
    await e.start();
    await e.export([record('2024-01-01 10', 1)]);
    await e.export([record('2024-01-01 10', 2)]);
    assert.equal(published(dir).length, 2, 'each export over 1 byte completes its file');
    const aged = exporter(tmpDir(), { max_file_age: 200 });
    await aged.start();
    await aged.export([record('2024-01-01 10', 1)]);
    const root = (aged as unknown as { root: string }).root;
    assert.equal(published(root).length, 0);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(published(root).length, 1, 'completed by age while the exporter runs');
    await aged.shutdown();
    await e.shutdown();
  });

  it('completes the least recently written file when max_open_files is reached (backfills over many hours)', async () => {
    const dir = tmpDir();
    const e = exporter(dir, { max_open_files: 2 });
    await e.start();
    for (let h = 10; h < 15; h++) await e.export([record(`2024-01-01 ${h}`, h)]);
    assert.equal(published(dir).length, 3);
    assert.equal(listFiles(path.join(dir, STAGING_DIR)).length, 2);
    await e.shutdown();
    assert.equal(published(dir).length, 5);
  });

  it('rejects records without a Panther view (no schema processor) and accepts the rest', async () => {
    const e = exporter(tmpDir());
    await e.start();
    const bare = newRecord('{}', { source: 's', line: 7 }, 0n);
    const result = await e.export([bare, record('2024-01-01 10', 1)]);
    assert.equal(result.kind, 'rejected');
    assert.deepEqual(result.kind === 'rejected' && result.failed.map((f) => [f.record, f.code, f.reason]), [
      [bare, 'export_rejected', 'record has no Panther view: put the schema processor before the panther exporter in this pipeline'],
    ]);
    await e.shutdown();
  });

  it('is retryable when not started or after shutdown, and when the directory cannot be written', async () => {
    const e = exporter(tmpDir());
    assert.equal((await e.export([record('2024-01-01 10', 1)])).kind, 'retryable');
    const dir = tmpDir();
    const broken = exporter(dir);
    await broken.start();
    fs.rmSync(path.join(dir, STAGING_DIR), { recursive: true });
    const result = await broken.export([record('2024-01-01 10', 1)]);
    assert.equal(result.kind, 'retryable');
    assert.ok(result.kind === 'retryable' && result.error instanceof DestinationError, 'no record caused it');
    assert.equal(result.error.message, `exporters.panther.directory: writing under ${dir} failed: ENOENT`);
    // The next call makes the staging folder again: nothing to restart.
    assert.equal((await broken.export([record('2024-01-01 10', 2)])).kind, 'success');
    await broken.shutdown();
  });

  it('after a crash, recovers every acknowledged record from staging and drops only a torn tail', async () => {
    const dir = tmpDir();
    const first = exporter(dir);
    await first.start();
    for (let i = 0; i < 5; i++) assert.equal((await first.export([record('2024-01-01 10', i)])).kind, 'success');
    // Simulate kill -9: no shutdown, and the lock left naming a process that is gone. Then a torn
    // write of a sixth batch that was never acknowledged.
    (first as unknown as { lock: StateLock }).lock.release();
    fs.writeFileSync(path.join(dir, '.lock'), `${deadPid()}\n`);
    const [staged] = listFiles(path.join(dir, STAGING_DIR));
    const stagedPath = path.join(dir, STAGING_DIR, staged);
    const good = fs.statSync(stagedPath).size;
    const torn = require('node:zlib').gzipSync('{"i":99}\n') as Buffer;
    fs.appendFileSync(stagedPath, torn.subarray(0, torn.length - 3));
    assert.equal(completeGzipLength(fs.readFileSync(stagedPath)), good);

    const second = exporter(dir);
    await second.start();
    await second.shutdown();
    const files = published(dir);
    assert.equal(files.length, 1);
    assert.deepEqual(linesOf(path.join(dir, files[0])).map((l) => JSON.parse(l).i), [0, 1, 2, 3, 4]);
    assert.deepEqual(listFiles(path.join(dir, STAGING_DIR)), []);
  });

  it('completeGzipLength rejects zero-filled and corrupted tails', () => {
    const zlib = require('node:zlib') as typeof import('node:zlib');
    const a = zlib.gzipSync('a\n');
    const b = zlib.gzipSync('b\n');
    assert.equal(completeGzipLength(Buffer.concat([a, b])), a.length + b.length);
    assert.equal(completeGzipLength(Buffer.concat([a, Buffer.alloc(40)])), a.length);
    const bad = Buffer.from(b);
    bad[bad.length - 6] ^= 0xff; // CRC
    assert.equal(completeGzipLength(Buffer.concat([a, bad])), a.length);
    assert.equal(completeGzipLength(Buffer.alloc(0)), 0);
  });
});

/** The pid of a process that has exited and been reaped. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}
