/**
 * Rotation while following, against real files: a writer appends bursts of distinct lines and
 * rotates between bursts; every line must arrive exactly once.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createLogger } from '../../../core/telemetry/logger';
import { append, createReceiver, delay, exactlyOnce, lines, RecordingConsumer, tmpDir, waitFor } from './helpers';

interface Scenario {
  include: (dir: string) => string[];
  /** Called before each burst after the first; returns the file the next burst goes to. */
  rotate: (dir: string, round: number, current: string) => string;
  first: (dir: string) => string;
  consumerDelayMs?: number;
  /**
   * Rotate only once the receiver has read a line of the current file. Where only the symlink is
   * followed, a file superseded before any poll saw it cannot be found at all (in production it
   * lives a day, here ~40 ms, which a loaded machine's poll can miss); what is under test is that a
   * file the receiver has seen is finished after the re-point.
   */
  rotateOnceSeen?: boolean;
}

async function runScenario(s: Scenario, extra: Record<string, unknown>, rounds = 6, perRound = 300): Promise<void> {
  const dir = tmpDir();
  const c = new RecordingConsumer(s.consumerDelayMs ?? 0);
  // The receiver's own account (which file it read from where, what it retired), for a failure to show.
  const log: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => log.push(line.split(dir).join('<dir>')) });
  const r = createReceiver({ include: s.include(dir), max_batch_size: 64, storage: path.join(dir, 'state'), ...extra }, 'filelog', logger);
  await r.start({ consumer: c, once: false });
  const expected: string[] = [];
  let file = s.first(dir);
  try {
    for (let round = 0; round < rounds; round++) {
      if (round > 0 && s.rotateOnceSeen) {
        const seen = expected[expected.length - perRound];
        await waitFor(`a line of round ${round - 1}`, () => c.lines.includes(seen), 10_000);
      }
      if (round > 0) file = s.rotate(dir, round, file);
      // Appended in small pieces with pauses, so polls land before, during and after rotations.
      for (let i = 0; i < perRound; i += 50) {
        const chunk = lines(`r${round}`, i, Math.min(perRound, i + 50));
        append(file, chunk);
        expected.push(...chunk);
        await delay(3 + (i % 7));
      }
    }
    await waitFor(`${expected.length} lines`, () => c.records.length >= expected.length, 15_000)
      .catch((err: Error) => { throw new Error(`${err.message}: ${diagnosis(c.lines, expected, dir, log)}`); });
    await delay(150); // let duplicates, if any, arrive
  } finally {
    await r.shutdown();
  }
  assert.equal(exactlyOnce(c.lines, expected), undefined, diagnosis(c.lines, expected, dir, log));
}

/** What arrived of each round, the files left, and the receiver's last log lines. */
function diagnosis(got: string[], expected: string[], dir: string, log: string[]): string {
  const arrived = new Set(got);
  const missing = new Map<string, number>();
  for (const l of expected) {
    if (arrived.has(l)) continue;
    const round = (JSON.parse(l) as { uid: string }).uid.split('-')[0];
    missing.set(round, (missing.get(round) ?? 0) + 1);
  }
  const files = fs.readdirSync(dir).map((f) => `${f} (${fs.statSync(path.join(dir, f)).size} B)`);
  return `${exactlyOnce(got, expected)}; missing by round ${JSON.stringify(Object.fromEntries(missing))}; files ${files.join(', ')}\n  ${log.slice(-40).join('\n  ')}`;
}

// Each scenario also with files that may hold only ~3 KB (some 60 lines) read and unacknowledged
// between them: files then hand over what they read and wait for room, through every rotation.
const BOUNDS: [string, Record<string, unknown>][] = [['', {}], [', under a 3 KB max_bytes_in_flight', { max_bytes_in_flight: 3000 }]];

