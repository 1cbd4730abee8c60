/**
 * Custom `timeFormats` of Panther schemas: strftime patterns such as `%Y-%m-%d %H:%M:%S`, which
 * Panther reads with a strftime parser. A pattern is compiled once, when the schema loads (an
 * unknown directive is a schema error there, not a failure per record); the compiled reader turns
 * a value into nanoseconds since the epoch (UTC), or undefined when the value does not fit.
 *
 * As Panther's reader: numbers take 1 up to their width in digits (`%Y` four, `%m` two...), names
 * (`%b`, `%A`, `%p`) match without regard to case, literal text matches exactly, a time without
 * `%z` is UTC, and a zone abbreviation (`%Z`) counts as UTC (Panther runs in UTC, where Go gives
 * an unknown abbreviation a zero offset). Stricter where it would otherwise invent a time: every
 * field must be in range (no 31 February rolling into March) and `%I` must be 1 to 12.
 */

export type StrftimeReader = (text: string) => bigint | undefined;

type NumberField = 'year' | 'year2' | 'century' | 'month' | 'day' | 'yday' | 'hour' | 'hour12' | 'minute' | 'second';

type Token =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'number'; readonly field: NumberField; readonly width: number; readonly spacePadded: boolean }
  | { readonly kind: 'names'; readonly field: 'month' | 'weekday'; readonly names: readonly string[] }
  | { readonly kind: 'ampm' }
  | { readonly kind: 'weekdayDigit' }
  | { readonly kind: 'fraction' }
  | { readonly kind: 'offset' }
  | { readonly kind: 'zoneName' }
  | { readonly kind: 'epoch' };

const LONG_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const SHORT_MONTHS = LONG_MONTHS.map((m) => m.slice(0, 3));
const LONG_WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const SHORT_WEEKDAYS = LONG_WEEKDAYS.map((d) => d.slice(0, 3));

/** Directives that stand for a sequence of others. */
const COMPOSITE: Record<string, string> = {
  D: '%m/%d/%y', x: '%m/%d/%y', F: '%Y-%m-%d', T: '%H:%M:%S', X: '%H:%M:%S', R: '%H:%M',
  r: '%I:%M:%S %p', c: '%a %b %e %H:%M:%S %Y', v: '%e-%b-%Y',
};

const NUMBERS: Record<string, [NumberField, number, boolean]> = {
  Y: ['year', 4, false], y: ['year2', 2, false], C: ['century', 2, false], m: ['month', 2, false],
  d: ['day', 2, false], e: ['day', 2, true], j: ['yday', 3, false], H: ['hour', 2, false],
  k: ['hour', 2, true], I: ['hour12', 2, false], l: ['hour12', 2, true], M: ['minute', 2, false],
  S: ['second', 2, false],
};

export const STRFTIME_DIRECTIVES = '%Y %y %C %m %d %e %j %H %k %I %l %p %M %S %f %z %Z %s %b %h %B %a %A %w %D %x %F %T %X %R %r %c %v %t %n %%';

/** True when `format` is meant as a strftime pattern rather than a named format. */
export function isStrftimePattern(format: string): boolean {
  return format.includes('%');
}

/** Compiles `format`; throws an Error naming the first unsupported directive. */
export function compileStrftime(format: string): StrftimeReader {
  const tokens = tokenize(format);
  return (text) => read(tokens, text);
}

function tokenize(format: string, depth = 0): Token[] {
  const tokens: Token[] = [];
  let literal = '';
  const flush = () => { if (literal !== '') tokens.push({ kind: 'literal', text: literal }); literal = ''; };
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c !== '%') { literal += c; continue; }
    const d = format[++i];
    if (d === undefined) throw new Error('a lone % at the end');
    if (d === '%') { literal += '%'; continue; }
    if (d === 't') { literal += '\t'; continue; }
    if (d === 'n') { literal += '\n'; continue; }
    flush();
    const number = NUMBERS[d];
    if (number !== undefined) tokens.push({ kind: 'number', field: number[0], width: number[1], spacePadded: number[2] });
    else if (COMPOSITE[d] !== undefined && depth === 0) tokens.push(...tokenize(COMPOSITE[d], 1));
    else if (d === 'b' || d === 'h') tokens.push({ kind: 'names', field: 'month', names: SHORT_MONTHS });
    else if (d === 'B') tokens.push({ kind: 'names', field: 'month', names: LONG_MONTHS });
    else if (d === 'a') tokens.push({ kind: 'names', field: 'weekday', names: SHORT_WEEKDAYS });
    else if (d === 'A') tokens.push({ kind: 'names', field: 'weekday', names: LONG_WEEKDAYS });
    else if (d === 'p') tokens.push({ kind: 'ampm' });
    else if (d === 'w') tokens.push({ kind: 'weekdayDigit' });
    else if (d === 'f') tokens.push({ kind: 'fraction' });
    else if (d === 'z') tokens.push({ kind: 'offset' });
    else if (d === 'Z') tokens.push({ kind: 'zoneName' });
    else if (d === 's') tokens.push({ kind: 'epoch' });
    else throw new Error(`unsupported directive %${d} (supported: ${STRFTIME_DIRECTIVES})`);
  }
  flush();
  return tokens;
}

