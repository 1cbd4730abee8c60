/**
 * BatchEncoder reuses the buffer of a request body once it is compressed: every request, however
 * many are compressed at once, must still be exactly the request its records make.
 */
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { BatchEncoder } from '../../core/otlp/export/encoding';
import { OtlpProtoEncoder } from '../../core/otlp/proto';
import { newRecord, type LogRecord } from '../../core/record';

const RESOURCE = { attributes: { 'service.name': 'teleport' }, scopeName: 'teleport-otel', scopeVersion: '0.1.0' };

function batch(seed: number, size: number): LogRecord[] {
  return Array.from({ length: size }, (_, i) => {
    const event = { event: `e${seed}`, code: 'T1000I', uid: `u-${seed}-${i}`, time: `2024-02-23T10:00:0${i % 10}Z`, cluster_name: `c${seed % 3}` };
    const r = newRecord(JSON.stringify(event), { source: 'test', line: i + 1 }, 1718000000000000000n + BigInt(seed));
    r.event = event;
    r.attributes = { 'event.action': `action-${seed}-${i}`, filler: 'x'.repeat((seed * 997 + i * 13) % 4000) };
    return r;
  });
}

describe('OTLP request buffers', () => {
  it('gives each of many requests compressed at once its own bytes, buffers reused or not', async () => {
    const encoder = new BatchEncoder(RESOURCE, 'proto', 'gzip', 1, 'otlphttp');
    const reference = new OtlpProtoEncoder(RESOURCE);
    for (let round = 0; round < 4; round++) {
      // Sizes vary so that a reused buffer is sometimes too small, sometimes larger than needed.
      const batches = Array.from({ length: 9 }, (_, k) => batch(round * 10 + k, 20 + ((k * 37 + round * 11) % 90)));
      const bodies = await Promise.all(batches.map((b) => encoder.encode(b)));
      bodies.forEach((body, k) => {
        assert.equal(body.count, batches[k].length);
        assert.ok(zlib.gunzipSync(body.body).equals(reference.encode(batches[k])), `round ${round}, request ${k}`);
      });
    }
  });

  it('leaves an uncompressed body to its caller: never reused', async () => {
    const encoder = new BatchEncoder(RESOURCE, 'proto', 'none', 1, 'otlphttp');
    const reference = new OtlpProtoEncoder(RESOURCE);
    const first = batch(1, 50);
    const body = await encoder.encode(first);
    const copy = Buffer.from(body.body);
    await Promise.all([batch(2, 80), batch(3, 10)].map((b) => encoder.encode(b)));
    assert.ok(Buffer.from(body.body).equals(copy));
    assert.ok(copy.equals(reference.encode(first)));
  });
});
