/** Small core helpers whose mistakes would be silent: ordered acks, decoding, time, retry delays. */
import assert from 'node:assert/strict';
import { OrderedAcks } from '../../core/ordered-acks';
import { AckWindow } from '../../core/ack-window';
import { decodeRecords } from '../../core/decode';
import { newRecord } from '../../core/record';
import { formatPantherTime, rfc3339ToPantherTime, rfc3339ToUnixNano } from '../../core/time';
import { backoffDelay } from '../../core/retry';
import { substituteEnv } from '../../core/config/env';

describe('core helpers', () => {
  it('OrderedAcks never passes a batch still in flight', () => {
    const acks = new OrderedAcks<number>();
    const a = acks.begin(10);
    const b = acks.begin(20);
    const c = acks.begin(30);
    assert.equal(acks.ack(c), undefined);
    assert.equal(acks.ack(a), 10);
    assert.equal(acks.inFlight, 2);
    assert.equal(acks.ack(b), 30);
    assert.equal(acks.inFlight, 0);
  });

  it('AckWindow: bounded in flight, checkpoints in order, never past a failed batch, stale after reset', async () => {
    const pending: { resolve: () => void; reject: (e: Error) => void }[] = [];
    const consumer = { consume: () => new Promise<void>((resolve, reject) => { pending.push({ resolve, reject }); }) };
    const reached: number[] = [];
    const window = new AckWindow<number>(consumer, 2, (c) => reached.push(c));
    const one = [newRecord('{}', { source: 's' }, 0n)];
    await window.send(one, 1);
    let room = false;
    const second = window.send(one, 2).then(() => { room = true; });
    await new Promise((r) => setImmediate(r));
    assert.equal(room, false, 'a second batch waits while two are in flight');
    pending[1].resolve();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(reached, [], 'batch 2 acknowledged before batch 1 moves nothing');
    pending[0].resolve();
    await second;
    assert.deepEqual(reached, [2]);
    await window.send([], 3);
    assert.deepEqual(reached, [2, 3], 'an empty batch moves the checkpoint in its turn');
    await window.send(one, 4);
    const fifth = window.send(one, 5);
    await new Promise((r) => setImmediate(r));
    pending[2].reject(new Error('down'));
    pending[3].resolve();
    await fifth;
    await window.settled();
    assert.equal((window.failure as Error).message, 'down');
    assert.deepEqual(reached, [2, 3], 'nothing passes the failed batch');
    await window.send(one, 6);
    window.reset();
    pending[4].resolve();
    await window.settled();
    assert.deepEqual(reached, [2, 3], 'a batch sent before reset moves no checkpoint');
    assert.equal(window.failure, undefined);
  });

  it('decodes JSON objects once and refuses the rest with a reason', () => {
    const rs = ['{"a":1}', '[1]', '{"broken"', '"str"', 'null'].map((l, i) => newRecord(l, { source: 'f', line: i + 1 }, 0n));
    rs[4].refusal = { code: 'line_too_long', reason: 'too long', component: 'filelog' };
    const { records, failed } = decodeRecords(rs);
    assert.deepEqual(records.map((r) => r.event), [{ a: 1 }]);
    assert.deepEqual(failed.map((f) => [f.record.position.line, f.code]), [[2, 'json_not_object'], [3, 'json_invalid'], [4, 'json_not_object'], [5, 'line_too_long']]);
    assert.match(failed[1].reason, /^not valid JSON: /);
  });

  it('parses RFC 3339 with 0 to 9 fractional digits and rejects the rest', () => {
    assert.equal(rfc3339ToUnixNano('2020-08-07T07:52:09Z'), 1596786729000000000n);
    assert.equal(rfc3339ToUnixNano('2020-08-07T07:52:09.1Z'), 1596786729100000000n);
    assert.equal(rfc3339ToUnixNano('2020-08-07T07:52:09.123456789Z'), 1596786729123456789n);
    assert.equal(rfc3339ToUnixNano('0001-01-01T00:00:00Z'), -62135596800000n * 1_000_000n);
    for (const bad of ['yesterday', '2020-02-30T00:00:00Z', '2020-08-07T07:52:09.1234567890Z', '2020-08-07 07:52',
      '2020-08-07t07:52:09Z', '2020-08-07 07:52:09Z', '2020-08-07T07:52:60Z', '2020-08-07T07:52:09+24:00']) {
      assert.equal(rfc3339ToUnixNano(bad), undefined, bad);
      assert.equal(rfc3339ToPantherTime(bad), undefined, `the schema processor agrees: ${bad}`);
    }
  });

  it('formats Panther timestamps in UTC with 9 fractional digits', () => {
    assert.equal(formatPantherTime(1596786729821000000n), '2020-08-07 07:52:09.821000000');
    assert.equal(formatPantherTime(-62135596800000n * 1_000_000n), '0001-01-01 00:00:00.000000000');
    assert.equal(formatPantherTime(rfc3339ToUnixNano('2021-04-27T23:00:26.014123456+01:00')!), '2021-04-27 22:00:26.014123456');
  });

  it('backs off exponentially within bounds and honours Retry-After', () => {
    const policy = { initialIntervalMs: 100, maxIntervalMs: 1000, maxElapsedMs: 0 };
    for (let i = 0; i < 50; i++) {
      const d = backoffDelay(policy, 3);
      assert.ok(d >= 300 && d <= 500, String(d));
      assert.ok(backoffDelay(policy, 20) <= 1250);
    }
    assert.equal(backoffDelay(policy, 1, 7000), 7000);
  });

  it('keeps an escaped $${env:X} literal', () => {
    const errors: string[] = [];
    assert.equal(substituteEnv('a $${env:X} b', 'k', {}, errors), 'a ${env:X} b');
    assert.deepEqual(errors, []);
  });
});