interface Parts {
  year: number; year2: number; century: number; month: number; day: number; yday: number;
  hour: number; hour12: number; minute: number; second: number;
  nanos: number; offsetMinutes: number; pm: boolean | undefined; epoch: bigint | undefined;
}

function read(tokens: readonly Token[], text: string): bigint | undefined {
  const p: Parts = {
    year: 1900, year2: -1, century: -1, month: 1, day: 1, yday: 0, hour: 0, hour12: -1, minute: 0,
    second: 0, nanos: 0, offsetMinutes: 0, pm: undefined, epoch: undefined,
  };
  let at = 0;
  for (const t of tokens) {
    const next = readToken(t, text, at, p);
    if (next < 0) return undefined;
    at = next;
  }
  if (at !== text.length) return undefined;
  return toUnixNano(p);
}

/** Reads one token at `at` into `p`; the position after it, or -1. */
function readToken(t: Token, text: string, at: number, p: Parts): number {
  switch (t.kind) {
    case 'literal': return text.startsWith(t.text, at) ? at + t.text.length : -1;
    case 'number': {
      if (t.spacePadded && text[at] === ' ') at++;
      const end = digitsEnd(text, at, t.width);
      if (end === at) return -1;
      p[t.field] = Number(text.slice(at, end));
      return end;
    }
    case 'names': {
      const i = t.names.findIndex((name) => text.slice(at, at + name.length).toLowerCase() === name.toLowerCase());
      if (i < 0) return -1;
      if (t.field === 'month') p.month = i + 1;
      return at + t.names[i].length;
    }
    case 'ampm': {
      const two = text.slice(at, at + 2).toUpperCase();
      if (two !== 'AM' && two !== 'PM') return -1;
      p.pm = two === 'PM';
      return at + 2;
    }
    case 'weekdayDigit': return text[at] >= '0' && text[at] <= '6' ? at + 1 : -1;
    case 'fraction': {
      const end = digitsEnd(text, at, 9);
      if (end === at) return -1;
      p.nanos = Number(text.slice(at, end).padEnd(9, '0'));
      return end;
    }
    case 'offset': return readOffset(text, at, p);
    case 'zoneName': {
      let end = at;
      while (end < text.length && end - at < 5 && /[A-Za-z]/.test(text[end])) end++;
      return end === at ? -1 : end;
    }
    case 'epoch': {
      const start = text[at] === '-' ? at + 1 : at;
      const end = digitsEnd(text, start, 19);
      if (end === start) return -1;
      p.epoch = BigInt(text.slice(at, end));
      return end;
    }
  }
}

function digitsEnd(text: string, at: number, width: number): number {
  let end = at;
  while (end < text.length && end - at < width && text[end] >= '0' && text[end] <= '9') end++;
  return end;
}

/** `Z`, `±hh:mm`, `±hhmm` or `±hh`. */
function readOffset(text: string, at: number, p: Parts): number {
  if (text[at] === 'Z' || text[at] === 'z') { p.offsetMinutes = 0; return at + 1; }
  const m = /^([+-])(\d{2})(?::?(\d{2}))?/.exec(text.slice(at, at + 6));
  if (m === null) return -1;
  const hours = Number(m[2]);
  const minutes = m[3] === undefined ? 0 : Number(m[3]);
  if (hours > 23 || minutes > 59) return -1;
  p.offsetMinutes = (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
  return at + m[0].length;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(month: number, year: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
}

function toUnixNano(p: Parts): bigint | undefined {
  if (p.epoch !== undefined) return p.epoch * 1_000_000_000n + BigInt(p.nanos);
  let year = p.year;
  // %y alone is a year of this century, as Panther's reader has it; %C sets the century.
  if (p.year2 >= 0) year = Math.floor(new Date().getUTCFullYear() / 100) * 100 + p.year2;
  if (p.century >= 0) year = p.century * 100 + (year % 100);
  let hour = p.hour;
  if (p.hour12 >= 0) {
    if (p.hour12 < 1 || p.hour12 > 12) return undefined;
    hour = (p.hour12 % 12) + (p.pm === true ? 12 : 0);
  } else if (p.pm === true && hour < 12) {
    hour += 12;
  }
  let { month, day } = p;
  if (p.yday > 0) {
    if (p.yday > (daysIn(2, year) === 29 ? 366 : 365)) return undefined;
    let left = p.yday;
    for (month = 1; left > daysIn(month, year); month++) left -= daysIn(month, year);
    day = left;
  }
  if (month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || p.minute > 59 || p.second > 59) return undefined;
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC, which maps years 0-99 to 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, p.minute - p.offsetMinutes, p.second);
  return BigInt(date.getTime()) * 1_000_000n + BigInt(p.nanos);
}
