/**
 * The one-pass protobuf encoder (core/otlp/proto.ts) where its shortcuts could go wrong: length
 * prefixes guessed too short or too long (content moved), strings at the ASCII-loop / native
 * boundary, the event-time shortcut within a second, resource grouping without a Map, and the
 * scratch buffer reused between calls. The SDK's serializer is the oracle where it can write
 * the value; eventTimeUnixNano is the oracle for times.
 */
import assert from 'node:assert/strict';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { eventTimeUnixNano } from '../../../core/otlp/log-record';
import { OtlpProtoEncoder } from '../../../core/otlp/proto';
import { newRecord, type Attributes, type LogRecord } from '../../../core/record';
import { decode } from '../../support/otlp-sink';
import { SdkRecordBuilder } from './sdk-oracle';

const RESOURCE = { attributes: { 'service.name': 'teleport' }, scopeName: 'teleport-otel', scopeVersion: '0.1.0' };

function record(event: Record<string, unknown>, attributes: Attributes = {}, observed = 1718000000123456789n): LogRecord {
  const raw = JSON.stringify(event);
  const r = newRecord(raw, { source: 'test', line: 1 }, observed);
  r.event = event;
  r.attributes = attributes;
  return r;
}

function sameAsSdk(records: LogRecord[]): void {
  const ours = decode(new OtlpProtoEncoder(RESOURCE).encode(records), true);
  const sdk = decode(Buffer.from(ProtobufLogsSerializer.serializeRequest(new SdkRecordBuilder(RESOURCE).build(records))!), true);
  assert.equal(ours.length, records.length);
  assert.deepEqual(ours, sdk);
}

