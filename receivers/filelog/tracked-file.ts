/**
 * One file the receiver knows, identified by its fingerprint: where it is now (path, `dev:ino`,
 * open descriptor), how far it was read and how far acknowledged. `read` turns its bytes into
 * batches and hands them to the consumer through an AckWindow (at most `max_batches_in_flight`
 * awaiting acknowledgement; `acked` moves only in reading order, so a checkpoint never passes a
 * line still in flight). On a failed batch it rewinds to the last acknowledged line.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import type { Consumer } from '../../core/component';
import { AckWindow } from '../../core/ack-window';
import { newRecord, nowUnixNano, type LogRecord } from '../../core/record';
import { LineSplitter, type LineSink } from '../../core/line-splitter';

/** What a file's reader needs from the receiver. */
export interface ReadContext {
  readonly consumer: Consumer;
  readonly component: string;
  readonly maxBatchSize: number;
  readonly maxBatchesInFlight: number;
  readonly maxLogSize: number;
  stopping(): boolean;
  /** Whether the receiver's files hold less than max_bytes_in_flight of lines read and unacknowledged. */
  hasRoom(): boolean;
  /** Resolves when a batch of any file settled, or after a while: time to check hasRoom again. */
  roomChanged(): Promise<void>;
  /** The file's acknowledged position moved: persist it. */
  acknowledged(file: TrackedFile): void;
  /** Lines handed to the consumer, for progress. */
  counted(lines: number): void;
}

interface Position {
  readonly offset: number;
  readonly line: number;
}

interface Batch extends Position {
  readonly records: LogRecord[];
}

/** Bytes read per call: large enough to amortize the syscall, small enough to keep memory flat. */
const CHUNK_BYTES = 256 * 1024;
/** A batch is cut at this many bytes even below max_batch_size, bounding memory per batch. */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;
/** Bytes of an over-long line kept in its dead-letter record. */
const TOO_LONG_PREFIX_BYTES = 16 * 1024;

export class TrackedFile implements LineSink {
  path: string;
  /** `dev:ino` while bound to a file on disk; undefined once retired (kept for its checkpoint). */
  key: string | undefined;
  fd: number | undefined;
  gzip = false;
  /** Next byte to read (decompressed stream for archives); bytes of a pending partial line are included. */
  readOffset: number;
  /** Complete lines before `readOffset` (1-based number of the last one); meaningless when `linesKnown` is false. */
  readLine: number;
  linesKnown: boolean;
  /** The checkpoint: after the last acknowledged line. */
  ackedOffset: number;
  ackedLine: number;
  /** An archive read to its end and acknowledged. */
  complete = false;
  busy = false;
  /** Bound file no longer found by the glob: finish it through the open descriptor, then retire. */
  lost = false;
  lostDrained = false;
  /** Size and mtime seen at the last poll, to skip re-fingerprinting unchanged files. */
  lastSize = -1;
  lastMtimeMs = -1;
  /** An archive's compressed size when last read, to retry a truncated archive only when it changed. */
  triedSize = -1;
  lastActive = Date.now();
  /** Not before (ms epoch): backoff after a failed batch. */
  retryAt = 0;

  private readonly window: AckWindow<Position>;
  private readonly splitter: LineSplitter;
  private records: LogRecord[] = [];
  private batchBytes = 0;
  private batchEnd: Position;
  /** End of the last batch cut, to avoid empty batches that would not move the checkpoint. */
  private cutOffset: number;
  private ready: Batch[] = [];
  private observed = 0n;
  private readonly componentId: string;

