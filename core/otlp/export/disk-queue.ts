/**
 * The on-disk sending queue: one file per batch, holding the request body exactly as it will be
 * sent. A batch is durable once `append` resolves: written to a temporary name, fsynced, renamed
 * into place, and the directory fsynced. A crash leaves at worst a temporary file, which the next
 * start deletes (its batch was never acknowledged, so the receiver still has it).
 *
 * File name: `<seq, 16 digits>-<records>.<proto|json>[.gz]`: everything needed to send it again
 * after a restart, even with a changed config. Permanently refused batches move to `rejected/`
 * beside a `.reason.txt`; each such file is a complete OTLP request, replayable with curl.
 *
 * Owned by one exporter: do not point two exporters at the same directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { claimStateLock, type StateLock } from '../../state-lock';
import { RetryableError } from '../../errors';
import type { Compression, RequestBody, Encoding } from './encoding';

export interface QueueEntry {
  readonly seq: number;
  readonly file: string;
  readonly bytes: number;
  readonly count: number;
  readonly encoding: Encoding;
  readonly compression: Compression;
}

const NAME = /^(\d{16})-(\d+)\.(proto|json)(\.gz)?$/;
const TMP_PREFIX = '.tmp-';

const LOCK_FILE = '.lock';

export class DiskQueue {
  private entries: QueueEntry[] = [];
  private readonly claimed = new Set<number>();
  private bytes = 0;
  private nextSeq = 1;
  private wakers: (() => void)[] = [];

  private lock: StateLock | undefined;

  constructor(readonly dir: string, private readonly maxBytes: number, private readonly component: string) {}

  /** Creates and claims the directory, drops torn temporary files, and indexes what a previous run left. */
  async open(): Promise<void> {
    await fs.promises.mkdir(this.dir, { recursive: true });
    this.lock = claimStateLock(path.join(this.dir, LOCK_FILE), 'this directory');
    try {
      await this.index();
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** Drops torn temporary files and indexes what a previous run left. */
  private async index(): Promise<void> {
    for (const name of await fs.promises.readdir(this.dir)) {
      if (name.startsWith(TMP_PREFIX)) {
        await fs.promises.rm(path.join(this.dir, name), { force: true });
        continue;
      }
      const m = NAME.exec(name);
      if (!m) continue;
      const file = path.join(this.dir, name);
      const { size } = await fs.promises.stat(file);
      this.entries.push({
        seq: Number(m[1]), file, bytes: size, count: Number(m[2]),
        encoding: m[3] as Encoding, compression: m[4] ? 'gzip' : 'none',
      });
    }
    this.entries.sort((a, b) => a.seq - b.seq);
    for (const e of this.entries) this.bytes += e.bytes;
    this.nextSeq = this.entries.length === 0 ? 1 : this.entries[this.entries.length - 1].seq + 1;
  }

  /** Batches waiting (including ones being sent). */
  get length(): number {
    return this.entries.length;
  }

  /** Records waiting, from the file names. */
  get records(): number {
    let n = 0;
    for (const e of this.entries) n += e.count;
    return n;
  }

  get size(): number {
    return this.bytes;
  }

  /**
   * Stores a batch durably. Fails with a retryable `queue_full` when it would exceed the cap: the
   * caller does not acknowledge, so the receiver waits and tries again (backpressure, no drop).
   */
  async append(batch: RequestBody): Promise<void> {
    const size = batch.body.byteLength;
    if (this.bytes + size > this.maxBytes && this.entries.length > 0) {
      throw new RetryableError('queue_full',
        `${this.component}: on-disk queue ${this.dir} is full (${mib(this.bytes)} of ${mib(this.maxBytes)}, ${this.entries.length} batches); ` +
        'the backend is not keeping up or unreachable; input waits until the queue drains (raise sending_queue.max_size to buffer more)');
    }
    const seq = this.nextSeq++;
    // Reserve before the first await, so concurrent appends cannot overshoot the cap together.
    this.bytes += size;
    const name = `${String(seq).padStart(16, '0')}-${batch.count}.${batch.encoding}${batch.compression === 'gzip' ? '.gz' : ''}`;
    const file = path.join(this.dir, name);
    const tmp = path.join(this.dir, `${TMP_PREFIX}${name}`);
    try {
      const handle = await fs.promises.open(tmp, 'w');
      try {
        await handle.write(batch.body);
        await handle.datasync();
      } finally {
        await handle.close();
      }
      await fs.promises.rename(tmp, file);
      await syncDir(this.dir);
    } catch (err) {
      this.bytes -= size;
      await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new RetryableError('io_error', `${this.component}: cannot write to the on-disk queue ${this.dir}: ${code}`, { cause: err });
    }
    this.insert({ seq, file, bytes: size, count: batch.count, encoding: batch.encoding, compression: batch.compression });
    for (const wake of this.wakers.splice(0)) wake();
  }

  /** The oldest batch no sender holds, now held by the caller; undefined when none. */
  claim(): QueueEntry | undefined {
    for (const e of this.entries) {
      if (!this.claimed.has(e.seq)) {
        this.claimed.add(e.seq);
        return e;
      }
    }
    return undefined;
  }

  /** Gives a claimed batch back (it stays queued). */
  release(entry: QueueEntry): void {
    this.claimed.delete(entry.seq);
  }

  /** Resolves when a batch may be available, or when `signal` aborts. */
  waitForEntry(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => { signal.removeEventListener('abort', done); resolve(); };
      this.wakers.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  read(entry: QueueEntry): Promise<Buffer> {
    return fs.promises.readFile(entry.file);
  }

  /** Lets another process use the directory; what is queued stays for it. */
  close(): void {
    this.lock?.release();
  }

  /** The batch was delivered: forget it. */
  async remove(entry: QueueEntry): Promise<void> {
    await fs.promises.rm(entry.file, { force: true });
    this.forget(entry);
  }

  /** The backend refused the batch permanently: keep it aside with the reason, out of the queue. */
  async reject(entry: QueueEntry, reason: string): Promise<string> {
    const dir = path.join(this.dir, 'rejected');
    await fs.promises.mkdir(dir, { recursive: true });
    const target = path.join(dir, path.basename(entry.file));
    await fs.promises.writeFile(`${target}.reason.txt`, `${new Date().toISOString()} ${reason}\n`);
    await fs.promises.rename(entry.file, target);
    this.forget(entry);
    return target;
  }

  private forget(entry: QueueEntry): void {
    const i = this.entries.findIndex((e) => e.seq === entry.seq);
    if (i >= 0) {
      this.entries.splice(i, 1);
      this.bytes -= entry.bytes;
    }
    this.claimed.delete(entry.seq);
  }

  /** Concurrent appends may finish out of order; keep the index sorted so the oldest goes first. */
  private insert(entry: QueueEntry): void {
    let i = this.entries.length;
    while (i > 0 && this.entries[i - 1].seq > entry.seq) i--;
    this.entries.splice(i, 0, entry);
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
