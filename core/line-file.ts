/**
 * An output file of whole lines that stays whole across crashes and failed writes. Shared by the
 * exporters that append lines to local files.
 *
 * - Opened to append, a last line without its newline (a previous run killed mid-write) is ended
 *   with one before anything is appended, so the next line does not glue onto the fragment; the
 *   fragment itself was never acknowledged (acknowledgement waits for the write and fsync), so its
 *   records are read again from the receiver's checkpoint.
 * - A write goes on until every byte is down (a short write is continued); when it fails half-way
 *   (a full disk), what it wrote is cut off again, or, if even that fails, the next write starts
 *   with a newline. Either way the call fails and nothing is acknowledged.
 * - Every failure is a `DestinationError` (no record causes it) whose message names the config key.
 *
 * Not safe for concurrent calls: the owner writes one at a time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DestinationError } from './errors';
import type { Logger } from './telemetry/logger';

export interface LineFileOptions {
  /** Config path of the setting that names the file (`exporters.file/out.path`), for errors. */
  readonly configKey: string;
  /** Keep what the file holds (else it is truncated when first opened). */
  readonly append: boolean;
  /** fdatasync after each write. */
  readonly fsync: boolean;
  readonly logger: Logger;
  /** Called when a cut-short last line was ended with a newline. */
  readonly onFragment?: () => void;
}

export class LineFile {
  private handle: fs.promises.FileHandle | undefined;
  /** Bytes known whole on disk: where a failed write is cut back to. */
  private size = 0;
  /** A failed write could not be cut back: the next one must end its fragment first. */
  private torn = false;
  /** Truncation happens once, at the first open: a later reopen must not lose acknowledged lines. */
  private truncated = false;

  constructor(readonly file: string, private readonly options: LineFileOptions) {}

  get isOpen(): boolean {
    return this.handle !== undefined;
  }

  /** Creates the directory, opens the file, repairs a cut-short last line. Idempotent. */
  async open(): Promise<void> {
    if (this.handle !== undefined) return;
    const dir = path.dirname(this.file);
    try {
      await fs.promises.mkdir(dir, { recursive: true });
    } catch (err) {
      throw this.failure(`cannot create ${dir}`, err);
    }
    let handle: fs.promises.FileHandle;
    try {
      // Always O_APPEND, so a write after a cut-back lands at the new end, never past it.
      handle = await fs.promises.open(this.file, 'a');
    } catch (err) {
      throw this.failure(`cannot open ${this.file}`, err);
    }
    try {
      if (!this.options.append && !this.truncated) await handle.truncate(0);
      this.truncated = true;
      this.size = (await handle.stat()).size;
      if (this.size > 0) await this.endFragment(handle);
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err instanceof DestinationError ? err : this.failure(`cannot read the end of ${this.file}`, err);
    }
    this.handle = handle;
  }

  private async endFragment(handle: fs.promises.FileHandle): Promise<void> {
    const last = Buffer.alloc(1);
    // A fresh read-only descriptor: the append one may be write-only.
    const reader = await fs.promises.open(this.file, 'r');
    try {
      await reader.read(last, 0, 1, this.size - 1);
    } finally {
      await reader.close();
    }
    if (last[0] === 0x0a) return;
    await this.writeAll(handle, Buffer.from('\n'));
    await handle.datasync();
    this.size += 1;
    this.options.onFragment?.();
    this.options.logger.warn(`${this.file}: its last line was cut short by an earlier run (a crash mid-write); ended it with a newline so new lines stay whole. That line does not parse; it was never acknowledged, so its records are written again`);
  }

  /** Appends `text` (whole lines) and, with fsync, makes it durable. Opens the file first if needed. */
  async append(text: string): Promise<void> {
    await this.open();
    const handle = this.handle!;
    const data = Buffer.from(this.torn ? `\n${text}` : text);
    try {
      await this.writeAll(handle, data);
      if (this.options.fsync) await handle.datasync();
    } catch (err) {
      await this.cutBack(handle);
      throw this.failure(`cannot write ${this.file}`, err);
    }
    this.torn = false;
    this.size += data.length;
  }

  private async writeAll(handle: fs.promises.FileHandle, data: Buffer): Promise<void> {
    for (let at = 0; at < data.length;) {
      const { bytesWritten } = await handle.write(data, at, data.length - at);
      if (bytesWritten <= 0) throw Object.assign(new Error(`short write: 0 of ${data.length - at} bytes`), { code: 'EIO' });
      at += bytesWritten;
    }
  }

  private async cutBack(handle: fs.promises.FileHandle): Promise<void> {
    try {
      await handle.truncate(this.size);
    } catch {
      this.torn = true;
    }
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  private failure(what: string, err: unknown): DestinationError {
    const e = err as NodeJS.ErrnoException;
    return new DestinationError('output_unwritable', `${this.options.configKey}: ${what}: ${e.code ?? e.message}`, { cause: err });
  }
}
