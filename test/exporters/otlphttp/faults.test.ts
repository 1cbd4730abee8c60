/**
 * Backend faults with the in-memory sending queue, through real pipelines (the core Service
 * in-process, the test receiver with its ordered checkpoint) against the test sink on loopback:
 * outages and throttling are retried until everything arrives, permanent refusals are
 * dead-lettered, and nothing is acknowledged before the backend accepted it.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Service } from '../../../core/pipeline/service';
import { startService, tmpDir } from '../../support/service';
import { OtlpSink } from '../../support/otlp-sink';
import { TestReceiver } from '../../support/test-components';
import { metric, readOtlpJsonLines, syntheticLines, uidsOf, waitUntil, yamlList } from './helpers';

interface Options {
  lines: string[];
  batchSize?: number;
  concurrency?: number;
  exporter?: string;
  /** Processors of the pipeline (none by default). */
  processors?: string[];
}

function pipeline(sink: OtlpSink, dir: string, o: Options): string {
  return `
receivers:
  testreceiver: {batch_size: ${o.batchSize ?? 50}, concurrency: ${o.concurrency ?? 2}, lines: ${yamlList(o.lines)}}
${o.processors?.length ? `processors: {${o.processors.map((p) => `${p}: {}`).join(', ')}}` : ''}
exporters:
  otlphttp:
    endpoint: ${sink.url}
${o.exporter?.includes('retry_on_failure') ? '' : '    retry_on_failure: {initial_interval: 50ms, max_interval: 300ms}'}
${(o.exporter ?? '').replace(/^/gm, '    ')}
  file/dead-letter: {path: ${JSON.stringify(path.join(dir, 'dead-letter.jsonl'))}, append: true}
service:
  pipelines:
    logs: {receivers: [testreceiver], processors: [${(o.processors ?? []).join(', ')}], exporters: [otlphttp], dead_letter: [file/dead-letter]}
`;
}

function assertExactlyOnce(sink: OtlpSink, n: number, tag: string, except: string[] = []): void {
  const uids = uidsOf(sink);
  const expected = Array.from({ length: n }, (_, i) => `${tag}-${i}`).filter((u) => !except.includes(u));
  assert.deepEqual([...new Set(uids)].sort(), expected.sort(), 'every record arrived');
  assert.equal(uids.length, expected.length, 'and none twice');
}

