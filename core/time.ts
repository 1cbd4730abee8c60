/**
 * RFC 3339 timestamps with full nanosecond precision (Date keeps only milliseconds). One rule of
 * validity for every consumer, strict as Go's time.Parse(time.RFC3339), which Panther uses:
 * upper-case `T`, `Z` or a `±hh:mm` offset, seconds 0-59, a real calendar day, 0 to 9 fractional
 * digits. So an event time the schema processor refuses is also unknown (0) to the OTLP encoders.
 */

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const NANOS_PER_DAY = 86_400_000_000_000n;

/**
 * An instant as whole days since 1970-01-01 (UTC, negative before) and nanoseconds into that day:
 * both plain numbers, so the common consumers need no bigint (the OTLP encoders keep the day's
 * midnight, Panther's writer the day's `YYYY-MM-DD`).
 */
export interface EventTime {
  readonly day: number;
  /** 0 to 86,399,999,999,999. */
  readonly nanosOfDay: number;
}

/**
 * RFC 3339 read by one scan of its characters (no regex, no Date), or undefined when `text` is not
 * RFC 3339 as defined above: `YYYY-MM-DDTHH:MM:SS`, an optional `.` and 1-9 digits, `Z` or
 * `±hh:mm`; a real calendar day, hours 0-23, minutes and seconds 0-59 (in the offset too).
 */
export function scanRfc3339(text: string): EventTime | undefined {
  const n = text.length;
  if (n < 20 || n > 35) return undefined;
  if (text.charCodeAt(4) !== 0x2d || text.charCodeAt(7) !== 0x2d || text.charCodeAt(10) !== 0x54 /* T */
    || text.charCodeAt(13) !== 0x3a || text.charCodeAt(16) !== 0x3a) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  const hour = digits(text, 11, 13);
  const minute = digits(text, 14, 16);
  const second = digits(text, 17, 19);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1] + (leap ? 1 : 0)) return undefined;
  // The fraction runs to the zone designator.
  let at = 19;
  let fraction = 0;
  if (text.charCodeAt(at) === 0x2e /* . */) {
    at++;
    const from = at;
    while (at < n && at - from < 10) {
      const d = text.charCodeAt(at) - 0x30;
      if (d < 0 || d > 9) break;
      fraction = fraction * 10 + d;
      at++;
    }
    const count = at - from;
    if (count < 1 || count > 9) return undefined;
    fraction *= POW10[9 - count];
  }
  let offsetMinutes = 0;
  const zone = text.charCodeAt(at);
  if (zone === 0x5a /* Z */) {
    if (at + 1 !== n) return undefined;
  } else if (zone === 0x2b /* + */ || zone === 0x2d /* - */) {
    if (at + 6 !== n || text.charCodeAt(at + 3) !== 0x3a) return undefined;
    const oh = digits(text, at + 1, at + 3);
    const om = digits(text, at + 4, at + 6);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return undefined;
    offsetMinutes = (zone === 0x2d ? -1 : 1) * (oh * 60 + om);
  } else {
    return undefined;
  }
  let days = daysFromCivil(year, month, day);
  // Local time minus the offset is UTC; it may fall on the day before or after.
  let seconds = hour * 3600 + minute * 60 + second - offsetMinutes * 60;
  if (seconds < 0) { seconds += 86_400; days--; } else if (seconds >= 86_400) { seconds -= 86_400; days++; }
  return { day: days, nanosOfDay: seconds * 1e9 + fraction };
}

/** The value of text[from, to) as decimal digits, or -1 when any is not a digit. */
function digits(text: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (the era arithmetic of H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Nanoseconds since the epoch of an EventTime. */
export function unixNanoOf(t: EventTime): bigint {
  return BigInt(t.day) * NANOS_PER_DAY + BigInt(t.nanosOfDay);
}

/** Nanoseconds since the epoch, or undefined when `text` is not RFC 3339 (0 to 9 fractional digits). */
export function rfc3339ToUnixNano(text: string): bigint | undefined {
  const t = scanRfc3339(text);
  return t === undefined ? undefined : unixNanoOf(t);
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
  const t = scanRfc3339(text);
  return t === undefined ? undefined : formatPantherTime(unixNanoOf(t));
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

