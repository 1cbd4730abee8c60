/**
 * Splits a byte stream into lines while keeping each line's byte offset, so a checkpoint can name
 * the exact byte after the last acknowledged line. Bytes are handed in as they are read (in chunks
 * of any size); a line without its newline yet is held until the newline arrives, and a line longer
 * than `maxLineBytes` is reported with a bounded prefix instead of being accumulated, so one huge
 * line can neither exhaust memory nor block the file.
 */
import { isAscii } from 'node:buffer';

export interface LineSink {
  /** A complete line (without its `\n`), the offset of its first byte and the offset after its newline. */
  line(text: string, offset: number, next: number): void;
  /** A line over the limit: its first bytes, its full length, and the offset after its newline. */
  tooLong(prefix: string, offset: number, length: number, next: number): void;
}

/** Bytes decoded into one string at most (V8 allocates strings over ~128 KiB as large objects). */
const REGION_BYTES = 32 * 1024;

export class LineSplitter {
  /** The pending (unterminated) line, as copies: the read buffer is reused by the caller. */
  private carry: Buffer[] = [];
  private carryLength = 0;
  private carryOffset = 0;
  /** Set while discarding the rest of an over-long line. */
  private skipping: { offset: number; length: number; prefix: string } | undefined;

  constructor(
    private readonly maxLineBytes: number,
    private readonly prefixBytes: number,
    private readonly sink: LineSink,
  ) {}

  /** Bytes held for a line whose newline has not arrived yet. */
  get pendingBytes(): number {
    return this.skipping ? this.skipping.length : this.carryLength;
  }

  /** Feeds `chunk`, whose first byte is at `position` in the stream. The chunk may be reused afterwards. */
  push(chunk: Buffer, position: number): void {
    let i = 0;
    if (this.skipping !== undefined || this.carryLength > 0) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.hold(chunk, position);
        return;
      }
      this.finishPending(chunk, nl, position);
      i = nl + 1;
    }
    if (i < chunk.length) i = this.splitComplete(chunk, i, position);
    if (i < chunk.length) this.hold(chunk.subarray(i), position + i);
  }

  /** At the end of a finite input: a final line without newline is still a line. */
  flush(): void {
    const s = this.skipping;
    if (s !== undefined) {
      this.skipping = undefined;
      this.sink.tooLong(s.prefix, s.offset, s.length, s.offset + s.length);
    } else if (this.carryLength > 0) {
      const text = stripCr(Buffer.concat(this.carry, this.carryLength).toString('utf8'));
      const offset = this.carryOffset;
      const next = offset + this.carryLength;
      this.reset();
      this.sink.line(text, offset, next);
    }
  }

  /** Forgets any pending bytes (the reader rewinds to a checkpoint). */
  reset(): void {
    this.carry = [];
    this.carryLength = 0;
    this.skipping = undefined;
  }

  /** Emits every complete line of `chunk` from `start`; returns the index after the last newline. */
  private splitComplete(chunk: Buffer, start: number, position: number): number {
    const last = chunk.lastIndexOf(10);
    if (last < start) return start;
    let i = start;
    while (i <= last) {
      // A region of whole lines, at most REGION_BYTES unless one line is longer.
      let end = i + REGION_BYTES >= last ? last : chunk.lastIndexOf(10, i + REGION_BYTES - 1);
      if (end < i) end = chunk.indexOf(10, i);
      this.splitRegion(chunk, i, end, position);
      i = end + 1;
    }
    return i;
  }

  /**
   * Emits the lines of chunk[start, last], which ends with a newline. Audit lines are almost always
   * ASCII: decoding the region once and slicing strings is several times faster than one UTF-8
   * decode per line, and string indices are byte offsets. The lines are slices that keep their
   * region's string alive, so regions stay well under V8's large-object size: a string above it
   * is allocated in the old generation and freed only by a full GC, which let every chunk read
   * pile up there between full GCs.
   */
  private splitRegion(chunk: Buffer, start: number, last: number, position: number): void {
    if (isAscii(chunk.subarray(start, last))) {
      const text = chunk.toString('latin1', start, last + 1);
      let i = 0;
      for (;;) {
        const nl = text.indexOf('\n', i);
        if (nl < 0) break;
        this.emit(chunk, text, start + i, start + nl, position, i, nl);
        i = nl + 1;
      }
      return;
    }
    let i = start;
    while (i <= last) {
      const nl = chunk.indexOf(10, i);
      this.emit(chunk, undefined, i, nl, position, 0, 0);
      i = nl + 1;
    }
  }

  /** One complete line at chunk[from, to); `text` is the ASCII-decoded region when available. */
  private emit(chunk: Buffer, text: string | undefined, from: number, to: number, position: number, tFrom: number, tTo: number): void {
    const length = to - from;
    if (length > this.maxLineBytes) {
      const prefix = chunk.toString('utf8', from, from + Math.min(this.prefixBytes, length));
      this.sink.tooLong(prefix, position + from, length, position + to + 1);
      return;
    }
    const line = text !== undefined ? text.slice(tFrom, tTo) : chunk.toString('utf8', from, to);
    this.sink.line(stripCr(line), position + from, position + to + 1);
  }

  /** The pending line ends at chunk[nl]. */
  private finishPending(chunk: Buffer, nl: number, position: number): void {
    const s = this.skipping;
    if (s !== undefined) {
      this.skipping = undefined;
      this.sink.tooLong(s.prefix, s.offset, s.length + nl, position + nl + 1);
      return;
    }
    const length = this.carryLength + nl;
    const offset = this.carryOffset;
    if (length > this.maxLineBytes) {
      const head = Buffer.concat([...this.carry, chunk.subarray(0, nl)], length);
      this.reset();
      this.sink.tooLong(head.toString('utf8', 0, Math.min(this.prefixBytes, length)), offset, length, position + nl + 1);
      return;
    }
    this.carry.push(chunk.subarray(0, nl));
    const text = Buffer.concat(this.carry, length).toString('utf8');
    this.reset();
    this.sink.line(stripCr(text), offset, position + nl + 1);
  }

  /** Keeps `part` (no newline in it) as the continuation of the pending line. */
  private hold(part: Buffer, position: number): void {
    if (this.skipping !== undefined) {
      this.skipping.length += part.length;
      return;
    }
    if (this.carryLength === 0) this.carryOffset = position;
    if (this.carryLength + part.length > this.maxLineBytes) {
      // Over the limit before its end: keep only a prefix and count the rest.
      const head = Buffer.concat([...this.carry, part.subarray(0, Math.max(0, this.prefixBytes - this.carryLength))]);
      this.skipping = {
        offset: this.carryOffset,
        length: this.carryLength + part.length,
        prefix: head.toString('utf8', 0, Math.min(this.prefixBytes, head.length)),
      };
      this.carry = [];
      this.carryLength = 0;
      return;
    }
    this.carry.push(Buffer.from(part));
    this.carryLength += part.length;
  }
}

function stripCr(line: string): string {
  return line.length > 0 && line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}