  constructor(
    public fingerprint: Buffer,
    start: { path: string; offset: number; line: number; linesKnown: boolean; complete?: boolean },
    private readonly ctx: ReadContext,
  ) {
    this.path = start.path;
    this.readOffset = this.ackedOffset = start.offset;
    this.readLine = this.ackedLine = start.line;
    this.linesKnown = start.linesKnown;
    this.complete = start.complete ?? false;
    this.batchEnd = { offset: start.offset, line: start.line };
    this.cutOffset = start.offset;
    this.componentId = ctx.component;
    this.splitter = new LineSplitter(ctx.maxLogSize, TOO_LONG_PREFIX_BYTES, this);
    this.window = new AckWindow(ctx.consumer, ctx.maxBatchesInFlight, (reached) => {
      this.ackedOffset = reached.offset;
      this.ackedLine = reached.line;
      ctx.acknowledged(this);
    });
  }

  /**
   * Bytes of complete lines read and not yet acknowledged: lines not handed over yet, batches in
   * flight. Not a partial line: it may never end, and what is counted here must be on its way to
   * an acknowledgement (a file hands its lines over before it waits), or files could wait on
   * each other for ever.
   */
  get heldBytes(): number {
    const end = this.batchEnd.offset;
    return end > this.ackedOffset ? end - this.ackedOffset : 0;
  }

  /** LineSink: a complete line. Blank lines are counted (line numbers stay true) but not sent. */
  line(text: string, offset: number, next: number): void {
    this.readLine++;
    if (text.length > 0) {
      const position = this.linesKnown ? { source: this.path, line: this.readLine, offset } : { source: this.path, offset };
      this.records.push(newRecord(text, position, this.observed));
      this.batchBytes += next - offset;
    }
    this.endLine(next);
  }

  /** LineSink: a line over max_log_size becomes a refused record, dead-lettered by the core. */
  tooLong(prefix: string, offset: number, length: number, next: number): void {
    this.readLine++;
    const position = this.linesKnown ? { source: this.path, line: this.readLine, offset } : { source: this.path, offset };
    const record = newRecord(prefix, position, this.observed);
    record.refusal = {
      code: 'line_too_long',
      reason: `line of ${length} bytes is longer than max_log_size (${this.ctx.maxLogSize} bytes); its first ${Buffer.byteLength(prefix)} bytes are kept`,
      component: this.componentId,
    };
    this.records.push(record);
    this.batchBytes += TOO_LONG_PREFIX_BYTES;
    this.endLine(next);
  }

  private endLine(next: number): void {
    this.batchEnd = { offset: next, line: this.readLine };
    if (this.records.length >= this.ctx.maxBatchSize || this.batchBytes >= MAX_BATCH_BYTES) this.cut();
  }

  /** Closes the current batch (even an empty one, so the checkpoint passes skipped blank lines). */
  private cut(): void {
    if (this.records.length === 0 && this.batchEnd.offset === this.cutOffset) return;
    this.ready.push({ records: this.records, offset: this.batchEnd.offset, line: this.batchEnd.line });
    this.cutOffset = this.batchEnd.offset;
    this.records = [];
    this.batchBytes = 0;
  }

  /**
   * Reads from `readOffset` to the end of the file. `final`: the input will not grow (--once, or
   * a file that left the glob), so a last line without newline is a line. Resolves when every batch
   * it sent settled; returns false when a batch failed and the file was rewound to its checkpoint.
   */
  async read(final: boolean): Promise<boolean> {
    let eof = false;
    let error: unknown;
    try {
      eof = this.gzip ? await this.readGzip() : await this.readPlain();
    } catch (err) {
      error = err;
    }
    if (error === undefined && eof && this.window.failure === undefined && !this.ctx.stopping()) {
      if (final || this.gzip) this.splitter.flush();
      this.cut();
      await this.sendReady();
    }
    await this.window.settled();
    if (error !== undefined || this.window.failure !== undefined) {
      this.rewind();
      if (error !== undefined) throw new Error(`${this.path}: ${describeReadError(error, this.gzip)}`, { cause: error });
      return false;
    }
    if (eof && this.gzip && this.ackedOffset === this.readOffset) {
      this.complete = true;
      this.ctx.acknowledged(this);
    }
    return true;
  }

