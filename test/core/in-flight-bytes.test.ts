/**
 * InFlightBytes, the receivers' bound across their streams: room under the bound or with nothing
 * in flight, waiters woken in the order they came, one at a time while room is left, and none left
 * asleep once everything settled.
 */
import assert from 'node:assert/strict';
import { InFlightBytes } from '../../core/in-flight-bytes';

const tick = () => new Promise((r) => setImmediate(r));

describe('InFlightBytes', () => {
  it('a batch larger than the bound goes when nothing is in flight, and alone', async () => {
    const b = new InFlightBytes(100);
    await b.acquire(500);
    let second = false;
    void b.acquire(10).then(() => { second = true; });
    await tick();
    assert.equal(second, false, 'waits while the large batch is in flight');
    b.release(500);
    await tick();
    assert.equal(second, true);
    assert.equal(b.bytes, 10);
  });

  it('waiters pass in the order they came, each counted before the next checks for room', async () => {
    const b = new InFlightBytes(100);
    await b.acquire(100);
    const order: string[] = [];
    const waiting = ['a', 'b', 'c'].map((name) => b.acquire(60).then(() => order.push(name)));
    await tick();
    assert.deepEqual(order, []);
    b.release(100); // room for one 60-byte batch, then b.bytes is 60: room for one more, then 120
    await tick();
    assert.deepEqual(order, ['a', 'b'], 'a then b passed; c waits: 120 bytes are over the bound');
    assert.equal(b.bytes, 120);
    b.release(60);
    await Promise.all(waiting);
    assert.deepEqual(order, ['a', 'b', 'c']);
    b.release(60);
    b.release(60);
    assert.equal(b.bytes, 0);
  });

  it('a batch that arrives as room frees up queues behind the ones already waiting', async () => {
    const b = new InFlightBytes(100);
    await b.acquire(100);
    const order: string[] = [];
    const waiting = [b.acquire(60).then(() => order.push('a')), b.acquire(60).then(() => order.push('b'))];
    await tick();
    b.release(100);
    // Right after the release, before the waiters run: the newcomer must not take their room.
    waiting.push(b.acquire(10).then(() => order.push('late')));
    await tick();
    assert.deepEqual(order, ['a', 'b'], 'the late one waits: a and b hold 120 bytes');
    b.release(60);
    await Promise.all(waiting);
    assert.deepEqual(order, ['a', 'b', 'late']);
    assert.equal(b.bytes, 70);
  });
});
