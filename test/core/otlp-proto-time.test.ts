/**
 * The protobuf encoder's event-time shortcut (a remembered midnight plus the time of day, no
 * bigint, no regex) against eventTimeUnixNano, the one definition of time_unix_nano: every time
 * of a remembered day, and the texts that look like one but must not be read so.
 */
import assert from 'node:assert/strict';
import { eventTimeUnixNano } from '../../core/otlp/log-record';
import { OtlpProtoEncoder } from '../../core/otlp/proto';
import { newRecord, type LogRecord } from '../../core/record';
import { decode } from '../support/otlp-sink';

const RESOURCE = { attributes: {}, scopeName: 'teleport-otel', scopeVersion: '' };

function record(time: unknown, i: number): LogRecord {
  const event = { event: 'x', time };
  const r = newRecord(JSON.stringify(event), { source: 'test', line: i }, BigInt(i));
  r.event = event;
  return r;
}

function check(times: unknown[]): string[] {
  const records = times.map(record);
  const out = decode(new OtlpProtoEncoder(RESOURCE).encode(records), true).map((r) => r.timeUnixNano);
  assert.deepEqual(out, records.map((r) => eventTimeUnixNano(r.event).toString()));
  return out;
}

describe('OTLP protobuf encoder: event times within a remembered day', () => {
  it('reads every hour, minute, second and fraction of the day like eventTimeUnixNano', () => {
    const times: string[] = ['2024-02-29T00:00:00Z'];
    for (let h = 0; h < 24; h += 5) for (let m = 0; m < 60; m += 13) for (let s = 0; s < 60; s += 17) {
      const hms = [h, m, s].map((v) => String(v).padStart(2, '0')).join(':');
      times.push(`2024-02-29T${hms}Z`, `2024-02-29T${hms}.${String(h * 7 + m + s).padStart(3, '0')}Z`, `2024-02-29T${hms}.123456789Z`);
    }
    times.push('2024-02-29T23:59:59.999999999Z', '2024-02-29T23:59:59.9Z', '2024-03-01T00:00:00.000000001Z', '2024-02-29T12:00:00.5Z');
    const out = check(times);
    assert.equal(out[out.length - 2], '1709251200000000001');
    assert.equal(out[out.length - 1], '1709208000500000000');
  });

  it('leaves what the strict rule refuses to the general path: 24h, minute or second 60, bad digits and separators', () => {
    const out = check([
      '2024-02-23T10:00:00.5Z', '2024-02-23T24:00:00Z', '2024-02-23T23:60:00Z', '2024-02-23T23:59:60Z',
      '2024-02-23T1a:00:00Z', '2024-02-23T10-00:00Z', '2024-02-23T10:00.00Z', '2024-02-23T10:00:00.Z',
      '2024-02-23T10:00:00.1234567890Z', '2024-02-23T10:00:00,5Z', '2024-02-23T10:00:00.5z', '2024-02-23T10:00:00.5+01:00',
      '2024-02-23T 9:00:00Z', '2024-02-23T10:00:00.5Z',
    ]);
    assert.deepEqual(out.slice(1, 11), Array(10).fill('0'));
    assert.equal(out[11], '1708678800500000000', 'an offset is the general path\'s');
  });

  it('switches days, and never writes past what fixed64 holds', () => {
    check([
      '1970-01-01T00:00:00.5Z', '1970-01-01T23:59:59Z', '1969-12-31T23:59:59Z', '2024-01-31T10:00:00Z', '2024-02-01T10:00:00Z',
      '2024-01-31T11:00:00Z', '2554-07-21T23:34:33.709551615Z', '2554-07-21T23:34:33.709551616Z', '2554-07-21T00:00:00Z',
      '2554-07-21T23:59:59Z', '2554-07-22T00:00:00Z',
    ]);
  });
});