  private async readPlain(): Promise<boolean> {
    const fd = this.fd!;
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    while (!this.ctx.stopping() && this.window.failure === undefined) {
      if (!this.ctx.hasRoom()) {
        await this.waitForRoom();
        continue;
      }
      // No await from the check to the read: files woken together each see the others' reads.
      const n = fs.readSync(fd, buf, 0, buf.length, this.readOffset);
      if (n === 0) return true;
      this.observed = nowUnixNano();
      const position = this.readOffset;
      this.readOffset += n;
      this.splitter.push(n === buf.length ? buf : buf.subarray(0, n), position);
      await this.sendReady();
    }
    return false;
  }

  private async readGzip(): Promise<boolean> {
    // A stream of its own descriptor: a stream that fails closes its descriptor whatever autoClose says.
    const fd = fs.openSync(this.path, 'r');
    const st = fs.fstatSync(fd);
    if (`${st.dev}:${st.ino}` !== this.key) {
      fs.closeSync(fd);
      return false; // replaced since the poll; the next poll sorts it out
    }
    const source = fs.createReadStream('', { fd, start: 0, autoClose: true, highWaterMark: CHUNK_BYTES });
    const gunzip = zlib.createGunzip({ chunkSize: CHUNK_BYTES });
    source.on('error', (err) => gunzip.destroy(err));
    source.pipe(gunzip);
    let position = 0;
    try {
      for await (const chunk of gunzip as AsyncIterable<Buffer>) {
        if (this.ctx.stopping() || this.window.failure !== undefined) return false;
        const end = position + chunk.length;
        if (end > this.readOffset && !this.ctx.hasRoom()) {
          await this.waitForRoom();
          if (this.ctx.stopping() || this.window.failure !== undefined) return false;
        }
        if (end > this.readOffset) {
          // Before readOffset: already read (checkpoint or a plain file this archive was made from).
          const from = Math.max(0, this.readOffset - position);
          this.observed = nowUnixNano();
          this.splitter.push(from === 0 ? chunk : chunk.subarray(from), position + from);
          this.readOffset = end;
          await this.sendReady();
        }
        position = end;
      }
      return true;
    } finally {
      source.unpipe(gunzip);
      source.destroy();
      gunzip.destroy();
    }
  }

  /**
   * The receiver's files hold max_bytes_in_flight: hands over what this file has read (so that
   * its bytes are in flight, and will be acknowledged), then waits until there is room.
   */
  private async waitForRoom(): Promise<void> {
    this.cut();
    await this.sendReady();
    while (!this.ctx.hasRoom() && !this.ctx.stopping() && this.window.failure === undefined) await this.ctx.roomChanged();
  }

  private async sendReady(): Promise<void> {
    while (this.ready.length > 0) {
      const batch = this.ready.shift()!;
      await this.send(batch);
    }
  }

  private async send(batch: Batch): Promise<void> {
    if (batch.records.length > 0) {
      this.lastActive = Date.now();
      this.ctx.counted(batch.records.length);
    }
    await this.window.send(batch.records, { offset: batch.offset, line: batch.line });
  }

  /** Back to the checkpoint: lines after it are read again (at-least-once), nothing is skipped. */
  rewind(): void {
    this.window.reset();
    this.readOffset = this.ackedOffset;
    this.readLine = this.ackedLine;
    this.batchEnd = { offset: this.ackedOffset, line: this.ackedLine };
    this.cutOffset = this.ackedOffset;
    this.splitter.reset();
    this.records = [];
    this.batchBytes = 0;
    this.ready = [];
  }

  closeFd(): void {
    if (this.fd === undefined) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed: nothing to release
    }
    this.fd = undefined;
  }
}

function describeReadError(error: unknown, gzip: boolean): string {
  const e = error as NodeJS.ErrnoException;
  if (gzip && typeof e.code === 'string' && e.code.startsWith('Z_')) return `gzip data is truncated or corrupt (${e.message}); lines before it were read`;
  return `read failed: ${e.code ?? e.message}`;
}
