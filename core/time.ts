/**
 * RFC 3339 timestamps with full nanosecond precision (Date keeps only milliseconds). One rule of
 * validity for every consumer, strict as Go's time.Parse(time.RFC3339), which Panther uses:
 * upper-case `T`, `Z` or a `±hh:mm` offset, seconds 0-59, a real calendar day, 0 to 9 fractional
 * digits. So an event time the schema processor refuses is also unknown (0) to the OTLP encoders.
 */

const STRICT_RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-](\d{2}):(\d{2}))$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

// Consecutive audit events mostly share their second: remember the last whole-second UTC prefix
// (`YYYY-MM-DDTHH:MM:SS`) and its value, so the common case is a string compare and the fraction.
let lastPrefix = '';
let lastSecondsNano = 0n;

/** Nanoseconds since the epoch, or undefined when `text` is not RFC 3339 (0 to 9 fractional digits). */
export function rfc3339ToUnixNano(text: string): bigint | undefined {
  const n = text.length;
  if (n >= 20 && n <= 30 && text.charCodeAt(n - 1) === 90 /* Z */ && text.startsWith(lastPrefix) && lastPrefix !== '') {
    const rest = text.slice(19, n - 1);
    if (rest === '') return lastSecondsNano;
    if (/^\.\d{1,9}$/.test(rest)) return lastSecondsNano + BigInt(rest.slice(1).padEnd(9, '0'));
  }
  const parsed = parseFull(text);
  if (parsed !== undefined && text.endsWith('Z') && text[10] === 'T') {
    lastPrefix = text.slice(0, 19);
    lastSecondsNano = parsed - (parsed % 1_000_000_000n + 1_000_000_000n) % 1_000_000_000n;
  }
  return parsed;
}

function parseFull(text: string): bigint | undefined {
  const m = STRICT_RFC3339.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone, oh, om] = m;
  const sign = zone === 'Z' ? undefined : zone[0];
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  if (sign && (Number(oh) > 23 || Number(om) > 59)) return undefined;
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0-99 to 1900-1999, and Teleport writes
  // 0001-01-01T00:00:00Z for "never".
  const date = new Date(0);
  date.setUTCFullYear(Number(y), month - 1, day);
  date.setUTCHours(Number(h), Number(mi), Number(s));
  let ms = date.getTime();
  if (Number.isNaN(ms) || date.getUTCDate() !== day) return undefined;
  if (sign) ms -= (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  const nanos = frac ? Number(frac.padEnd(9, '0')) : 0;
  return BigInt(ms) * 1_000_000n + BigInt(nanos);
}

