/**
 * OtlpProtoEncoder's split encoding (encodeEach on one thread, assemble on another) against its
 * whole-request `encode`: the same bytes, and the same request once decoded by protobufjs.
 */
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import { clusterNameOf } from '../../core/otlp/log-record';
import { OtlpProtoEncoder } from '../../core/otlp/proto';
import { newRecord, type Attributes, type LogRecord } from '../../core/record';
import { decode } from '../support/otlp-sink';

const RESOURCE = { attributes: { 'service.name': 'teleport', 'teleport.cluster.name': 'configured' }, scopeName: 'teleport-otel', scopeVersion: '0.1.0' };

function record(event: Record<string, unknown>, attributes: Attributes = {}, observed = 1718000000123456789n): LogRecord {
  const r = newRecord(JSON.stringify(event), { source: 'test', line: 1 }, observed);
  r.event = event;
  r.attributes = attributes;
  return r;
}

/** Parts as the lead's main thread would rebuild them from encodeEach's output. */
function partsOf(records: readonly LogRecord[], out: { bytes: Uint8Array; ends: Int32Array }) {
  return records.map((r, i) => ({ key: clusterNameOf(r) ?? '', bytes: out.bytes.subarray(i === 0 ? 0 : out.ends[i - 1], out.ends[i]) }));
}

function mixedRecords(): LogRecord[] {
  const records: LogRecord[] = [];
  const clusters = ['east', undefined, 'west', 'east', '', 'west', undefined];
  for (let i = 0; i < 40; i++) {
    const cluster = clusters[i % clusters.length];
    const event: Record<string, unknown> = { event: `e${i}`, code: i % 3 === 0 ? 'T1000I' : 'T2000W', uid: `u-${i}`, time: `2024-02-23T10:00:0${i % 10}.${i}Z` };
    if (cluster !== undefined) event.cluster_name = cluster;
    const attributes: Attributes = { 'event.action': `action-${i}`, n: i, ok: i % 2 === 0, ratio: i / 7 };
    // Sizes around the 1- and 2-byte LogRecord length prefixes (127/128 and 16383/16384 bytes).
    if (i % 5 === 1) attributes.big = 'x'.repeat(20_000 + i);
    if (i % 5 === 2) attributes.accent = 'é'.repeat(70 + i);
    if (i % 5 === 3) attributes.list = ['a', 1, { b: [true, 'c'] }];
    records.push(record(event, i % 9 === 4 ? {} : attributes, BigInt(1718000000000000000 + i)));
  }
  records.push(record({ event: 'tiny' })); // a LogRecord under 128 bytes
  return records;
}

describe('OTLP protobuf encoder: encodeEach + assemble', () => {
  it('assembles the same bytes, and the same decoded request, as encode (several clusters, every length class)', () => {
    const records = mixedRecords();
    const whole = new OtlpProtoEncoder(RESOURCE).encode(records);
    const worker = new OtlpProtoEncoder(RESOURCE);
    const each = worker.encodeEach(records);
    assert.equal(each.ends.length, records.length);
    assert.equal(each.ends[each.ends.length - 1], each.bytes.length);
    const assembled = new OtlpProtoEncoder(RESOURCE).assemble(records, partsOf(records, each));
    const decoded = decode(assembled, true);
    assert.equal(decoded.length, records.length);
    assert.deepEqual(decoded, decode(whole, true));
    assert.equal(new Set(decoded.map((r) => r.resourceLogs)).size, 3, 'east, none (absent or ""), west');
    assert.ok(assembled.equals(whole), 'byte-identical to encode');
  });

  it('encodes the records that come without a part, in their place: a batch may mix both', () => {
    const records = mixedRecords();
    const whole = new OtlpProtoEncoder(RESOURCE).encode(records);
    const parts: (ReturnType<typeof partsOf>[number] | undefined)[] = partsOf(records, new OtlpProtoEncoder(RESOURCE).encodeEach(records));
    for (let i = 0; i < parts.length; i += 3) parts[i] = undefined;
    assert.ok(new OtlpProtoEncoder(RESOURCE).assemble(records, parts).equals(whole));
  });

  it('copies the parts into the buffer `allocate` gives', () => {
    const records = mixedRecords().slice(0, 5);
    const slab = new Uint8Array(1 << 20);
    const each = new OtlpProtoEncoder(RESOURCE).encodeEach(records, (size) => slab.subarray(0, size));
    assert.equal(each.bytes.buffer, slab.buffer);
    assert.ok(new OtlpProtoEncoder(RESOURCE).assemble(records, partsOf(records, each)).equals(new OtlpProtoEncoder(RESOURCE).encode(records)));
  });

  it('matches encode for one cluster, one record, and no records', () => {
    const encoder = new OtlpProtoEncoder(RESOURCE);
    const one = [record({ event: 'only', cluster_name: 'c', uid: 'u', code: 'X' }, { a: 'b' })];
    const same = Array.from({ length: 5 }, (_, i) => record({ event: `s${i}`, cluster_name: 'c' }, { i }));
    for (const records of [one, same, []]) {
      const each = encoder.encodeEach(records);
      const assembled = encoder.assemble(records, partsOf(records, each));
      const whole = encoder.encode(records);
      assert.ok(assembled.equals(whole), `${records.length} records`);
    }
    assert.equal(encoder.assemble([], []).length, 0);
  });

  it('hands out bytes of their own that survive the next call and can be transferred to another thread', async () => {
    const encoder = new OtlpProtoEncoder(RESOURCE);
    const records = mixedRecords().slice(0, 3);
    const each = encoder.encodeEach(records);
    assert.equal(each.bytes.byteOffset, 0);
    assert.equal(each.bytes.buffer.byteLength, each.bytes.length, 'not a slice of a shared pool or of the scratch space');
    const copy = Uint8Array.from(each.bytes);
    encoder.encodeEach(mixedRecords()); // reuses the scratch space
    assert.deepEqual(each.bytes, copy);

    const { port1, port2 } = new MessageChannel();
    const received = new Promise<{ bytes: Uint8Array; ends: Int32Array }>((resolve) => port2.once('message', resolve));
    port1.postMessage(each, [each.bytes.buffer as ArrayBuffer, each.ends.buffer as ArrayBuffer]);
    const moved = await received;
    port1.close();
    assert.equal(each.bytes.length, 0, 'detached: transferred, not copied');
    assert.ok(new OtlpProtoEncoder(RESOURCE).assemble(records, partsOf(records, moved)).equals(encoder.encode(records)));
  });
});