describe('otlphttp protobuf encoder', () => {
  it('writes strings of every length class like the SDK: around 24 and 128 characters, 16 KiB, non-ASCII', () => {
    const lengths = [0, 1, 23, 24, 25, 42, 43, 127, 128, 129, 5000, 16383, 16384, 16385, 70_000];
    const attributes: Attributes = {};
    for (const n of lengths) {
      attributes[`ascii.${n}`] = 'a'.repeat(n);
      attributes[`accent.${n}`] = 'é'.repeat(n); // 2 bytes each: the ASCII guess is wrong
      attributes[`mixed.${n}`] = 'a'.repeat(Math.max(0, n - 1)) + '€'; // last character not ASCII
    }
    attributes['emoji'] = '🚀'.repeat(40);
    attributes['k'.repeat(200)] = 'long key';
    sameAsSdk([record({ event: 'x', code: 'T1I', uid: 'u-1' }, attributes)]);
  });

  it('moves nested content when a length needs more (or fewer) bytes than reserved', () => {
    const big = 'v'.repeat(300);
    const attributes: Attributes = {
      'tiny.list': ['a'],
      'list.over.127': Array.from({ length: 20 }, (_, i) => `item-${i}-${'x'.repeat(5)}`),
      'list.over.16k': Array.from({ length: 80 }, () => big),
      'map.over.127': { a: big, b: { c: [big, 1, true, 2.5] } },
      'deep': { l1: { l2: { l3: { l4: ['x'.repeat(20_000)] } } } },
      'empty.list': [],
      'empty.map': {},
      // Lists of short strings take a path of their own: at and past its 127-byte KeyValue, and
      // items it hands back to the general path (not ASCII, not a string).
      'ips.list': ['10.0.0.1', '::1', ''],
      'edge.127': ['y'.repeat(109)],
      'edge.128': ['y'.repeat(110)],
      'accent.list': ['ok', 'é', 'z'],
      'mixed.list': ['a', 1, 'b'],
    };
    const short = record({ event: 'e', code: 'C' }); // a LogRecord under 128 bytes: reserved 2, needs 1
    sameAsSdk([short, record({ event: 'y', code: 'T2W', uid: 'u-2', cluster_name: 'c' }, attributes), short]);
  });

  it('encodes event times within a second like eventTimeUnixNano, whatever the order and shape', () => {
    const times = [
      '2024-02-23T10:00:00.5Z', '2024-02-23T10:00:00.123456789Z', '2024-02-23T10:00:00Z', '2024-02-23T10:00:00.000000001Z',
      '2024-02-23T10:00:00.999999999Z', '2024-02-23T10:00:00.12x4Z', '2024-02-23T10:00:00.1234567890Z', '2024-02-23T10:00:00.Z',
      '2024-02-23T10:00:00.5z', '2024-02-23T10:00:00.5+01:00', '2024-02-23t10:00:00.5Z', '2024-02-23T10:00:01.25Z',
      '2024-02-23T10:00:00.75Z', '0001-01-01T00:00:00Z', '2024-02-23T10:00:00.75Z', '1969-12-31T23:59:59.5Z',
      '2024-02-30T10:00:00.1Z', '2106-02-07T06:28:15.999999999Z', '2106-02-07T06:28:16.000000001Z', 'yesterday',
    ];
    const records = [...times.map((time, i) => record({ event: 'x', time }, {}, BigInt(i))), record({ event: 'x', time: 17 }, {}, 99n), record({ event: 'x' }, {}, 100n)];
    const out = decode(new OtlpProtoEncoder(RESOURCE).encode(records), true);
    assert.deepEqual(out.map((r) => r.timeUnixNano), records.map((r) => eventTimeUnixNano(r.event).toString()));
    assert.equal(out[1].timeUnixNano, '1708682400123456789');
    assert.equal(out[13].timeUnixNano, '0', 'before 1970: unknown');
  });

  it('groups by cluster in first-seen order, and the event uid and cluster win over same-named attributes', () => {
    const records = [
      record({ event: 'a', uid: 'u1' }, { 'log.record.uid': 'stale', n: 1 }),
      record({ event: 'b', cluster_name: 'east' }, { n: 2 }),
      record({ event: 'c' }, { n: 3 }),
      record({ event: 'd', cluster_name: 'west' }, { n: 4 }),
      record({ event: 'e', cluster_name: 'east' }, { n: 5 }),
    ];
    const encoder = new OtlpProtoEncoder({ ...RESOURCE, attributes: { 'teleport.cluster.name': 'configured', 'service.name': 'teleport' } });
    const out = decode(encoder.encode(records), true);
    assert.deepEqual(out.map((r) => [r.resourceLogs, r.eventName]), [[0, 'a'], [0, 'c'], [1, 'b'], [1, 'e'], [2, 'd']]);
    assert.deepEqual(out.map((r) => r.resource['teleport.cluster.name']), ['configured', 'configured', 'east', 'east', 'west']);
    assert.deepEqual(out[0].attributes, { 'log.record.uid': 'u1', n: 1 });
  });

  it('returns a body of its own: the next call reuses the scratch space, not that body', () => {
    const encoder = new OtlpProtoEncoder(RESOURCE);
    const first = encoder.encode([record({ event: 'first', time: '2024-01-01T00:00:00.1Z' }, { a: 'x'.repeat(100) })]);
    const copy = Buffer.from(first);
    const second = encoder.encode([record({ event: 'second', time: '2024-01-01T00:00:00.2Z' }, { b: 'y'.repeat(3000) })]);
    assert.deepEqual(first, copy);
    assert.equal(decode(second, true)[0].eventName, 'second');
    assert.equal(decode(second, true)[0].timeUnixNano, '1704067200200000000');
    assert.equal(encoder.encode([]).length, 0);
  });

  it('writes the same bytes whatever the size of the request before (the outer lengths are reserved after it)', () => {
    const small = [record({ event: 'a', code: 'T1I', uid: 'u' })];
    // Over 2 MiB: its ResourceLogs and ScopeLogs lengths take 4 bytes, a small request's 1.
    const large = Array.from({ length: 300 }, (_, i) => record({ event: 'b', code: 'T2I', uid: `u${i}` }, { big: 'x'.repeat(8000) }));
    const fresh = (rs: LogRecord[]) => new OtlpProtoEncoder(RESOURCE).encode(rs);
    const warmed = new OtlpProtoEncoder(RESOURCE);
    for (const rs of [small, large, large, small, large, small, small]) {
      const out = warmed.encode(rs);
      assert.ok(out.equals(fresh(rs)), `${rs.length} records`);
      assert.equal(decode(out, true).length, rs.length);
    }
    assert.ok(fresh(large).length > 2 * 1024 * 1024);
  });
});
