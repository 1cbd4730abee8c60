/**
 * One Panther-format JSON line per record, escaped as Panther (Go's encoding/json) writes it:
 * `<`, `>`, `&`, U+2028 and U+2029 as \u escapes, and a lone surrogate as U+FFFD (Go cannot hold
 * one), which JSON.stringify writes differently. The native stringify does the work; the rewrite
 * runs only on the rare line that needs it.
 */
import { stringifyLossless } from '../../core/json-lossless';

const NEEDS_GO_ESCAPES = /[<>&\u2028\u2029]|\\ud[89a-f]/;
const GO_ESCAPES = /[<>&\u2028\u2029]|(\\+)(ud[89a-f][0-9a-f]{2})/g;
const GO_ESCAPE_OF: Record<string, string> = {
  '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029',
};

export function toPantherLine(panther: Record<string, unknown>): string {
  const json = stringifyLossless(panther);
  return NEEDS_GO_ESCAPES.test(json) ? json.replace(GO_ESCAPES, goEscape) : json;
}

function goEscape(match: string, slashes: string | undefined, surrogate: string | undefined): string {
  if (slashes === undefined) return GO_ESCAPE_OF[match];
  // An odd run of backslashes ends in an escape: JSON.stringify's mark of a lone surrogate.
  // An even run is escaped backslashes followed by plain text `ud800`.
  return slashes.length % 2 === 1 ? `${slashes.slice(1)}\uFFFD` : `${slashes}${surrogate}`;
}

/** The text goEscape rewrites, as UTF-8 bytes: a line holding none of these is written as is. */
const NEEDLES = ['<', '>', '&', '\u2028', '\u2029', '\\ud'].map((s) => Buffer.from(s, 'utf8'));

/**
 * Panther lines, each followed by `\n`, encoded straight into one growing buffer: the same bytes as
 * `Buffer.from(lines.map(toPantherLine).join('\n') + '\n')` without the joined copy. Lines are
 * JSON.stringify output (`stringifyLossless`); the Go escapes are applied afterwards, by a few
 * native searches over the whole buffer rather than a regex per line, and only the lines that hold
 * a match are rewritten.
 */
export class PantherLines {
  private buf: Buffer;
  private length = 0;
  /** Byte offset where each line starts. */
  private readonly starts: number[] = [];

  /** `expectedBytes`: the first allocation; the buffer grows if the lines need more. */
  constructor(expectedBytes: number) {
    this.buf = Buffer.allocUnsafe(Math.max(4096, expectedBytes));
  }

  get count(): number {
    return this.starts.length;
  }

  get byteLength(): number {
    return this.length;
  }

  /** Appends one line of JSON text (no Go escapes applied yet). */
  add(json: string): void {
    // A UTF-16 code unit takes at most 3 UTF-8 bytes; Buffer#write silently truncates, so make room first.
    if (this.buf.length - this.length < json.length * 3 + 1) this.grow(json.length * 3 + 1);
    this.starts.push(this.length);
    this.length += this.buf.write(json, this.length);
    this.buf[this.length++] = 0x0a;
  }

  /** The finished bytes. The instance must not be used afterwards. */
  finish(): Buffer {
    const bytes = this.buf.subarray(0, this.length);
    const marked = this.linesToEscape(bytes);
    if (marked.length === 0) return bytes;
    // Rare lines: rewrite them as toPantherLine does, copy the rest as is.
    const parts: Buffer[] = [];
    let from = 0;
    for (const i of marked) {
      const start = this.starts[i];
      const end = i + 1 < this.starts.length ? this.starts[i + 1] - 1 : this.length - 1;
      const json = bytes.toString('utf8', start, end);
      parts.push(bytes.subarray(from, start), Buffer.from(json.replace(GO_ESCAPES, goEscape), 'utf8'));
      from = end;
    }
    parts.push(bytes.subarray(from));
    return Buffer.concat(parts);
  }

  /** Indexes, ascending, of the lines holding any needle. */
  private linesToEscape(bytes: Buffer): number[] {
    let marked: Set<number> | undefined;
    for (const needle of NEEDLES) {
      for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) {
        const line = this.lineAt(at);
        (marked ??= new Set()).add(line);
        // Go on after this line: one mark per line is enough.
        const next = line + 1 < this.starts.length ? this.starts[line + 1] : bytes.length;
        at = next - 1;
      }
    }
    return marked === undefined ? [] : [...marked].sort((a, b) => a - b);
  }

  private lineAt(offset: number): number {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private grow(needed: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + needed));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
}
