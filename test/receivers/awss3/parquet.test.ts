/**
 * Teleport's own S3 storage (Athena backend, External Audit Storage): Parquet objects written by
 * an independent writer (DuckDB) with Teleport's schema, read by the awss3 receiver through the
 * real pipeline into a real OTLP sink, against the S3 and SQS emulators, in notification mode and
 * in backfill mode by date.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { isSessionRecording } from '../../../receivers/awss3/notification';
import type { Service } from '../../../core/pipeline/service';
import { awsEmulators, type AwsEmulators } from '../../support/aws-emulators';
import { OtlpSink } from '../../support/otlp-sink';
import { startService } from '../../support/service';
import { deadLetters, pipelineYaml, receiverConfigErrors, sqsReceiver, tmpDir } from './helpers';
import { rowOf, sampleLines, writeAuditParquet, writeParquetSelect, type AuditRow } from './parquet-fixtures';

const NOT_JSON = 'this row is not JSON {';
/** DuckDB cuts row groups at multiples of its 2048-row vectors, whatever smaller size it is asked for. */
const ROW_GROUP = 2048;

/** Every sample `n` times over: enough rows for several row groups. */
function repeated(lines: string[], n: number): string[] {
  return Array.from({ length: n }, () => lines).flat();
}

/** A key as Teleport names its objects: `<prefix>/YYYY-MM-DD/<uuid v7>.parquet`. */
function teleportKey(day: string, prefix = 'events'): string {
  const hex = crypto.randomBytes(16).toString('hex');
  const ms = Date.parse(`${day}T12:00:00Z`).toString(16).padStart(12, '0');
  return `${prefix}/${day}/${ms.slice(0, 8)}-${ms.slice(8)}-7${hex.slice(0, 3)}-a${hex.slice(3, 6)}-${hex.slice(6, 18)}.parquet`;
}

/** How many times each text appears. */
function multiset(texts: Iterable<string>): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of texts) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
}

