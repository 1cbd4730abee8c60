/**
 * The RFC 3339 scanner decode uses for every event time (core/time.ts scanRfc3339), against Date
 * where Date is exact (its milliseconds; the digits beyond are checked as the remainder), over the
 * forms Teleport writes (0-9 fraction digits, `Z`, offsets) and the ones the rule refuses.
 */
import assert from 'node:assert/strict';
import { decodeRecords } from '../../core/decode';
import { recordTimeUnixNano, eventTimeUnixNano } from '../../core/otlp/log-record';
import { newRecord } from '../../core/record';
import { rfc3339ToPantherTime, rfc3339ToUnixNano, scanRfc3339, unixNanoOf } from '../../core/time';
import { rng } from '../support/random';

/** What Date says `text` is, in ns: Date reads the first three fraction digits exactly; the rest are added. */
function byDate(text: string): bigint {
  const m = /^(.{19})(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(text)!;
  const fraction = (m[2] ?? '').padEnd(9, '0');
  const ms = Date.parse(`${m[1]}.${fraction.slice(0, 3)}${m[3]}`);
  assert.ok(!Number.isNaN(ms), `Date reads ${text}`);
  return BigInt(ms) * 1_000_000n + BigInt(fraction.slice(3));
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

describe('RFC 3339 scanner (event times read once at decode)', () => {
  it('reads every fraction length, Z and offsets as Date does', () => {
    const base = ['2024-02-29T23:59:59', '2021-04-27T23:00:26', '1970-01-01T00:00:00', '1969-12-31T23:59:59',
      '0001-01-01T00:00:00', '9999-12-31T23:59:59', '2000-02-29T12:00:00', '2023-12-31T00:30:00'];
    const zones = ['Z', '+00:00', '-00:00', '+01:00', '-07:00', '+05:30', '+14:00', '-23:59', '+23:59'];
    let n = 0;
    for (const b of base) {
      for (const zone of zones) {
        for (let digits = 0; digits <= 9; digits++) {
          const text = b + (digits === 0 ? '' : '.' + '987654321'.slice(0, digits)) + zone;
          const t = scanRfc3339(text);
          assert.ok(t !== undefined, text);
          assert.equal(unixNanoOf(t), byDate(text), text);
          assert.ok(t.nanosOfDay >= 0 && t.nanosOfDay < 86_400e9, text);
          n++;
        }
      }
    }
    assert.equal(n, base.length * zones.length * 10);
  });

  it('agrees with Date on random instants from year 1 to 9999 (seeded)', () => {
    const seed = 31;
    const r = rng(seed);
    for (let i = 0; i < 20_000; i++) {
      const ms = -62135596800000 + Math.floor(r.next() * (253402300799999 + 62135596800000));
      const d = new Date(ms);
      const digits = r.int(10);
      const fraction = digits === 0 ? '' : '.' + Array.from({ length: digits }, () => r.int(10)).join('');
      const offset = r.int(3) === 0 ? 0 : (r.int(2) === 0 ? -1 : 1) * r.int(24 * 60);
      // The same instant written in local time at that offset (when it stays within years 1-9999).
      const local = new Date(Math.floor(ms / 1000) * 1000 + offset * 60_000);
      if (local.getUTCFullYear() < 1 || local.getUTCFullYear() > 9999) continue;
      const zone = offset === 0 && r.int(2) === 0 ? 'Z' : `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60), 2)}:${pad(Math.abs(offset) % 60, 2)}`;
      const text = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1, 2)}-${pad(local.getUTCDate(), 2)}T`
        + `${pad(local.getUTCHours(), 2)}:${pad(local.getUTCMinutes(), 2)}:${pad(local.getUTCSeconds(), 2)}${fraction}${zone}`;
      const t = scanRfc3339(text);
      assert.ok(t !== undefined, `seed ${seed}: ${text}`);
      assert.equal(unixNanoOf(t), byDate(text), `seed ${seed}: ${text}`);
      assert.equal(BigInt(Math.floor(d.getTime() / 1000)) * 1_000_000_000n, unixNanoOf(t) - BigInt(fraction === '' ? 0 : Number(fraction.slice(1).padEnd(9, '0'))), text);
    }
  });

  it('refuses what RFC 3339 (as Go parses it) refuses', () => {
    const bad = [
      '', 'yesterday', '2024-02-23', '2024-02-23T10:00:00', '2024-02-23T10:00Z', '2024-02-23 10:00:00Z',
      '2024-02-23t10:00:00Z', '2024-02-23T10:00:00z', '2024-02-23T10:00:00.Z', '2024-02-23T10:00:00.1234567890Z',
      '2024-02-23T10:00:00,5Z', '2024-02-23T10:00:00.5', '2024-02-23T10:00:00+0100', '2024-02-23T10:00:00+01',
      '2024-02-23T10:00:00+24:00', '2024-02-23T10:00:00+01:60', '2024-02-23T10:00:00Z ', ' 2024-02-23T10:00:00Z',
      '2024-02-23T10:00:00ZZ', '2024-02-23T10:00:00+01:00Z', '2023-02-29T00:00:00Z', '2024-02-30T00:00:00Z',
      '2024-04-31T00:00:00Z', '2024-13-01T00:00:00Z', '2024-00-10T00:00:00Z', '2024-01-00T00:00:00Z',
      '2024-01-01T24:00:00Z', '2024-01-01T23:60:00Z', '2024-12-31T23:59:60Z', '1900-02-29T00:00:00Z',
      '+2024-01-01T00:00:00Z', '20240-01-01T00:00:00Z', '2024-1-01T00:00:00Z', '２０２４-01-01T00:00:00Z',
      '2024-01-01T00:00:00.１Z', '2024-01-01T0a:00:00Z', '2024-01-01T00:00:00.12a4Z',
    ];
    for (const text of bad) {
      assert.equal(scanRfc3339(text), undefined, text);
      assert.equal(rfc3339ToUnixNano(text), undefined, text);
      assert.equal(rfc3339ToPantherTime(text), undefined, `the schema processor agrees: ${text}`);
    }
  });

  it('decode reads the time once onto the record; the OTLP time is the same as from the event', () => {
    const lines = [
      '{"event":"a","time":"2024-02-23T10:00:00.123456789Z"}', '{"event":"b","time":"2024-02-23T11:00:00+01:00"}',
      '{"event":"c","time":"0001-01-01T00:00:00Z"}', '{"event":"d","time":"not a time"}', '{"event":"e"}', '{"event":"f","time":5}',
    ];
    const { records } = decodeRecords(lines.map((l, i) => newRecord(l, { source: 's', line: i + 1 }, 0n)));
    assert.deepEqual(records.map((r) => r.eventTime === null), [false, false, false, true, true, true]);
    assert.equal(records[0].eventTime && unixNanoOf(records[0].eventTime), 1708682400123456789n);
    assert.deepEqual(records.map((r) => recordTimeUnixNano(r)), records.map((r) => eventTimeUnixNano(r.event)));
    assert.deepEqual(records.map((r) => recordTimeUnixNano(r)), [1708682400123456789n, 1708682400000000000n, 0n, 0n, 0n, 0n]);
  });
});
