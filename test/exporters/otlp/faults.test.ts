/**
 * gRPC answers through real pipelines (the core Service in-process, the test receiver with its
 * ordered checkpoint) against the grpc-js test sink on loopback: UNAVAILABLE and
 * RESOURCE_EXHAUSTED with RetryInfo are retried until everything arrives; a partial success is
 * counted; INVALID_ARGUMENT for one record is narrowed down to it, and only it is dead-lettered;
 * the on-disk queue delivers after an outage.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import type { Service } from '../../../core/pipeline/service';
import { startService, tmpDir } from '../../support/service';
import { OtlpGrpcSink } from '../../support/otlp-grpc-sink';
import { TestReceiver } from '../../support/test-components';
import { metric, readOtlpJsonLines, syntheticLines, waitUntil, yamlList } from '../otlphttp/helpers';
import { expectedUids, grpcUids } from './helpers';

interface Options { lines: string[]; batchSize?: number; concurrency?: number; exporter?: string }

function pipeline(sink: OtlpGrpcSink, dir: string, o: Options): string {
  return `
receivers:
  testreceiver: {batch_size: ${o.batchSize ?? 50}, concurrency: ${o.concurrency ?? 2}, lines: ${yamlList(o.lines)}}
exporters:
  otlp:
    endpoint: ${sink.endpoint}
    tls: {insecure: true}
    retry_on_failure: {initial_interval: 50ms, max_interval: 300ms}
${(o.exporter ?? '').replace(/^/gm, '    ')}
  file/dead-letter: {path: ${JSON.stringify(path.join(dir, 'dead-letter.jsonl'))}, append: true}
service:
  pipelines:
    logs: {receivers: [testreceiver], exporters: [otlp], dead_letter: [file/dead-letter]}
`;
}

const bodyUid = (r: { body: unknown }) => (JSON.parse(String(r.body)) as { uid: string }).uid;

describe('otlp (gRPC) exporter: answers and faults', function () {
  this.timeout(30_000);
  let sink: OtlpGrpcSink;
  let service: Service | undefined;
  let dir: string;
  before(async () => { sink = await OtlpGrpcSink.start(); });
  after(async () => { await sink.close(); });
  beforeEach(() => { sink.reset(); dir = tmpDir(); });
  afterEach(async () => { await service?.shutdown(2000); service = undefined; });

  it('UNAVAILABLE 4 times, then OK: every record arrives exactly once, nothing dead-lettered, no checkpoint before', async () => {
    sink.setFault({ code: status.UNAVAILABLE, times: 4 });
    sink.delayMs = 100;
    service = await startService(pipeline(sink, dir, { lines: syntheticLines(100, 'u'), batchSize: 100, concurrency: 1 }));
    const receiver = TestReceiver.instances.get('testreceiver')!;
    await waitUntil(() => sink.requests.length >= 2, 10_000, 'two refused calls');
    assert.equal(receiver.checkpoint, 0, 'nothing acknowledged while the backend is unavailable');
    await service.drained();
    assert.equal(receiver.checkpoint, 100);
    assert.deepEqual(sink.requests.map((r) => r.code), [...Array(4).fill(status.UNAVAILABLE), status.OK]);
    assert.deepEqual([...grpcUids(sink)].sort(), expectedUids(100, 'u'), 'every record, once');
    assert.equal(readOtlpJsonLines(path.join(dir, 'dead-letter.jsonl')).length, 0);
    assert.equal(await metric(service, 'teleport_otel_failed_records_total', { component: 'otlp' }), 400, 'four failed attempts of 100 records');
    assert.equal(await metric(service, 'teleport_otel_exported_records_total', { component: 'otlp' }), 100);
  });

  it('RESOURCE_EXHAUSTED with RetryInfo: waits the server\'s delay although its own backoff is much shorter', async () => {
    sink.setFault({ code: status.RESOURCE_EXHAUSTED, times: 1, retryDelayMs: 1500 });
    service = await startService(pipeline(sink, dir, { lines: syntheticLines(40, 'r'), batchSize: 40, concurrency: 1 }));
    await service.drained();
    const [throttled, next] = sink.requests;
    assert.equal(throttled.code, status.RESOURCE_EXHAUSTED);
    assert.equal(next.code, status.OK);
    const waited = next.at - throttled.at;
    assert.ok(waited >= 1400 && waited < 4000, `waited ${waited}ms for RetryInfo 1.5s (backoff alone: 50ms)`);
    assert.deepEqual([...grpcUids(sink)].sort(), expectedUids(40, 'r'));
    assert.equal(readOtlpJsonLines(path.join(dir, 'dead-letter.jsonl')).length, 0);
  });

  it('a partial success is accepted (not re-sent) and its rejected records counted', async () => {
    sink.partialSuccess = { rejectedLogRecords: 2, errorMessage: '2 records too old' };
    service = await startService(pipeline(sink, dir, { lines: syntheticLines(90, 'p'), batchSize: 30, concurrency: 1, exporter: 'max_batch_size: 30' }));
    await service.drained();
    const calls = sink.requests.length;
    assert.equal(calls, 3, 'three calls of 30');
    assert.deepEqual([...grpcUids(sink)].sort(), expectedUids(90, 'p'), 'nothing re-sent');
    assert.equal(await metric(service, 'teleport_otel_otlp_partial_success_rejected_records_total', { component: 'otlp' }), 2 * calls);
    assert.equal(TestReceiver.instances.get('testreceiver')!.checkpoint, 90);
  });

  it('INVALID_ARGUMENT for one marked record: the request is split until only that record is dead-lettered, within 2·⌈log2 n⌉ extra calls', async () => {
    sink.refuse = (r) => bodyUid(r) === 'm-137';
    service = await startService(pipeline(sink, dir, { lines: syntheticLines(200, 'm'), batchSize: 200, concurrency: 1, exporter: 'max_batch_size: 200' }));
    await service.drained();
    assert.equal(TestReceiver.instances.get('testreceiver')!.checkpoint, 200);
    const letters = readOtlpJsonLines(path.join(dir, 'dead-letter.jsonl'));
    assert.deepEqual(letters.map(bodyUid), ['m-137'], 'only the refused record is dead-lettered');
    assert.equal(letters[0].attributes['error.type'], 'export_rejected');
    assert.match(String(letters[0].attributes['error.message']), /^otlp: http:\/\/127\.0\.0\.1:\d+ refused the record: http:\/\/127\.0\.0\.1:\d+: INVALID_ARGUMENT: request holds a refused record$/);
    assert.deepEqual([...grpcUids(sink)].sort(), expectedUids(200, 'm', ['m-137']), 'the others arrive once');
    const extra = sink.requests.length - 1;
    assert.ok(extra > 0 && extra <= 2 * Math.ceil(Math.log2(200)), `${extra} extra calls`);
    assert.equal(await metric(service, 'teleport_otel_otlp_split_requests_total', { component: 'otlp' }), extra);
    assert.equal(await metric(service, 'teleport_otel_dead_lettered_records_total'), 1);
  });

  it('INTERNAL from the server (says nothing of which record): the call\'s records are dead-lettered without a split, the rest delivered', async () => {
    sink.setFault({ code: status.INTERNAL, times: 1, message: 'backend bug' });
    service = await startService(pipeline(sink, dir, { lines: syntheticLines(60, 'i'), batchSize: 20, concurrency: 1, exporter: 'max_batch_size: 20' }));
    await service.drained();
    const letters = readOtlpJsonLines(path.join(dir, 'dead-letter.jsonl'));
    assert.deepEqual(letters.map(bodyUid), Array.from({ length: 20 }, (_, i) => `i-${i}`));
    assert.equal(sink.requests.filter((r) => r.code === status.INTERNAL).length, 1, 'not retried, not split');
    assert.deepEqual([...grpcUids(sink)].sort(), expectedUids(60, 'i').filter((u) => Number(u.slice(2)) >= 20));
  });

  it('on-disk queue: acknowledged once on disk during an outage, delivered when the backend is back, nothing dead-lettered', async () => {
    const storage = path.join(dir, 'queue');
    sink.setFault({ code: status.UNAVAILABLE });
    service = await startService(pipeline(sink, dir, {
      lines: syntheticLines(300, 'q'), batchSize: 50,
      exporter: `sending_queue: {storage: ${JSON.stringify(storage)}}\nmax_batch_size: 50`,
    }));
    await service.drained();
    assert.equal(TestReceiver.instances.get('testreceiver')!.checkpoint, 300, 'acknowledged: safe on disk');
    assert.equal(sink.records.length, 0, 'the backend is still down');
    assert.ok(fs.readdirSync(storage).filter((f) => f.endsWith('.proto')).length > 0, 'batches wait on disk, as uncompressed protobuf');
    const queued = await metric(service, 'teleport_otel_otlp_disk_queue_records', { component: 'otlp' });
    assert.equal(queued, 300, `queued: ${queued}; files: ${JSON.stringify(fs.readdirSync(storage, { recursive: true }))}; calls: ${JSON.stringify(sink.requests.map((r) => r.code))}`);
    sink.setFault({ code: status.UNAVAILABLE, times: 0 }); // back
    await waitUntil(() => sink.records.length >= 300, 15_000, 'the queue to drain');
    assert.deepEqual([...grpcUids(sink)].sort(), expectedUids(300, 'q'));
    await waitUntil(() => fs.readdirSync(storage).filter((f) => f.endsWith('.proto')).length === 0, 5_000, 'the queue files to be removed');
    assert.equal(await metric(service, 'teleport_otel_otlp_queue_sent_records_total', { component: 'otlp' }), 300);
    assert.equal(readOtlpJsonLines(path.join(dir, 'dead-letter.jsonl')).length, 0);
  });

  it('on-disk queue and UNAUTHENTICATED: batches stay queued (not moved to rejected/), the exporter reported failing until the key is accepted', async () => {
    const storage = path.join(dir, 'queue');
    sink.requireHeader = { name: 'authorization', value: 'Bearer right' };
    service = await startService(pipeline(sink, dir, {
      lines: syntheticLines(120, 'k'), batchSize: 40,
      exporter: `sending_queue: {storage: ${JSON.stringify(storage)}}\nheaders: {authorization: Bearer wrong}`,
    }));
    await service.drained();
    await waitUntil(() => sink.requests.filter((r) => r.code === status.UNAUTHENTICATED).length >= 3, 10_000, 'refused deliveries');
    const health = service.telemetry.health.snapshot().components.otlp;
    assert.equal(health?.status, 'failing');
    assert.match(String(health?.reason), /^otlp: http:\/\/127\.0\.0\.1:\d+: UNAUTHENTICATED: missing or wrong authorization/);
    assert.ok(!fs.existsSync(path.join(storage, 'rejected')) || fs.readdirSync(path.join(storage, 'rejected')).length === 0, 'nothing rejected');
    sink.requireHeader = undefined; // the backend now takes the key
    await waitUntil(() => sink.records.length >= 120, 15_000, 'the queue to drain');
    assert.deepEqual([...grpcUids(sink)].sort(), expectedUids(120, 'k'));
    await waitUntil(() => service!.telemetry.health.snapshot().components.otlp === undefined, 5_000, 'health back to ok');
    assert.equal(readOtlpJsonLines(path.join(dir, 'dead-letter.jsonl')).length, 0);
  });
});
