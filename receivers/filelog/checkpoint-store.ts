/**
 * Checkpoints of one receiver in its `storage` directory: one JSON file listing, per known file,
 * its fingerprint and the offset after its last acknowledged line. Written atomically (temporary
 * file, fsync, rename, fsync of the directory) so a crash leaves either the old or the new
 * checkpoint, never a torn one. Writes are coalesced: at most one in progress, and the next one
 * writes the latest state, so acknowledgements never wait on the disk.
 */
import fs from 'node:fs';
import path from 'node:path';
import { claimStateLock, type StateLock } from '../../core/state-lock';

export interface Checkpoint {
  /** First bytes of the file (decompressed for archives), base64. */
  readonly fingerprint: Buffer;
  /** Byte offset after the last acknowledged line (in the decompressed stream for archives). */
  readonly offset: number;
  /** Lines before `offset`, or -1 when unknown (started at the end). */
  readonly line: number;
  /** Last path the file was seen at; informative only (identity is the fingerprint). */
  readonly path: string;
  /** An archive read to its end and acknowledged. */
  readonly complete?: boolean;
}

interface StoredFile {
  fingerprint: string;
  offset: number;
  line: number;
  path: string;
  complete?: boolean;
}

export class CheckpointStore {
  private lock: StateLock | undefined;
  readonly file: string;
  private writing: Promise<void> | undefined;
  private dirty = false;
  private failure: unknown;

  /** `snapshot` returns the current checkpoints; it is called when a write starts. */
  /** `setting` names where `directory` came from in messages (`receivers.<id>.storage` or `--data-dir`). */
  constructor(directory: string, private readonly receiverId: string, private readonly snapshot: () => Checkpoint[], private readonly setting = `receivers.${receiverId}.storage`) {
    this.file = path.join(path.resolve(directory), `${receiverId.replace(/[^A-Za-z0-9_.-]/g, '_')}.checkpoints.json`);
  }

  /** Reads the checkpoints; none when the file does not exist yet. Throws a one-line error when unreadable. */
  load(): Checkpoint[] {
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
    } catch (err) {
      throw new Error(`${this.setting}: cannot create ${path.dirname(this.file)}: ${(err as Error).message.split(',')[0]}`);
    }
    this.lock ??= claimStateLock(`${this.file}.lock`, `${this.setting}: checkpoints ${this.file}`);
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new Error(`${this.file}: cannot read checkpoints: ${(err as Error).message}`);
    }
    try {
      const parsed = JSON.parse(text) as { version: number; files: StoredFile[] };
      if (parsed.version !== 1 || !Array.isArray(parsed.files)) throw new Error('unknown format');
      return parsed.files.map((f) => ({ ...f, fingerprint: Buffer.from(f.fingerprint, 'base64') }));
    } catch (err) {
      throw new Error(`${this.file}: corrupt checkpoint file (${(err as Error).message}); move it away to start over`);
    }
  }

  /** Asks for a write of the latest state; resolves when a write that includes it is durable. */
  save(): Promise<void> {
    this.dirty = true;
    if (this.writing === undefined) this.writing = this.drain();
    return this.writing;
  }

  /** Waits for pending writes; rejects with the last write error, if any. */
  /** After the last flush: lets another process take these checkpoints over. */
  close(): void {
    this.lock?.release();
    this.lock = undefined;
  }

  async flush(): Promise<void> {
    if (this.dirty || this.writing) await this.save();
    if (this.failure !== undefined) throw this.failure;
  }

  private async drain(): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        try {
          await this.write(this.snapshot());
          this.failure = undefined;
        } catch (err) {
          // Kept for flush(); the old checkpoint stays valid, so nothing is lost (lines re-read).
          this.failure = err;
        }
      }
    } finally {
      this.writing = undefined;
    }
  }

  private async write(checkpoints: Checkpoint[]): Promise<void> {
    const files: StoredFile[] = checkpoints.map((c) => ({
      fingerprint: c.fingerprint.toString('base64'),
      offset: c.offset,
      line: c.line,
      path: c.path,
      ...(c.complete ? { complete: true } : {}),
    }));
    const dir = path.dirname(this.file);
    await fs.promises.mkdir(dir, { recursive: true });
    const tmp = `${this.file}.tmp`;
    const handle = await fs.promises.open(tmp, 'w');
    try {
      await handle.writeFile(JSON.stringify({ version: 1, files }) + '\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(tmp, this.file);
    const dirHandle = await fs.promises.open(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  }
}
