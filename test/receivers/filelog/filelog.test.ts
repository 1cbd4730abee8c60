/**
 * The filelog receiver against real files on disk: reading, positions, oversize lines, follow
 * mode, checkpoints, and acknowledgement (a failing consumer never moves a checkpoint).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { append, createReceiver, delay, exactlyOnce, lines, RecordingConsumer, tmpDir, waitFor } from './helpers';

function readCheckpoints(dir: string): { path: string; offset: number; line: number; complete?: boolean }[] {
  const file = path.join(dir, 'filelog.checkpoints.json');
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).files : [];
}

describe('filelog receiver: reading', () => {
  it('--once reads every matching file to its end, one record per line, with file:line and byte offset', async () => {
    const dir = tmpDir();
    fs.mkdirSync(path.join(dir, 'auth1'));
    fs.mkdirSync(path.join(dir, 'auth1', 'upload'));
    const a = path.join(dir, 'auth1', '2024-02-22.00:00:00.log');
    const b = path.join(dir, 'auth1', '2024-02-23.00:00:00.log');
    append(a, lines('a', 0, 2500));
    fs.writeFileSync(b, 'first\n\nthird\nno newline at end');
    append(path.join(dir, 'auth1', 'upload', 'x.log'), ['excluded by default']);
    fs.writeFileSync(path.join(dir, 'auth1', 'other.txt'), 'not included\n');
    const r = createReceiver({ include: [path.join(dir, '**', '*.log')], max_batch_size: 1000 });
    const c = new RecordingConsumer();
    await r.start({ consumer: c, once: true });
    await r.drained();
    await r.shutdown();
    assert.equal(exactlyOnce(c.lines, [...lines('a', 0, 2500), 'first', 'third', 'no newline at end']), undefined);
    // 2500 lines in batches of at most 1000, plus the second file.
    assert.ok(c.calls >= 4, `calls ${c.calls}`);
    const third = c.records.find((x) => x.raw === 'third')!;
    assert.deepEqual(third.position, { source: b, line: 3, offset: 7 });
    const last = c.records.find((x) => x.raw === 'no newline at end')!;
    assert.deepEqual(last.position, { source: b, line: 4, offset: 13 });
    const a10 = c.records.find((x) => x.raw === lines('a', 10, 11)[0])!;
    assert.equal(a10.position.line, 11);
    assert.equal(a10.position.offset, lines('a', 0, 10).join('\n').length + 1);
    assert.match(r.progress(), /^2 files, 2,503 lines$/);
  });

  it('a line over max_log_size becomes a refused record with its position and a bounded prefix, and the file goes on', async () => {
    const dir = tmpDir();
    const f = path.join(dir, 'big.log');
    const huge = `{"event":"huge","data":"${'q'.repeat(200_000)}"}`;
    fs.writeFileSync(f, `{"n":1}\n${huge}\n{"n":3}\n`);
    const r = createReceiver({ include: [f], max_log_size: '64KiB' });
    const c = new RecordingConsumer();
    await r.start({ consumer: c, once: true });
    await r.drained();
    await r.shutdown();
    assert.equal(c.records.length, 3);
    const [, refused, after] = c.records;
    assert.equal(after.raw, '{"n":3}');
    assert.deepEqual(refused.position, { source: f, line: 2, offset: 8 });
    assert.equal(refused.refusal?.code, 'line_too_long');
    assert.equal(refused.refusal!.reason, `line of ${huge.length} bytes is longer than max_log_size (65536 bytes); its first 16384 bytes are kept`);
    assert.ok(refused.raw.length <= 16 * 1024 && huge.startsWith(refused.raw), 'raw keeps a bounded prefix');
  });

  it('reads gzip archives when included, and an archive of a file already read adds nothing', async () => {
    const dir = tmpDir();
    const zlib = await import('node:zlib');
    const plain = path.join(dir, '2024-02-21.log');
    append(plain, lines('p', 0, 500));
    fs.writeFileSync(path.join(dir, '2024-02-20.log.gz'), zlib.gzipSync(lines('z', 0, 3000).join('\n') + '\n'));
    const storage = path.join(dir, 'state');
    const opts = { include: [path.join(dir, '*.log'), path.join(dir, '*.log.gz')], storage };
    let r = createReceiver(opts);
    const c = new RecordingConsumer();
    await r.start({ consumer: c, once: true });
    await r.drained();
    await r.shutdown();
    assert.equal(exactlyOnce(c.lines, [...lines('z', 0, 3000), ...lines('p', 0, 500)]), undefined);
    // Rotation compresses the plain file and removes it: the archive is recognized by content.
    fs.writeFileSync(`${plain}.gz`, zlib.gzipSync(fs.readFileSync(plain)));
    fs.unlinkSync(plain);
    r = createReceiver(opts);
    await r.start({ consumer: c, once: true });
    await r.drained();
    await r.shutdown();
    assert.equal(exactlyOnce(c.lines, [...lines('z', 0, 3000), ...lines('p', 0, 500)]), undefined);
    assert.ok(readCheckpoints(storage).some((cp) => cp.complete && cp.path.endsWith('2024-02-20.log.gz')));
  });

  it('a truncated archive: --once fails with one line naming it; following, it is finished once complete, nothing twice', async () => {
    const dir = tmpDir();
    const zlib = await import('node:zlib');
    const f = path.join(dir, 'old.log.gz');
    const whole = zlib.gzipSync(lines('g', 0, 20_000).join('\n') + '\n');
    fs.writeFileSync(f, whole.subarray(0, Math.floor(whole.length / 2)));
    const once = createReceiver({ include: [f] });
    const c1 = new RecordingConsumer();
    await once.start({ consumer: c1, once: true });
    await assert.rejects(once.drained(), (err: Error) => {
      assert.equal(err.message.split('\n').length, 1);
      assert.match(err.message, new RegExp(`^filelog: ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: gzip data is truncated or corrupt`));
      return true;
    });
    await once.shutdown();
    assert.ok(c1.records.length > 0, 'lines before the damage are read');

    const c = new RecordingConsumer();
    const r = createReceiver({ include: [f] });
    await r.start({ consumer: c, once: false });
    await waitFor('first half', () => c.records.length > 0);
    await delay(100);
    fs.writeFileSync(f, whole); // the compressor finished writing it
    await waitFor('all lines', () => c.records.length >= 20_000);
    await delay(100);
    await r.shutdown();
    assert.equal(exactlyOnce(c.lines, lines('g', 0, 20_000)), undefined);
  });

  it('start_at: end skips what exists at start (from the last complete line) but reads files that appear later from 0', async () => {
    const dir = tmpDir();
    const f = path.join(dir, 'a.log');
    fs.writeFileSync(f, lines('old', 0, 10).join('\n') + '\n{"partial":');
    const r = createReceiver({ include: [path.join(dir, '*.log')], start_at: 'end' });
    const c = new RecordingConsumer();
    await r.start({ consumer: c, once: false });
    await delay(100);
    fs.appendFileSync(f, '1}\n');
    append(f, lines('new', 0, 5));
    append(path.join(dir, 'b.log'), lines('b', 0, 5));
    await waitFor('new lines', () => c.records.length >= 11);
    await delay(60);
    await r.shutdown();
    assert.equal(exactlyOnce(c.lines, ['{"partial":1}', ...lines('new', 0, 5), ...lines('b', 0, 5)]), undefined);
    // Line numbers are unknown after skipping; positions still carry the byte offset.
    const first = c.records.find((x) => x.raw === '{"partial":1}')!;
    assert.equal(first.position.line, undefined);
    assert.equal(first.position.offset, lines('old', 0, 10).join('\n').length + 1);
  });
});

describe('filelog receiver: follow mode and checkpoints', () => {
  it('follows appends, holds a partial line until its newline, and picks up new files and folders', async () => {
    const dir = tmpDir();
    const f = path.join(dir, 'auth1', 'x.log');
    fs.mkdirSync(path.dirname(f));
    append(f, lines('a', 0, 3));
    const r = createReceiver({ include: [path.join(dir, '**', '*.log')] });
    const c = new RecordingConsumer();
    await r.start({ consumer: c, once: false });
    await waitFor('first lines', () => c.records.length === 3);
    fs.appendFileSync(f, '{"event":"half');
    await delay(100);
    assert.equal(c.records.length, 3, 'a partial line is not sent');
    fs.appendFileSync(f, 'way"}\n');
    await waitFor('completed line', () => c.records.length === 4);
    assert.equal(c.records[3].raw, '{"event":"halfway"}');
    fs.mkdirSync(path.join(dir, 'auth2'));
    append(path.join(dir, 'auth2', 'y.log'), lines('b', 0, 4));
    await waitFor('new folder', () => c.records.length === 8);
    await r.shutdown();
    assert.equal(exactlyOnce(c.lines, [...lines('a', 0, 3), '{"event":"halfway"}', ...lines('b', 0, 4)]), undefined);
  });

  it('a restart resumes exactly after the last acknowledged line', async () => {
    const dir = tmpDir();
    const f = path.join(dir, 'x.log');
    const storage = path.join(dir, 'state');
    append(f, lines('a', 0, 1200));
    const c = new RecordingConsumer();
    let r = createReceiver({ include: [f], storage, max_batch_size: 100 });
    await r.start({ consumer: c, once: false });
    await waitFor('all lines', () => c.records.length === 1200);
    await r.shutdown();
    const [cp] = readCheckpoints(storage);
    assert.equal(cp.offset, fs.statSync(f).size);
    assert.equal(cp.line, 1200);
    append(f, lines('a', 1200, 1300));
    r = createReceiver({ include: [f], storage, max_batch_size: 100 });
    await r.start({ consumer: c, once: true });
    await r.drained();
    await r.shutdown();
    assert.equal(exactlyOnce(c.lines, lines('a', 0, 1300)), undefined);
    assert.equal(c.records[1200].position.line, 1201);
  });

  it('while the consumer fails (retryable), no checkpoint moves and nothing is lost; reading resumes when it recovers', async () => {
    const dir = tmpDir();
    const f = path.join(dir, 'x.log');
    const storage = path.join(dir, 'state');
    append(f, lines('a', 0, 50));
    const c = new RecordingConsumer();
    const r = createReceiver({ include: [f], storage, max_batch_size: 10 });
    await r.start({ consumer: c, once: false });
    await waitFor('first lines', () => c.records.length === 50);
    await waitFor('checkpoint', () => readCheckpoints(storage)[0]?.offset === fs.statSync(f).size);
    const before = readCheckpoints(storage)[0];
    c.failing = true;
    append(f, lines('a', 50, 100));
    await waitFor('failed attempts', () => c.failedCalls >= 2, 5000);
    await delay(100);
    assert.deepEqual(readCheckpoints(storage)[0], before, 'checkpoint moved while the consumer failed');
    c.failing = false;
    await waitFor('recovery', () => new Set(c.lines).size === 100, 10_000);
    await waitFor('checkpoint after recovery', () => readCheckpoints(storage)[0]?.offset === fs.statSync(f).size);
    await r.shutdown();
    assert.equal(exactlyOnce([...new Set(c.lines)], lines('a', 0, 100)), undefined);
  });

  it('a slow consumer slows reading: at most max_batches_in_flight batches per file await acknowledgement', async () => {
    const dir = tmpDir();
    const f = path.join(dir, 'x.log');
    append(f, lines('a', 0, 2000));
    const c = new RecordingConsumer(5);
    const r = createReceiver({ include: [f], max_batch_size: 50, max_batches_in_flight: 3 });
    await r.start({ consumer: c, once: true });
    await r.drained();
    await r.shutdown();
    assert.equal(c.maxInFlight, 3);
    assert.equal(exactlyOnce(c.lines, lines('a', 0, 2000)), undefined);
  });

  it('max_bytes_in_flight bounds what the files hold read and unacknowledged, across files; every line once', async () => {
    const dir = tmpDir();
    const expected: string[] = [];
    for (let i = 0; i < 12; i++) {
      const ls = lines(`f${i}`, 0, 300);
      append(path.join(dir, `day-${i}.log`), ls);
      expected.push(...ls);
    }
    const batchBytes = lines('f0', 0, 50).join('').length;
    const fileBytes = fs.statSync(path.join(dir, 'day-11.log')).size;
    const run = async (extra: Record<string, unknown>) => {
      const c = new RecordingConsumer(10);
      const r = createReceiver({ include: [path.join(dir, '*.log')], max_batch_size: 50, max_batches_in_flight: 2, storage: tmpDir(), ...extra });
      await r.start({ consumer: c, once: true });
      await r.drained();
      await r.shutdown();
      assert.equal(exactlyOnce(c.lines, expected), undefined);
      return c.maxBytesInFlight;
    };
    const bound = 3 * batchBytes;
    const bounded = await run({ max_bytes_in_flight: bound });
    // A file reads on while the files hold less than the bound: one read (here a whole file) may cross it.
    assert.ok(bounded <= bound + fileBytes, `at most ${bound + fileBytes} bytes in flight with the bound, saw ${bounded}`);
    const unbounded = await run({});
    assert.ok(unbounded > 2 * (bound + fileBytes), `without it 12 files x 2 batches were in flight (${unbounded} bytes): the test can tell`);
  });
});