/** `YYYY-MM-DD HH:MM:SS.fffffffff` in UTC, as Panther writes timestamps. */
export function formatPantherTime(unixNano: bigint): string {
  const seconds = unixNano >= 0n ? unixNano / 1_000_000_000n : (unixNano - 999_999_999n) / 1_000_000_000n;
  const nanos = Number(unixNano - seconds * 1_000_000_000n);
  const iso = new Date(Number(seconds) * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${String(nanos).padStart(9, '0')}`;
}

const NINE_ZEROS = '000000000';

/**
 * RFC 3339 straight to Panther's `YYYY-MM-DD HH:MM:SS.fffffffff` (UTC), or undefined when `text` is
 * not a valid RFC 3339 date-time (the rule above). UTC input, by far the common case, is rewritten
 * as text without any date arithmetic.
 */
export function rfc3339ToPantherTime(text: string): string | undefined {
  const utc = utcToPantherTime(text);
  if (utc !== undefined) return utc === '' ? undefined : utc;
  const m = STRICT_RFC3339.exec(text);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 59) return undefined;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1] + (leap ? 1 : 0)) return undefined;
  const frac = m[7] === undefined ? NINE_ZEROS : m[7] + NINE_ZEROS.slice(m[7].length);
  if (m[8] === 'Z') return `${text.slice(0, 10)} ${text.slice(11, 19)}.${frac}`;
  if (Number(m[9]) > 23 || Number(m[10]) > 59) return undefined;
  const nanos = rfc3339ToUnixNano(text);
  return nanos === undefined ? undefined : formatPantherTime(nanos);
}

/**
 * The hot path of rfc3339ToPantherTime, without a regex or its match array: `YYYY-MM-DDTHH:MM:SS`,
 * an optional fraction and `Z`. Returns the Panther time, '' when the text has this layout but is
 * no valid time, or undefined when it has another layout (left to the full parser).
 */
function utcToPantherTime(text: string): string | undefined {
  const n = text.length;
  if (n < 20 || n > 30 || n === 21 || text.charCodeAt(n - 1) !== 0x5a /* Z */) return undefined;
  if (n > 20 && text.charCodeAt(19) !== 0x2e /* . */) return undefined;
  for (let i = 20; i < n - 1; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  let prefix: string;
  // Consecutive events mostly share their second: its 19 characters were checked already.
  if (lastUtcIn !== '' && text.startsWith(lastUtcIn)) {
    prefix = lastUtcOut;
  } else {
    const valid = utcSecondValid(text);
    if (valid !== true) return valid;
    // A flat string, made once per second: it is the left part of every result of that second.
    prefix = [text.slice(0, 10), ' ', text.slice(11, 19), '.'].join('');
    lastUtcIn = text.slice(0, 19);
    lastUtcOut = prefix;
  }
  // Concatenation makes a rope, which JSON.stringify flattens once; measured cheaper in all than
  // building a flat string here with Array.join (an array and a builtin call per value).
  return n === 20 ? prefix + NINE_ZEROS : prefix + text.slice(20, n - 1) + NINE_ZEROS.slice(n - 21);
}

let lastUtcIn = '';
let lastUtcOut = '';

/** Whether `YYYY-MM-DDTHH:MM:SS` at the start of `text` is a real UTC second: true, '' (invalid) or undefined (other layout). */
function utcSecondValid(text: string): true | '' | undefined {
  if (text.charCodeAt(4) !== 0x2d || text.charCodeAt(7) !== 0x2d || text.charCodeAt(10) !== 0x54 /* T */
    || text.charCodeAt(13) !== 0x3a || text.charCodeAt(16) !== 0x3a) return undefined;
  for (let i = 0; i < 19; i++) {
    if (i === 4 || i === 7 || i === 10 || i === 13 || i === 16) continue;
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  const year = num(text, 0, 4);
  const month = num(text, 5, 7);
  const day = num(text, 8, 10);
  if (month < 1 || month > 12 || day < 1 || num(text, 11, 13) > 23 || num(text, 14, 16) > 59 || num(text, 17, 19) > 59) return '';
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1] + (leap ? 1 : 0)) return '';
  return true;
}

function num(text: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) v = v * 10 + text.charCodeAt(i) - 0x30;
  return v;
}

/**
 * Nanoseconds since midnight of `HH:MM:SS[.fraction]` at text[11, end), as the strict RFC 3339
 * rule reads it (hours 0-23, minutes and seconds 0-59); -1 when it is anything else.
 */
export function timeOfDayNanos(text: string, end: number): number {
  if (text.charCodeAt(13) !== 0x3a /* : */ || text.charCodeAt(16) !== 0x3a) return -1;
  const h = twoDigits(text, 11);
  const m = twoDigits(text, 14);
  const s = twoDigits(text, 17);
  if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 59) return -1;
  const fraction = fractionNanos(text, 19, end);
  if (fraction < 0) return -1;
  return ((h * 60 + m) * 60 + s) * 1e9 + fraction;
}

function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 0x30;
  const b = text.charCodeAt(at + 1) - 0x30;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/**
 * Nanoseconds of the fraction in text[from, to): '' (no fraction) is 0, `.` + 1-9 digits is
 * read, anything else is -1.
 */
function fractionNanos(text: string, from: number, to: number): number {
  if (from === to) return 0;
  const digits = to - from - 1;
  if (text.charCodeAt(from) !== 0x2e /* . */ || digits < 1 || digits > 9) return -1;
  let v = 0;
  for (let i = from + 1; i < to; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v * POW10[9 - digits];
}