describe('otlphttp faults (in-memory queue)', function () {
  this.timeout(30_000);
  let sink: OtlpSink;
  let service: Service | undefined;
  let dir: string;
  before(async () => { sink = await OtlpSink.start(); });
  after(async () => { await sink.close(); });
  beforeEach(() => { sink.reset(); dir = tmpDir(); });
  afterEach(async () => { await service?.shutdown(2000); service = undefined; });

  it('retries through a 503 outage: every record arrives exactly once, and nothing is acknowledged before', async () => {
    const outageMs = 2500;
    sink.setFault({ status: 503, forMs: outageMs });
    const faultSet = Date.now();
    service = await startService(pipeline(sink, dir, { lines: syntheticLines(600, 'o') }));
    const receiver = TestReceiver.instances.get('testreceiver')!;
    await new Promise((r) => setTimeout(r, outageMs / 2));
    assert.equal(receiver.checkpoint, 0, 'no checkpoint during the outage');
    await service.drained();
    assert.equal(receiver.checkpoint, 600);
    const failures = sink.requests.filter((r) => r.status === 503);
    assert.ok(failures.length >= 4, `several retries during the outage (${failures.length})`);
    const firstOk = sink.requests.find((r) => r.status === 200)!;
    assert.ok(firstOk.at - faultSet >= outageMs - 50, 'first success after the outage');
    assertExactlyOnce(sink, 600, 'o');
    assert.ok(await metric(service, 'teleport_otel_failed_records_total', { component: 'otlphttp' }) > 0, 'failed attempts are counted');
    assert.equal(await metric(service, 'teleport_otel_exported_records_total', { component: 'otlphttp' }), 600);
  });

  it('honours Retry-After on 429 although its own backoff is much shorter', async () => {
    sink.setFault({ status: 429, retryAfter: '2', times: 1 });
    service = await startService(pipeline(sink, dir, { lines: syntheticLines(40, 'r'), batchSize: 40, concurrency: 1 }));
    await service.drained();
    const [throttled, next] = sink.requests;
    assert.equal(throttled.status, 429);
    assert.equal(next.status, 200);
    const waited = next.at - throttled.at;
    assert.ok(waited >= 1900 && waited < 4000, `waited ${waited}ms for Retry-After: 2`);
    assertExactlyOnce(sink, 40, 'r');
  });

  it('dead-letters the records of a request answered 500 (not about its content: no split), delivers the rest, and moves on', async () => {
    sink.setFault({ status: 500, times: 1, message: 'field too large' });
    service = await startService(pipeline(sink, dir, { lines: syntheticLines(100, 'd'), batchSize: 20, concurrency: 1 }));
    await service.drained();
    const receiver = TestReceiver.instances.get('testreceiver')!;
    assert.equal(receiver.checkpoint, 100, 'a permanent failure does not block the stream');
    const letters = readOtlpJsonLines(path.join(dir, 'dead-letter.jsonl'));
    assert.equal(letters.length, 20);
    assert.deepEqual(letters.map((l) => (JSON.parse(l.body) as { uid: string }).uid), Array.from({ length: 20 }, (_, i) => `d-${i}`));
    for (const l of letters) {
      assert.equal(l.attributes['error.type'], 'export_rejected');
      assert.match(String(l.attributes['error.message']), /^otlphttp: http:\/\/127\.0\.0\.1:\d+\/v1\/logs refused 20 records: backend answered 500 .*: field too large$/);
    }
    assert.deepEqual(uidsOf(sink).sort(), Array.from({ length: 80 }, (_, i) => `d-${i + 20}`).sort());
    assert.equal(sink.requests.filter((r) => r.status === 500).length, 1, 'a permanent failure is not retried');
  });

  const bodyUid = (r: { body: unknown }) => (JSON.parse(String(r.body)) as { uid: string }).uid;

  it('a 400 for one record of a request: the request is split until only that record is dead-lettered, within 2·⌈log2 n⌉ extra requests', async () => {
    sink.refuse = { status: 400, matches: (r) => bodyUid(r) === 'm-137', message: 'bad record' };
    service = await startService(pipeline(sink, dir, { lines: syntheticLines(200, 'm'), batchSize: 200, concurrency: 1, exporter: 'max_batch_size: 200' }));
    await service.drained();
    assert.equal(TestReceiver.instances.get('testreceiver')!.checkpoint, 200);
    const letters = readOtlpJsonLines(path.join(dir, 'dead-letter.jsonl'));
    assert.deepEqual(letters.map((l) => bodyUid(l)), ['m-137'], 'only the refused record is dead-lettered');
    assert.match(String(letters[0].attributes['error.message']), /refused the record: backend answered 400 .*: bad record$/);
    assertExactlyOnce(sink, 200, 'm', ['m-137']);
    const extra = sink.requests.length - 1;
    assert.ok(extra > 0 && extra <= 2 * Math.ceil(Math.log2(200)), `${extra} extra requests`);
    assert.equal(await metric(service, 'teleport_otel_otlphttp_split_requests_total', { component: 'otlphttp' }), extra);
  });

  it('a backend refusing everything with 400: the split budget bounds the requests, then every record is dead-lettered', async () => {
    sink.refuse = { status: 400, matches: () => true };
    service = await startService(pipeline(sink, dir, { lines: syntheticLines(64, 'a'), batchSize: 64, concurrency: 1, exporter: 'max_batch_size: 64' }));
    await service.drained();
    assert.equal(readOtlpJsonLines(path.join(dir, 'dead-letter.jsonl')).length, 64);
    assert.ok(sink.requests.length <= 1 + 2 * Math.log2(64), `${sink.requests.length} requests`);
    assert.equal(uidsOf(sink).length, 0);
  });

  it('retries dropped connections and timeouts; only requests in flight may arrive twice', async () => {
    sink.dropConnections(3);
    service = await startService(pipeline(sink, dir, { lines: syntheticLines(200, 'c'), batchSize: 50, concurrency: 2 }));
    await service.drained();
    assert.equal(sink.requests.filter((r) => r.status === 0).length, 3);
    assertExactlyOnce(sink, 200, 'c');
    await service.shutdown(2000);

    // A backend slower than `timeout`: the client gives up, retries, and the slow copy lands too.
    sink.reset();
    sink.delayMs = 400;
    service = await startService(pipeline(sink, dir, { lines: syntheticLines(100, 't'), batchSize: 50, concurrency: 1, exporter: 'timeout: 150ms' }));
    await waitUntil(() => sink.requests.length >= 2, 5000, 'two slow requests');
    sink.delayMs = 0;
    await service.drained();
    const uids = uidsOf(sink);
    assert.deepEqual([...new Set(uids)].sort(), Array.from({ length: 100 }, (_, i) => `t-${i}`).sort(), 'every record arrived');
    assert.ok(uids.length > 100, 'the timed-out requests were resent (at-least-once)');
  });

  it('counts and logs partial success rejections without dead-lettering', async () => {
    sink.partialSuccess = { rejectedLogRecords: 3, errorMessage: 'timestamp too old' };
    for (const encoding of ['proto', 'json']) {
      sink.records.length = 0;
      sink.requests.length = 0;
      service = await startService(pipeline(sink, dir, { lines: syntheticLines(100, 'p'), batchSize: 25, concurrency: 1, exporter: `encoding: ${encoding}` }));
      await service.drained();
      assert.equal(sink.requests.length, 4, JSON.stringify(sink.requests.map((r) => [r.status, r.records])));
      assert.equal(await metric(service, 'teleport_otel_otlp_partial_success_rejected_records_total', { component: 'otlphttp' }), 12, encoding);
      assert.equal(readOtlpJsonLines(path.join(dir, 'dead-letter.jsonl')).length, 0);
      await service.shutdown(2000);
      service = undefined;
    }
  });

  it('sends headers, with ${env:} substituted', async () => {
    service = await startService(pipeline(sink, dir, {
      lines: syntheticLines(5, 'h'),
      exporter: 'headers: {Authorization: "Bearer ${env:OTLP_TEST_TOKEN_UNSET:-s3cret}", X-Scope-OrgID: tenant-1}',
    }));
    await service.drained();
    assert.equal(sink.requests[0].headers.authorization, 'Bearer s3cret');
    assert.equal(sink.requests[0].headers['x-scope-orgid'], 'tenant-1');
  });

  it('sends the headers of headers_list over the map, and no header whose value is empty', async () => {
    service = await startService(pipeline(sink, dir, {
      lines: syntheticLines(5, 'hl'),
      exporter: 'headers: {X-Scope-OrgID: tenant-1, Authorization: "${env:OTLP_TEST_TOKEN_UNSET:-}"}\n' +
        'headers_list: "x-honeycomb-team=abc%3D%3D, x-scope-orgid=tenant-2"',
    }));
    await service.drained();
    const headers = sink.requests[0].headers;
    assert.equal(headers['x-honeycomb-team'], 'abc==', 'percent-decoded');
    assert.equal(headers['x-scope-orgid'], 'tenant-2', 'the list wins over the map');
    assert.equal(headers.authorization, undefined, 'an empty value is not sent');
  });

  it('holds the receiver back while the backend is down: bounded memory, nothing acknowledged, then everything delivered', async () => {
    sink.setFault({ status: 503 });
    const n = 40_000;
    service = await startService(pipeline(sink, dir, {
      lines: syntheticLines(n, 'm'), batchSize: 500, concurrency: 4,
      exporter: 'max_batch_size: 500\nsending_queue: {num_consumers: 2, queue_size: 2}\nretry_on_failure: {initial_interval: 20ms, max_interval: 50ms}',
    }));
    const receiver = TestReceiver.instances.get('testreceiver')!;
    await new Promise((r) => setTimeout(r, 1000));
    global.gc?.();
    const before = process.memoryUsage();
    await new Promise((r) => setTimeout(r, 3000));
    global.gc?.();
    const after = process.memoryUsage();
    assert.equal(receiver.checkpoint, 0, 'backpressure: nothing acknowledged');
    const attempts = sink.requests.length;
    assert.ok(attempts > 20, `kept retrying (${attempts} attempts)`);
    assert.ok(sink.requests.every((r) => r.status === 503), 'nothing was accepted');
    const growthMb = (after.heapUsed - before.heapUsed) / 1024 / 1024;
    assert.ok(growthMb < 40, `heap stayed flat while retrying (${growthMb.toFixed(1)} MB)`);
    assert.equal(await metric(service, 'teleport_otel_otlphttp_queue_capacity_records'), 1000, 'queue_size x max_batch_size');
    sink.clearFault();
    await service.drained();
    assert.equal(receiver.checkpoint, n);
    assert.equal(new Set(uidsOf(sink)).size, n);
  });

  // Whole records (no processors) count four times their line, ~1 KB here; records the pipeline
  // encoded (with ecs) count their bytes, ~0.6 KB. Eight calls of ten at once: unbounded, ~50 KB
  // would wait; a call is let in whatever its size when nothing waits.
  for (const [what, processors, limit] of [['whole records', [], 20], ['encoded records', ['ecs'], 12]] as const) {
    it(`bounds what waits for a sender in bytes (sending_queue.queue_bytes), ${what}, and delivers everything`, async () => {
      const n = 200;
      sink.delayMs = 40;
      const running = await startService(pipeline(sink, dir, {
        lines: syntheticLines(n, 'b'), batchSize: 10, concurrency: 8, processors: [...processors],
        exporter: `max_batch_size: 10\nsending_queue: {num_consumers: 1, queue_size: 100, queue_bytes: ${limit}KiB}`,
      }));
      service = running;
      let most = 0;
      let samples = 0;
      const watch = setInterval(() => {
        void metric(running, 'teleport_otel_otlphttp_queue_waiting_bytes').then((v) => { most = Math.max(most, v); samples++; });
      }, 5);
      try {
        await running.drained();
      } finally {
        clearInterval(watch);
      }
      assert.ok(samples > 20, `sampled ${samples} times`);
      assert.ok(most > 0 && most <= limit * 1024, `at most queue_bytes waited (${most} bytes at the most)`);
      assertExactlyOnce(sink, n, 'b');
    });
  }

  it('shows the records waiting for a sender in /metrics', async () => {
    service = await startService(pipeline(sink, dir, {
      lines: syntheticLines(30, 'w'), batchSize: 30, concurrency: 1, exporter: 'max_batch_size: 1000\nflush_interval: 1h',
    }));
    let waiting = 0;
    for (let i = 0; i < 100 && waiting !== 30; i++) {
      await new Promise((r) => setTimeout(r, 50));
      waiting = await metric(service, 'teleport_otel_otlphttp_queue_waiting_records');
    }
    assert.equal(waiting, 30);
    assert.equal(sink.records.length, 0, 'held for the flush interval');
    await service.shutdown(5000);
    assert.equal(sink.records.length, 30, 'and flushed at shutdown');
    assert.equal(await metric(service, 'teleport_otel_otlphttp_queue_waiting_records'), 0);
  });
});
