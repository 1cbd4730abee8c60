/**
 * Protobuf wire-format writing into a growable scratch buffer: length-delimited fields whose
 * length prefix is reserved up front and patched afterwards, strings, varints, fixed-width
 * integers. The OTLP message layout lives in proto.ts; this file knows nothing of OTLP.
 */

/** Strings shorter than this are copied by a JavaScript loop while ASCII; longer ones natively. */
const SHORT = 24;

/**
 * Buffer#write(s, offset, length, 'utf8') without its argument checks: Node's own `utf8Write`,
 * which `write` calls (not part of the documented API, hence the fallback).
 */
type Utf8Writable = Buffer & { utf8Write?(s: string, offset: number, length: number): number };
const utf8Write: (buf: Buffer, s: string, offset: number, length: number) => number =
  typeof (Buffer.prototype as Utf8Writable).utf8Write === 'function'
    ? (buf, s, offset, length) => (buf as Utf8Writable).utf8Write!(s, offset, length)
    : (buf, s, offset, length) => buf.write(s, offset, length, 'utf8');

/** Smallest buffer a message starts in. */
const MIN_START = 64 * 1024;

/** Message buffers kept for reuse: one per request being compressed at once, as senders go. */
const MAX_RECYCLED = 4;

/**
 * Base of encoders: not reentrant, no I/O. A message is written into a buffer that the caller then
 * owns (`takeMessage`): no copy out. The next message starts in a new buffer sized after the last
 * one, so a message of the usual size is written with no growth and no copy at all.
 */
export class ProtoWriter {
  protected buf: Buffer = Buffer.allocUnsafe(0);
  protected pos = 0;
  /** Size of the last message taken: what the next one most likely needs. */
  private lastSize = MIN_START;

  /** Kept between calls for content that is copied out anyway (startScratch). */
  private scratch: Buffer = EMPTY;
  /** Buffers of messages their owner is done with (recycle), for the next messages. */
  private readonly recycled: Buffer[] = [];

  /** Starts a message in a recycled or fresh buffer, for takeMessage. */
  protected startMessage(): void {
    // A sixteenth more than last time: a batch a little larger than the last still fits. New
    // buffers get a quarter more, so that reused ones keep fitting as batches vary.
    const size = Math.max(MIN_START, this.lastSize + (this.lastSize >>> 4));
    let buf = this.recycled.pop();
    while (buf !== undefined && buf.length < size) buf = this.recycled.pop();
    this.buf = buf ?? Buffer.allocUnsafe(Math.max(MIN_START, this.lastSize + (this.lastSize >>> 2)));
    this.pos = 0;
  }

  /**
   * Gives back a message taken from this writer once nothing reads it any more, for a later
   * message to be written into. Request bodies are large and short-lived: fresh ones are freed
   * only when V8 gets to their garbage, and dozens of megabytes of them would wait for it.
   */
  recycle(message: Uint8Array): void {
    // Only whole buffers a message started in (never a slice of Node's shared small-buffer pool).
    if (message.byteOffset !== 0 || message.buffer.byteLength < MIN_START || this.recycled.length >= MAX_RECYCLED) return;
    this.recycled.push(Buffer.from(message.buffer, 0, message.buffer.byteLength));
  }

  /** Starts writing into the reused scratch space; the caller copies what it needs, then endScratch. */
  protected startScratch(): void {
    this.buf = this.scratch.length > 0 ? this.scratch : Buffer.allocUnsafeSlow(MIN_START);
    this.pos = 0;
  }

  protected endScratch(): void {
    this.scratch = this.buf;
    this.buf = EMPTY;
    this.pos = 0;
  }

  /** Bytes a length prefix of a message as large as the last one takes: a guess for the outer messages. */
  protected outerLengthBytes(): number {
    return varintSize(this.lastSize);
  }

  /** The message written since startMessage, handed over: the writer keeps no reference to it. */
  protected takeMessage(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.lastSize = this.pos;
    this.buf = EMPTY;
    this.pos = 0;
    return out;
  }

  /**
   * Writes the tag of length-delimited field `field` and reserves `reserved` bytes for its
   * length; returns where the content starts, for `end`.
   */
  protected begin(field: number, reserved: number): number {
    this.ensure(reserved + 2);
    this.tag(field);
    this.pos += reserved;
    return this.pos;
  }

  /** Writes the content length into the reserved bytes, moving the content if it needs more or fewer. */
  protected end(start: number, reserved: number): void {
    const len = this.pos - start;
    const size = varintSize(len);
    if (size !== reserved) {
      const shift = size - reserved;
      this.ensure(shift > 0 ? shift : 0);
      this.buf.copyWithin(start + shift, start, this.pos);
      this.pos += shift;
    }
    let at = start + (size - reserved) - size;
    const buf = this.buf;
    let v = len;
    while (v > 0x7f) {
      buf[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[at] = v;
  }

  protected string(field: number, s: string): void {
    const n = s.length;
    if (n < SHORT) {
      // ASCII copied by a loop; the length is then n, one byte.
      this.ensure(n + 2);
      const buf = this.buf;
      this.tag(field);
      const p = copyAscii(buf, this.pos + 1, s);
      if (p >= 0) {
        buf[this.pos] = n;
        this.pos = p;
        return;
      }
    } else {
      this.ensure(2);
      this.tag(field);
    }
    // Longer or not ASCII: one native call writes it, after a length prefix sized for ASCII
    // (the common case); a wrong guess moves the bytes once.
    const reserved = varintSize(n);
    this.ensure(reserved + n * 3);
    const start = this.pos + reserved;
    this.pos = start + utf8Write(this.buf, s, start, n * 3);
    this.end(start, reserved);
  }

  protected tag(field: number): void {
    // Length-delimited (wire type 2); every field number used here is below 16 (one byte).
    this.buf[this.pos++] = (field << 3) | 2;
  }

  protected varint(v: number): void {
    while (v > 0x7f) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  /** int64 as a varint: negatives in two's complement (10 bytes). */
  protected int64(v: bigint): void {
    let u = BigInt.asUintN(64, v);
    if (u <= 0xffffffffn) {
      this.varint(Number(u));
      return;
    }
    while (u > 0x7fn) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
  }

  protected uint32(v: number): void {
    const buf = this.buf;
    const p = this.pos;
    buf[p] = v & 0xff;
    buf[p + 1] = (v >>> 8) & 0xff;
    buf[p + 2] = (v >>> 16) & 0xff;
    buf[p + 3] = v >>> 24;
    this.pos = p + 4;
  }

  protected fixed64(v: bigint): void {
    if (v === 0n) {
      this.buf.fill(0, this.pos, this.pos + 8);
    } else {
      this.buf.writeBigUInt64LE(BigInt.asUintN(64, v), this.pos);
    }
    this.pos += 8;
  }

  /** Room for `n` more bytes, growing the scratch buffer (offsets stay valid: they are indices). */
  protected ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.pos + n, MIN_START));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}

const EMPTY = Buffer.allocUnsafe(0);

/**
 * Copies `s` byte for byte into `buf` from `at` while it is ASCII, the common case of short keys
 * and values, where a loop beats a native UTF-8 write; returns where it ended, or -1 at the first
 * non-ASCII character (what was copied is then to be overwritten). The caller ensured the room.
 */
export function copyAscii(buf: Buffer, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return -1;
    buf[at++] = c;
  }
  return at;
}

export function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}
