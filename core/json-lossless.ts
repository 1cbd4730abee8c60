/**
 * JSON.parse loses digits of integers beyond 2^53 (48-digit certificate serials, 64-bit counters).
 * This parser returns such integers as `bigint` and everything else exactly as JSON.parse does.
 * It is slower than JSON.parse, so callers use it only when `mayHoldUnsafeInteger` says a line
 * might need it, keeping the common path on the native parser.
 */
import { jsonText } from './nesting';

/** True when `text` has a run of 16+ digits: the only way a JSON number can exceed 2^53 exactly. */
export function mayHoldUnsafeInteger(text: string): boolean {
  // Runs on every line: any 16 consecutive characters include exactly one position p with
  // p % 16 === 15, so only those are read, and only a digit there costs a look around it.
  const n = text.length;
  for (let p = 15; p < n; p += 16) {
    if (!isDigit(text.charCodeAt(p))) continue;
    let start = p;
    while (start > 0 && isDigit(text.charCodeAt(start - 1))) start--;
    let end = p + 1;
    while (end < n && isDigit(text.charCodeAt(end))) end++;
    if (end - start >= 16) return true;
  }
  return false;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Parses `text` like JSON.parse, but integers outside the safe range come back as bigint. */
export function parseLossless(text: string): unknown {
  const p = new Parser(text);
  p.ws();
  const value = p.value();
  p.ws();
  if (p.pos !== text.length) p.fail('unexpected data after the JSON value');
  return value;
}

class Parser {
  pos = 0;
  constructor(private readonly s: string) {}

  fail(message: string): never {
    throw new SyntaxError(`${message} at position ${this.pos}`);
  }

  ws(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      this.pos++;
    }
  }

  value(): unknown {
    const c = this.s[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    for (const [word, v] of LITERALS) {
      if (this.s.startsWith(word, this.pos)) { this.pos += word.length; return v; }
    }
    return this.fail('unexpected character');
  }

  object(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.pos++;
    this.ws();
    if (this.s[this.pos] === '}') { this.pos++; return out; }
    for (;;) {
      this.ws();
      if (this.s[this.pos] !== '"') this.fail('expected a string key');
      const key = this.string();
      this.ws();
      if (this.s[this.pos] !== ':') this.fail('expected ":"');
      this.pos++;
      this.ws();
      // defineProperty: a "__proto__" key must become data, as with JSON.parse.
      Object.defineProperty(out, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
      this.ws();
      const c = this.s[this.pos++];
      if (c === '}') return out;
      if (c !== ',') { this.pos--; this.fail('expected "," or "}"'); }
    }
  }

  array(): unknown[] {
    const out: unknown[] = [];
    this.pos++;
    this.ws();
    if (this.s[this.pos] === ']') { this.pos++; return out; }
    for (;;) {
      this.ws();
      out.push(this.value());
      this.ws();
      const c = this.s[this.pos++];
      if (c === ']') return out;
      if (c !== ',') { this.pos--; this.fail('expected "," or "]"'); }
    }
  }

  string(): string {
    const start = this.pos;
    const s = this.s;
    let i = start + 1;
    let escaped = false;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) { escaped = true; i++; }
    }
    if (i >= s.length) this.fail('unterminated string');
    this.pos = i + 1;
    const token = s.slice(start, i + 1);
    // The native parser decodes escapes exactly as JSON.parse would.
    return escaped ? (JSON.parse(token) as string) : token.slice(1, -1);
  }

  number(): number | bigint {
    const m = NUMBER.exec(this.s.slice(this.pos, this.pos + 400));
    if (!m) this.fail('invalid number');
    const token = m[0];
    this.pos += token.length;
    const n = Number(token);
    if (m[1] === undefined && m[2] === undefined && !Number.isSafeInteger(n)) return BigInt(token);
    return n;
  }
}

const LITERALS: [string, unknown][] = [['true', true], ['false', false], ['null', null]];
const NUMBER = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/;

// A bigint is written through the replacer as this marked string, then unquoted back to its digits.
const BIG_OPEN = '\u0000\u0001bigint:';
const BIG_CLOSE = '\u0001\u0000';
const BIG_MARKED = /"\\u0000\\u0001bigint:(-?\d+)\\u0001\\u0000"/g;

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${BIG_OPEN}${value}${BIG_CLOSE}` : value;
}

/**
 * JSON.stringify that writes bigint values as plain JSON integers (JSON.stringify throws on them).
 * The native call is tried first; only values that hold a bigint take the slower replacer path,
 * and only values nested too deep for the native recursion take the iterative one.
 */
export function stringifyLossless(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    if (err instanceof RangeError) return jsonText(value);
    if (!(err instanceof TypeError)) throw err;
    return JSON.stringify(value, bigintReplacer).replace(BIG_MARKED, '$1');
  }
}
