/**
 * Backfill checkpoint: the last key such that it and every key listed before it were read and
 * acknowledged. One JSON file per receiver in `storage`, written atomically (temporary file,
 * fsync, rename, fsync of the directory), so a crash leaves the old or the new key, never a torn
 * file. Writes are coalesced: acknowledgements never wait on the disk. A lock file keeps a second
 * process off the same checkpoint.
 */
import fs from 'node:fs';
import path from 'node:path';
import { claimStateLock, type StateLock } from '../../core/state-lock';

interface Stored {
  version: 1;
  bucket: string;
  prefix: string;
  after: string;
}

export class KeyCheckpoint {
  readonly file: string;
  private lock: StateLock | undefined;
  private latest: string | undefined;
  private written: string | undefined;
  private writing: Promise<void> | undefined;
  private failure: unknown;

  /** `setting` names where `directory` came from in messages (`receivers.<id>.storage` or `--data-dir`). */
  constructor(
    directory: string,
    private readonly receiverId: string,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly setting = `receivers.${receiverId}.storage`,
  ) {
    this.file = path.join(path.resolve(directory), `${receiverId.replace(/[^A-Za-z0-9_.-]/g, '_')}.checkpoint.json`);
  }

  /** The stored key, or undefined; a checkpoint of another bucket or prefix is an error, not ignored. */
  load(): string | undefined {
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
    } catch (err) {
      throw new Error(`${this.setting}: cannot create ${path.dirname(this.file)}: ${(err as Error).message.split(',')[0]}`);
    }
    this.lock ??= claimStateLock(`${this.file}.lock`, `${this.setting}: checkpoint ${this.file}`);
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`${this.file}: cannot read the checkpoint: ${(err as Error).message}`);
    }
    let stored: Stored;
    try {
      stored = JSON.parse(text) as Stored;
      if (stored.version !== 1 || typeof stored.after !== 'string') throw new Error('unknown format');
    } catch (err) {
      throw new Error(`${this.file}: corrupt checkpoint (${(err as Error).message}); move it away to start over`);
    }
    if (stored.bucket !== this.bucket || stored.prefix !== this.prefix) {
      throw new Error(`${this.file}: checkpoint of s3://${stored.bucket}/${stored.prefix}, not s3://${this.bucket}/${this.prefix}; move it away to start over`);
    }
    this.latest = this.written = stored.after;
    return stored.after;
  }

  get key(): string | undefined {
    return this.latest;
  }

  /** Records `key` as reached; the write happens in the background. */
  save(key: string): void {
    this.latest = key;
    this.writing ??= this.drain();
  }

  /** Waits for pending writes; rejects with the last write error, if any. */
  async flush(): Promise<void> {
    if (this.latest !== this.written) this.writing ??= this.drain();
    await this.writing;
    if (this.failure !== undefined) throw this.failure;
  }

  close(): void {
    this.lock?.release();
    this.lock = undefined;
  }

  private async drain(): Promise<void> {
    try {
      while (this.latest !== undefined && this.latest !== this.written) {
        const key = this.latest;
        try {
          await this.write(key);
          this.written = key;
          this.failure = undefined;
        } catch (err) {
          this.failure = err; // the old checkpoint stays valid: objects after it are read again
          break;
        }
      }
    } finally {
      this.writing = undefined;
    }
  }

  private async write(after: string): Promise<void> {
    const dir = path.dirname(this.file);
    const tmp = `${this.file}.tmp`;
    const stored: Stored = { version: 1, bucket: this.bucket, prefix: this.prefix, after };
    const handle = await fs.promises.open(tmp, 'w');
    try {
      await handle.writeFile(JSON.stringify(stored) + '\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(tmp, this.file);
    const d = await fs.promises.open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }
}