for (const [label, extra] of BOUNDS) describe(`filelog receiver: rotation while following, every line exactly once${label}`, function () {
  this.timeout(30_000);
  const run = (s: Scenario) => runScenario(s, extra);

  it('rename rotation (x.log -> x.log.1 -> x.log.2, new x.log), rotated names included', () => run({
    include: (d) => [path.join(d, 'x.log*')],
    first: (d) => path.join(d, 'x.log'),
    rotate: (d, round, cur) => {
      for (let i = round - 1; i >= 1; i--) if (fs.existsSync(`${cur}.${i}`)) fs.renameSync(`${cur}.${i}`, `${cur}.${i + 1}`);
      fs.renameSync(cur, `${cur}.1`);
      return cur;
    },
  }));

  it('rename rotation with rotated names NOT included: the renamed file is finished through its open descriptor', () => run({
    include: (d) => [path.join(d, '*.log')],
    first: (d) => path.join(d, 'x.log'),
    rotate: (d, round, cur) => {
      fs.renameSync(cur, path.join(d, `x.log.${round}`));
      return cur;
    },
    consumerDelayMs: 2,
  }));

  it('copytruncate: the copy resumes where the original was, the truncated file starts over', () => run({
    include: (d) => [path.join(d, 'x.log*')],
    first: (d) => path.join(d, 'x.log'),
    rotate: (d, round, cur) => {
      for (let i = round - 1; i >= 1; i--) if (fs.existsSync(`${cur}.${i}`)) fs.renameSync(`${cur}.${i}`, `${cur}.${i + 1}`);
      fs.copyFileSync(cur, `${cur}.1`);
      fs.truncateSync(cur, 0);
      return cur;
    },
  }));

  it('the events.log symlink re-pointed to each new day\'s file reads no line twice (both globbed)', () => run({
    include: (d) => [path.join(d, '*.log')],
    first: (d) => {
      const f = path.join(d, '2024-02-01.00:00:00.log');
      fs.writeFileSync(f, '');
      fs.symlinkSync(path.basename(f), path.join(d, 'events.log'));
      return f;
    },
    rotate: (d, round) => {
      const f = path.join(d, `2024-02-0${round + 1}.00:00:00.log`);
      fs.writeFileSync(f, '');
      fs.unlinkSync(path.join(d, 'events.log'));
      fs.symlinkSync(path.basename(f), path.join(d, 'events.log'));
      return f;
    },
  }));

  it('following only the events.log symlink: a re-point finishes the old file and reads the new one', () => run({
    include: (d) => [path.join(d, 'events.log')],
    first: (d) => {
      const f = path.join(d, 'day-0.log');
      fs.writeFileSync(f, '');
      fs.symlinkSync(f, path.join(d, 'events.log'));
      return f;
    },
    rotate: (d, round) => {
      const f = path.join(d, `day-${round}.log`);
      fs.writeFileSync(f, '');
      fs.renameSync(path.join(d, 'events.log'), path.join(d, 'old-link'));
      fs.symlinkSync(f, path.join(d, 'events.log'));
      fs.unlinkSync(path.join(d, 'old-link'));
      return f;
    },
    rotateOnceSeen: true,
  }));

  it('a new auth-server folder each round', () => run({
    include: (d) => [path.join(d, '*', '*.log')],
    first: (d) => {
      fs.mkdirSync(path.join(d, 'auth-0'));
      return path.join(d, 'auth-0', '2024-02-01.00:00:00.log');
    },
    rotate: (d, round) => {
      fs.mkdirSync(path.join(d, `auth-${round}`));
      return path.join(d, `auth-${round}`, '2024-02-01.00:00:00.log');
    },
  }));

  it('rotated files compressed to .gz (and the plain copy removed) are not read again', () => run({
    include: (d) => [path.join(d, 'x.log*')],
    first: (d) => path.join(d, 'x.log'),
    rotate: (d, round, cur) => {
      fs.renameSync(cur, `${cur}.${round}`);
      const prev = `${cur}.${round - 1}`;
      if (fs.existsSync(prev)) {
        fs.writeFileSync(`${prev}.gz`, zlib.gzipSync(fs.readFileSync(prev)));
        fs.unlinkSync(prev);
      }
      return cur;
    },
  }));

  it('a file deleted while it is being read is finished', async () => {
    const dir = tmpDir();
    const f = path.join(dir, 'x.log');
    append(f, lines('d', 0, 3000));
    const c = new RecordingConsumer(10);
    const r = createReceiver({ include: [f], max_batch_size: 100, max_batches_in_flight: 1, ...extra });
    await r.start({ consumer: c, once: false });
    await waitFor('reading started', () => c.records.length > 0);
    fs.unlinkSync(f);
    assert.ok(c.records.length < 3000, 'deleted before it was read');
    await waitFor('all lines', () => c.records.length >= 3000, 15_000);
    await delay(100);
    await r.shutdown();
    assert.equal(exactlyOnce(c.lines, lines('d', 0, 3000)), undefined);
  });
});