describe('awss3 receiver: Teleport Parquet audit objects', function () {
  this.timeout(90_000);
  let aws: AwsEmulators;
  let sink: OtlpSink;
  let samples: string[];
  let dir: string;

  before(async () => {
    aws = await awsEmulators();
    sink = await OtlpSink.start();
    samples = sampleLines();
    dir = tmpDir();
  });
  after(async () => { await sink.close(); });
  beforeEach(() => sink.reset());

  /** Every sample event as a row, with the not-JSON row at `badAt`: the object's bytes and its good lines. */
  async function samplesObject(name: string, lines: string[], badAt: number | undefined, rowGroupSize: number): Promise<Buffer> {
    const rows: AuditRow[] = lines.map(rowOf);
    if (badAt !== undefined) rows.splice(badAt, 0, { eventData: NOT_JSON, eventType: 'unknown', eventTimeMs: Date.parse('2026-03-01T00:00:00Z') });
    const file = path.join(dir, `${name}.parquet`);
    await writeAuditParquet(file, rows, rowGroupSize);
    return fs.readFileSync(file);
  }

  /** Bodies the sink received, as a multiset, against what was expected exactly once. */
  function assertExactlyOnce(expected: string[]): void {
    const got = multiset(sink.records.map((r) => String(r.body)));
    const want = multiset(expected);
    const missing = [...want].filter(([t, n]) => (got.get(t) ?? 0) < n).map(([t]) => t);
    const extra = [...got].filter(([t, n]) => (want.get(t) ?? 0) < n).map(([t]) => t);
    assert.deepEqual({ missing: missing.length, extra: extra.length, first: [...missing, ...extra][0] }, { missing: 0, extra: 0, first: undefined });
  }

  async function runOnce(yaml: string, check?: (s: Service) => Promise<void>): Promise<void> {
    const service = await startService(yaml, { once: true });
    try {
      await service.drained();
      await check?.(service);
    } finally {
      await service.shutdown(5000);
    }
  }

  async function counter(service: Service, name: string): Promise<number> {
    return (await service.telemetry.registry.getSingleMetric(`teleport_otel_${name}`)?.get())?.values.reduce((a, v) => a + v.value, 0) ?? 0;
  }

  it('the fixture has Teleport\'s schema: six columns, Snappy, millisecond timestamps, several row groups', async () => {
    const bytes = await samplesObject('schema', repeated(samples, 10), 2100, ROW_GROUP);
    const meta = parquetMetadata(new Uint8Array(bytes));
    const columns = meta.schema.slice(1).map((e) => [e.name, e.type]);
    assert.deepEqual(columns, [['event_type', 'BYTE_ARRAY'], ['event_time', 'INT64'], ['uid', 'BYTE_ARRAY'], ['session_id', 'BYTE_ARRAY'], ['user', 'BYTE_ARRAY'], ['event_data', 'BYTE_ARRAY']]);
    const time = meta.schema.find((e) => e.name === 'event_time')!.logical_type as { type: string; unit: string };
    assert.deepEqual([time.type, time.unit], ['TIMESTAMP', 'MILLIS']);
    assert.equal(Number(meta.num_rows), samples.length * 10 + 1);
    assert.ok(meta.row_groups.length >= 3, `${meta.row_groups.length} row groups`);
    assert.ok(meta.row_groups.every((g) => g.columns.every((c) => c.meta_data?.codec === 'SNAPPY')));
  });

  it('notification mode: every row once, the bad row dead-lettered with its object and row, a sessions/…tar key skipped, a lines object beside it still read, every message deleted', async () => {
    const bucket = aws.unique('teleport-longterm');
    await aws.createBucket(bucket);
    const queue = await aws.createQueue(aws.unique('parquet'));
    const key = teleportKey('2026-03-01');
    const rows = repeated(samples, 10);
    const object = await aws.putObject(bucket, key, await samplesObject('notify', rows, 2100, ROW_GROUP));
    const recording = await aws.putObject(bucket, `sessions/${crypto.randomUUID()}.tar`, crypto.randomBytes(3000));
    const lines = samples.slice(0, 20);
    const plain = await aws.putObject(bucket, 'logs/plain.log', lines.join('\n') + '\n');
    await aws.notify(queue, [recording, object]);
    await aws.notify(queue, [plain]);
    const dead = path.join(tmpDir(), 'dead.jsonl');
    await runOnce(pipelineYaml(sqsReceiver(aws, queue), sink, dead), async (service) => {
      assert.equal(await counter(service, 'awss3_session_recordings_skipped_total'), 1);
    });
    assertExactlyOnce([...rows, ...lines]);
    const letters = deadLetters(dead);
    assert.equal(letters.length, 1, JSON.stringify(letters));
    assert.equal(letters[0].body, NOT_JSON);
    assert.equal(letters[0].attributes['error.type'], 'json_invalid');
    // Rows are counted from 0 across row groups: 2100 is in the second group.
    assert.equal(letters[0].attributes['teleport_otel.source.position'], `s3://${bucket}/${key}#row=2100`);
    assert.equal(letters[0].attributes['teleport_otel.source.name'], `s3://${bucket}/${key}`);
    assert.equal(letters[0].attributes['teleport_otel.source.row'], 2100);
    assert.deepEqual(await aws.queueCounts(queue), { visible: 0, inFlight: 0, delayed: 0 });
  });

  it('backfill by date: prefix events/ and start_after events/<day>/ read the days from then on, once; the key checkpoint resumes after the last object', async () => {
    const bucket = aws.unique('teleport-longterm');
    await aws.createBucket(bucket);
    const storage = path.join(tmpDir(), 'state');
    const dead = path.join(tmpDir(), 'dead.jsonl');
    const all = repeated(samples, 6);
    const parts = [all.slice(0, 150), all.slice(150, 2500), all.slice(2500)];
    const before = teleportKey('2026-02-28');
    await aws.putObject(bucket, before, await samplesObject('before', samples.slice(0, 10), undefined, ROW_GROUP));
    const keys = [teleportKey('2026-03-01'), teleportKey('2026-03-01'), teleportKey('2026-03-02')].sort();
    for (const [i, k] of keys.entries()) await aws.putObject(bucket, k, await samplesObject(`day${i}`, parts[i], i === 1 ? 2049 : undefined, ROW_GROUP));
    await aws.putObject(bucket, `sessions/${crypto.randomUUID()}.tar`, crypto.randomBytes(100)); // outside the prefix
    const receiver = JSON.stringify({
      s3: { endpoint: aws.s3Endpoint, force_path_style: true, bucket, prefix: 'events/', start_after: 'events/2026-03-01/' },
      storage, max_batch_size: 100,
    });
    const yaml = pipelineYaml(receiver, sink, dead);
    await runOnce(yaml);
    assertExactlyOnce(all);
    const letters = deadLetters(dead);
    assert.deepEqual(letters.map((l) => l.attributes['teleport_otel.source.position']), [`s3://${bucket}/${keys[1]}#row=2049`]);
    const checkpoint = JSON.parse(fs.readFileSync(path.join(storage, 'awss3.checkpoint.json'), 'utf8'));
    assert.equal(checkpoint.after, keys[2]);

    // The next day's object: only it is read on the next run.
    sink.reset();
    const next = teleportKey('2026-03-03');
    await aws.putObject(bucket, next, await samplesObject('next', samples.slice(0, 40), undefined, ROW_GROUP));
    await runOnce(yaml);
    assertExactlyOnce(samples.slice(0, 40));
    assert.equal(JSON.parse(fs.readFileSync(path.join(storage, 'awss3.checkpoint.json'), 'utf8')).after, next);
  });

  it('an object that cannot be Teleport\'s Parquet is dead-lettered whole with the reason, once; a null event_data row alone; the receiver reads on', async () => {
    const bucket = aws.unique('bad-parquet');
    await aws.createBucket(bucket);
    const queue = await aws.createQueue(aws.unique('bad-parquet'));
    const good = await samplesObject('good', samples.slice(0, 60), undefined, ROW_GROUP);
    const noEventData = path.join(dir, 'no-event-data.parquet');
    await writeParquetSelect(noEventData, 'SELECT \'user.login\' AS event_type, range AS n FROM range(10)');
    const corruptFooter = Buffer.from(good);
    const footerLength = corruptFooter.readUInt32LE(corruptFooter.length - 8);
    corruptFooter.fill(0xff, corruptFooter.length - 8 - footerLength, corruptFooter.length - 8 - Math.floor(footerLength / 2));
    const withNull = path.join(dir, 'with-null.parquet');
    await writeAuditParquet(withNull, [...samples.slice(60, 70).map(rowOf), { eventData: null }, ...samples.slice(70, 80).map(rowOf)], 8);
    const put = (name: string, body: Buffer) => aws.putObject(bucket, teleportKey('2026-03-01').replace(/[^/]+\.parquet$/, `${name}.parquet`), body);
    const objects = {
      truncated: await put('truncated', good.subarray(0, Math.floor(good.length / 2))),
      footer: await put('footer', corruptFooter),
      columns: await put('columns', fs.readFileSync(noEventData)),
      good: await put('good', good),
      withNull: await put('with-null', fs.readFileSync(withNull)),
    };
    for (const o of Object.values(objects)) await aws.notify(queue, [o]);
    const dead = path.join(tmpDir(), 'dead.jsonl');
    await runOnce(pipelineYaml(sqsReceiver(aws, queue, { sqs: { workers: 2 } }), sink, dead));
    assertExactlyOnce(samples.slice(0, 80));
    const letters = deadLetters(dead);
    const byPosition = Object.fromEntries(letters.map((l) => [String(l.attributes['teleport_otel.source.position']), [l.attributes['error.type'], String(l.attributes['error.message'])]]));
    const at = (o: { key: string }) => `s3://${bucket}/${o.key}`;
    assert.equal(letters.length, 4, JSON.stringify(byPosition));
    assert.deepEqual(byPosition[at(objects.truncated)], ['parquet_invalid', `${at(objects.truncated)}: a truncated or corrupt Parquet file: it does not end with PAR1, so it has no footer; the whole object is dead-lettered`]);
    assert.equal(byPosition[at(objects.footer)]?.[0], 'parquet_invalid');
    assert.match(String(byPosition[at(objects.footer)][1]), /: corrupt Parquet footer: .+; the whole object is dead-lettered$/);
    assert.deepEqual(byPosition[at(objects.columns)], ['parquet_invalid', `${at(objects.columns)}: no event_data column (columns: event_type, n), so not Teleport's audit format; the whole object is dead-lettered`]);
    assert.deepEqual(byPosition[`${at(objects.withNull)}#row=10`], ['event_data_missing', 'event_data is null, not the event\'s JSON text']);
    assert.deepEqual(await aws.queueCounts(queue), { visible: 0, inFlight: 0, delayed: 0 });
  });

  it('a damaged page dead-letters the rest of its row group as one record naming the rows; the other groups arrive once', async () => {
    const bucket = aws.unique('damaged-page');
    await aws.createBucket(bucket);
    const queue = await aws.createQueue(aws.unique('damaged-page'));
    const rows = repeated(samples, 11).slice(0, 3 * ROW_GROUP);
    const bytes = Buffer.from(await samplesObject('damaged', rows, undefined, ROW_GROUP));
    const meta = parquetMetadata(new Uint8Array(bytes));
    assert.equal(meta.row_groups.length, 3);
    const chunk = meta.row_groups[1].columns.find((c) => c.meta_data?.path_in_schema[0] === 'event_data')!.meta_data!;
    const at = Number(chunk.dictionary_page_offset || chunk.data_page_offset);
    bytes.fill(0xff, at, at + 64); // the page header of group 1's event_data
    const object = await aws.putObject(bucket, teleportKey('2026-03-01'), bytes);
    await aws.notify(queue, [object]);
    const dead = path.join(tmpDir(), 'dead.jsonl');
    await runOnce(pipelineYaml(sqsReceiver(aws, queue), sink, dead));
    assertExactlyOnce([...rows.slice(0, ROW_GROUP), ...rows.slice(2 * ROW_GROUP)]);
    const letters = deadLetters(dead);
    assert.equal(letters.length, 1, JSON.stringify(letters));
    assert.equal(letters[0].attributes['error.type'], 'parquet_invalid');
    assert.equal(letters[0].attributes['teleport_otel.source.position'], `s3://${bucket}/${object.key}#row=${ROW_GROUP}`);
    assert.match(String(letters[0].attributes['error.message']), new RegExp(`: rows ${ROW_GROUP}-${2 * ROW_GROUP - 1} \\(row group 1\\) cannot be decoded: `));
    assert.deepEqual(await aws.queueCounts(queue), { visible: 0, inFlight: 0, delayed: 0 });
  });

  it('format: parquet dead-letters a JSON-lines object whole; format: lines reads a Parquet object as text (and dead-letters its lines)', async () => {
    const bucket = aws.unique('formats');
    await aws.createBucket(bucket);
    const queue = await aws.createQueue(aws.unique('formats'));
    const lines = await aws.putObject(bucket, 'events/2026-03-01/lines.parquet', samples.slice(0, 5).join('\n') + '\n');
    await aws.notify(queue, [lines]);
    const dead = path.join(tmpDir(), 'dead.jsonl');
    await runOnce(pipelineYaml(sqsReceiver(aws, queue, { format: 'parquet' }), sink, dead));
    assert.equal(sink.records.length, 0);
    assert.deepEqual(deadLetters(dead).map((l) => [l.attributes['error.type'], l.attributes['error.message']]),
      [['parquet_invalid', `s3://${bucket}/${lines.key}: not a Parquet file: it does not start with PAR1; the whole object is dead-lettered`]]);

    const parquet = await aws.putObject(bucket, 'events/2026-03-01/real.parquet', await samplesObject('as-lines', samples.slice(0, 5), undefined, ROW_GROUP));
    await aws.notify(queue, [parquet]);
    const dead2 = path.join(tmpDir(), 'dead.jsonl');
    await runOnce(pipelineYaml(sqsReceiver(aws, queue, { format: 'lines' }), sink, dead2));
    assert.equal(sink.records.length, 0);
    const letters = deadLetters(dead2);
    assert.ok(letters.length > 0 && letters.every((l) => String(l.attributes['teleport_otel.source.position']).startsWith(`s3://${bucket}/${parquet.key}:`)), JSON.stringify(letters.slice(0, 2)));
  });

  it('S3 failing mid-object (503 SlowDown on ranged GETs): nothing is dead-lettered, the message comes back, every row arrives', async () => {
    const bucket = aws.unique('s3-failure');
    await aws.createBucket(bucket);
    const queue = await aws.createQueue(aws.unique('s3-failure'));
    const rows = repeated(samples, 14).slice(0, 3 * ROW_GROUP);
    const object = await aws.putObject(bucket, teleportKey('2026-03-01'), await samplesObject('s3-failure', rows, undefined, ROW_GROUP));
    await aws.notify(queue, [object]);
    // In front of S3: the first 3 ranged GETs pass (the tail, the first bytes, row group 0), the
    // next 6 are refused, more than the SDK's own 3 attempts: the read fails after row group 0.
    const upstream = new URL(aws.s3Endpoint);
    let ranged = 0;
    let refused = 0;
    const proxy = http.createServer((req, res) => {
      if (req.headers.range !== undefined && ++ranged > 3 && refused < 6) {
        refused++;
        res.writeHead(503, { 'content-type': 'application/xml' }).end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>injected</Message></Error>');
        return;
      }
      const forward = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', () => res.destroy());
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      const receiver = JSON.stringify({
        sqs: { queue_url: queue, endpoint: aws.sqsEndpoint, wait_time: '1s', visibility_timeout: '2s' },
        s3: { endpoint, force_path_style: true },
        max_batch_size: 500,
      });
      const dead = path.join(tmpDir(), 'dead.jsonl');
      await runOnce(pipelineYaml(receiver, sink, dead), async (service) => {
        assert.ok(await counter(service, 'awss3_messages_failed_total') >= 1, 'the message was left for redelivery');
      });
      assert.equal(refused, 6, 'the injected failures happened');
      const got = multiset(sink.records.map((r) => String(r.body)));
      assert.deepEqual(rows.filter((t) => !got.has(t)), [], 'rows lost');
      assert.deepEqual(deadLetters(dead), [], 'a refusal no record caused dead-letters nothing');
      assert.deepEqual(await aws.queueCounts(queue), { visible: 0, inFlight: 0, delayed: 0 });
    } finally {
      proxy.close();
    }
  });

  it('a backend failing mid-object: nothing is dead-lettered, the message comes back, every row arrives', async () => {
    const bucket = aws.unique('parquet-failure');
    await aws.createBucket(bucket);
    const queue = await aws.createQueue(aws.unique('parquet-failure'));
    const object = await aws.putObject(bucket, teleportKey('2026-03-01'), await samplesObject('failure', repeated(samples, 5), undefined, ROW_GROUP));
    const dead = path.join(tmpDir(), 'dead.jsonl');
    const yaml = pipelineYaml(sqsReceiver(aws, queue, { sqs: { visibility_timeout: '2s' }, max_batch_size: 50 }), sink, dead,
      { retry_on_failure: { initial_interval: '50ms', max_interval: '50ms', max_elapsed_time: '200ms' } });
    await aws.notify(queue, [object]);
    sink.setFault({ status: 503, forMs: 1000 });
    await runOnce(yaml, async (service) => {
      assert.ok(await counter(service, 'awss3_messages_failed_total') >= 1, 'the message was left for redelivery at least once');
    });
    assert.ok(sink.requests.some((r) => r.status === 503), 'the backend refused some batches');
    const got = new Set(sink.records.map((r) => String(r.body)));
    assert.deepEqual(samples.filter((s) => !got.has(s)), [], 'rows lost');
    assert.deepEqual(deadLetters(dead), []);
    assert.deepEqual(await aws.queueCounts(queue), { visible: 0, inFlight: 0, delayed: 0 });
  });
});

describe('awss3 format and skipped keys', () => {
  it('format is auto, lines or parquet; anything else is one line with its path', () => {
    for (const f of ['auto', 'lines', 'parquet']) assert.deepEqual(receiverConfigErrors(`{s3: {bucket: b}, format: ${f}}`), []);
    assert.deepEqual(receiverConfigErrors('{s3: {bucket: b}, format: csv}'), ['receivers.awss3.format: must be one of auto, lines, parquet']);
  });

  it('session recordings are keys under sessions/ or ending .tar; audit objects are not', () => {
    assert.deepEqual(['sessions/0f3c.tar', 'sessions/x', 'prefix/sessions/abc.tar', 'events/2026-03-01/a.parquet', 'events/sessions.parquet', 'logs/tar'].map(isSessionRecording),
      [true, true, true, false, false, false]);
  });
});
