/**
 * Value coercion per Panther field type. Each schema field is compiled once into a function that
 * takes the decoded JSON value and returns the normalized value, ABSENT (Panther treats `null`,
 * `""` and empty arrays/maps as not there), or a Failure naming what is wrong.
 */
import net from 'node:net';
import type { FieldSpec, IpFamily, TimeFormat, ValueSpec, ValueValidation } from '../../core/panther/schema';
import { pantherFieldName } from '../../core/panther/names';
import { compileStrftime, isStrftimePattern } from '../../core/panther/strftime';
import { mayHoldUnsafeInteger, parseLossless, stringifyLossless } from '../../core/json-lossless';
import { boundNesting, mayNestDeeperThan } from '../../core/nesting';
import { formatPantherTime, rfc3339ToPantherTime } from '../../core/time';

export const ABSENT: unique symbol = Symbol('absent');

/** A coercion failure; `path` is relative to the field (`[2]`, `.expires`), `message` says why. */
export class Failure {
  constructor(readonly path: string, readonly message: string) {}
}

export type Coerce = (value: unknown) => unknown;

export interface CoerceOptions {
  /** Keep keys the schema does not declare (inside objects too); Panther drops them. */
  readonly keepUnknown: boolean;
}

/** Renders a bad value for a reason line: JSON, cut at 64 characters. */
export function show(value: unknown): string {
  const text = typeof value === 'bigint' ? value.toString() : stringifyLossless(value) ?? String(value);
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
}

const INT_RANGES = {
  smallint: [-32768, 32767],
  int: [-2147483648, 2147483647],
} as const;
const BIGINT_MIN = -(2n ** 63n);
const BIGINT_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^[+-]?\d+$/;
const DECIMAL_TEXT = /^-?\d+(?:\.(\d+))?$/;
const FLOAT_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** What Go's strconv.ParseBool accepts, which Panther applies to strings in boolean fields. */
const BOOL_TEXT: Record<string, boolean> = {
  1: true, t: true, T: true, true: true, TRUE: true, True: true,
  0: false, f: false, F: false, false: false, FALSE: false, False: false,
};

/** A field's coercion: its value's, and a value `validate` rejects fails a required field. */
export function compileField(spec: FieldSpec, options: CoerceOptions): Coerce {
  const coerce = compileValue(spec, options);
  if (spec.validate === undefined || !spec.required) return coerce;
  return (v) => {
    const c = coerce(v);
    return c === ABSENT && !isEmptyContainer(v) ? new Failure('', `rejected by validate: ${show(v)}`) : c;
  };
}

export function compileValue(spec: ValueSpec, options: CoerceOptions): Coerce {
  const coerce = compileType(spec, options);
  return spec.embeddedJson === true ? embeddedJson(coerce) : coerce;
}

function compileType(spec: ValueSpec, options: CoerceOptions): Coerce {
  switch (spec.type) {
    case 'string': return spec.validate === undefined ? coerceString : validated(spec.validate);
    case 'smallint':
    case 'int': return integer(INT_RANGES[spec.type][0], INT_RANGES[spec.type][1], spec.type);
    case 'bigint': return coerceBigint;
    case 'float': return coerceFloat;
    case 'boolean': return coerceBoolean;
    case 'timestamp': return timestamp(spec.timeFormats);
    case 'json': return coerceJson;
    case 'array': return array(compileValue(spec.element!, options));
    case 'object': return object(spec.fields!, options);
  }
}

/** A string value of an `isEmbeddedJSON` field is the JSON text of the value. */
function embeddedJson(coerce: Coerce): Coerce {
  return (v) => {
    if (typeof v !== 'string') return coerce(v);
    let parsed: unknown;
    try {
      parsed = mayHoldUnsafeInteger(v) ? parseLossless(v) : JSON.parse(v);
      if (mayNestDeeperThan(v)) parsed = boundNesting(parsed);
    } catch {
      return new Failure('', `not embedded JSON: ${show(v)}`);
    }
    return parsed === null || parsed === '' ? ABSENT : coerce(parsed);
  };
}

/** A string checked by `validate`: a value it rejects is absent, as in Panther. */
function validated(rule: ValueValidation): Coerce {
  const allow = rule.allow && new Set(rule.allow);
  const deny = rule.deny && new Set(rule.deny);
  return (v) => {
    const s = coerceString(v);
    if (typeof s !== 'string') return s;
    if (allow !== undefined && !allow.has(s)) return ABSENT;
    if (deny !== undefined && deny.has(s)) return ABSENT;
    if (rule.ip !== undefined && !ipOf(rule.ip, s)) return ABSENT;
    if (rule.cidr !== undefined && !cidrOf(rule.cidr, s)) return ABSENT;
    return s;
  };
}

function ipOf(family: IpFamily, s: string): boolean {
  const v = net.isIP(s);
  return family === 'any' ? v !== 0 : v === (family === 'ipv4' ? 4 : 6);
}

function cidrOf(family: IpFamily, s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0 || !/^\d{1,3}$/.test(s.slice(slash + 1))) return false;
  const v = net.isIP(s.slice(0, slash));
  const bits = Number(s.slice(slash + 1));
  if (v === 0 || bits > (v === 4 ? 32 : 128)) return false;
  return family === 'any' || v === (family === 'ipv4' ? 4 : 6);
}

function coerceString(v: unknown): unknown {
  switch (typeof v) {
    case 'string': return v;
    case 'number': case 'boolean': case 'bigint': return String(v);
    // Panther keeps a non-string value in a string column as its JSON text rather than failing.
    default: return isEmptyContainer(v) ? ABSENT : stringifyLossless(v);
  }
}

function integer(min: number, max: number, type: string): Coerce {
  return (v) => {
    let n: number | bigint | undefined;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'bigint') n = v;
    else if (typeof v === 'string' && INTEGER_TEXT.test(v)) n = Number(v);
    if (n === undefined || (typeof n === 'number' && !Number.isInteger(n))) return new Failure('', `not an integer: ${show(v)}`);
    if (n < min || n > max) return new Failure('', `out of range for ${type}: ${show(v)}`);
    return Number(n);
  };
}

function coerceBigint(v: unknown): unknown {
  let n: number | bigint | undefined;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'bigint') n = v;
  else if (typeof v === 'string' && INTEGER_TEXT.test(v)) {
    // Read the digits, never through a float: a numeric string may hold more than 2^53.
    const big = BigInt(v);
    n = big >= Number.MIN_SAFE_INTEGER && big <= Number.MAX_SAFE_INTEGER ? Number(big) : big;
  }
  if (n === undefined || (typeof n === 'number' && !Number.isInteger(n))) return new Failure('', `not an integer: ${show(v)}`);
  if (typeof n === 'bigint' && (n < BIGINT_MIN || n > BIGINT_MAX)) return new Failure('', `out of range for bigint: ${show(v)}`);
  return n;
}

function coerceFloat(v: unknown): unknown {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && FLOAT_TEXT.test(v)) return Number(v);
  return new Failure('', `not a number: ${show(v)}`);
}

function coerceBoolean(v: unknown): unknown {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const b = BOOL_TEXT[v];
    if (b !== undefined) return b;
  }
  return new Failure('', `not a boolean: ${show(v)}`);
}

function coerceJson(v: unknown): unknown {
  return isEmptyContainer(v) ? ABSENT : v;
}

const UNIX_SCALE: Record<string, number> = { unix: 9, unix_ms: 6, unix_us: 3, unix_ns: 0 };

/** A value to Panther time by one format, or undefined when it does not fit. */
type TimeReader = (v: unknown) => string | undefined;

function timeReader(format: TimeFormat): TimeReader {
  if (format === 'rfc3339') return (v) => (typeof v === 'string' ? rfc3339ToPantherTime(v) : undefined);
  if (format === 'unix_auto') return (v) => unixTime(v, undefined);
  if (isStrftimePattern(format)) {
    const read = compileStrftime(format);
    return (v) => {
      const nanos = typeof v === 'string' ? read(v) : undefined;
      return nanos === undefined ? undefined : formatPantherTime(nanos);
    };
  }
  const zeros = UNIX_SCALE[format];
  return (v) => unixTime(v, zeros);
}

function timestamp(formats: readonly TimeFormat[]): Coerce {
  const expected = `not ${formats.map((f) => (f === 'rfc3339' ? 'RFC3339' : isStrftimePattern(f) ? JSON.stringify(f) : f)).join(' or ')}`;
  if (formats.length === 1 && formats[0] === 'rfc3339') {
    return (v) => (typeof v === 'string' ? rfc3339ToPantherTime(v) : undefined) ?? new Failure('', `${expected}: ${show(v)}`);
  }
  const readers = formats.map(timeReader);
  return (v) => {
    for (const read of readers) {
      const out = read(v);
      if (out !== undefined) return out;
    }
    return new Failure('', `${expected}: ${show(v)}`);
  };
}

/**
 * Epoch seconds/ms/us/ns (number or numeric string) to Panther time, with exact decimal digits.
 * `zerosToNanos` undefined (`unix_auto`): the unit follows from the magnitude of the whole part,
 * seconds below 10^11 (up to the year 5138), then milliseconds, microseconds, nanoseconds from
 * 10^11, 10^14 and 10^17.
 */
function unixTime(v: unknown, zerosToNanos: number | undefined): string | undefined {
  const text = typeof v === 'number' || typeof v === 'bigint' ? String(v) : typeof v === 'string' ? v.trim() : '';
  const m = DECIMAL_TEXT.exec(text);
  if (m === null) return undefined;
  const [whole, frac = ''] = text.split('.');
  const zeros = zerosToNanos ?? autoZeros(whole.replace(/^-?0*/, '').length);
  const nanos = BigInt(whole + frac.padEnd(zeros, '0').slice(0, zeros));
  return formatPantherTime(nanos);
}

/** `unix_auto`: digits of the whole part → zeros to nanoseconds. */
function autoZeros(digits: number): number {
  return digits <= 11 ? 9 : digits <= 14 ? 6 : digits <= 17 ? 3 : 0;
}

function array(element: Coerce): Coerce {
  return (v) => {
    if (!Array.isArray(v)) return new Failure('', `not an array: ${show(v)}`);
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (x === null || x === undefined) continue;
      const c = element(x);
      if (c instanceof Failure) return new Failure(`[${i}]${c.path}`, c.message);
      if (c !== ABSENT) out.push(c);
    }
    return out.length === 0 ? ABSENT : out;
  };
}

interface CompiledField {
  readonly spec: FieldSpec;
  readonly coerce: Coerce;
}

function object(fields: readonly FieldSpec[], options: CoerceOptions): Coerce {
  const compiled: CompiledField[] = fields.map((spec) => ({ spec, coerce: compileField(spec, options) }));
  const known = new Set(fields.map((f) => f.name));
  return (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return new Failure('', `not an object: ${show(v)}`);
    const input = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const { spec, coerce } of compiled) {
      const x = input[spec.name];
      const c = x === undefined || x === null || x === '' ? ABSENT : coerce(x);
      if (c instanceof Failure) return new Failure(`.${spec.name}${c.path}`, c.message);
      if (c === ABSENT) {
        if (spec.required) return new Failure(`.${spec.name}`, 'required field is missing');
        continue;
      }
      out[spec.outName] = c;
    }
    if (options.keepUnknown) {
      for (const key in input) {
        if (known.has(key)) continue;
        const x = input[key];
        if (x === null || x === '' || isEmptyContainer(x)) continue;
        setOwn(out, pantherFieldName(key), key, x);
      }
    }
    return Object.keys(out).length === 0 ? ABSENT : out;
  };
}

export function isEmptyContainer(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v)) return v.length === 0;
  for (const _ in v) return false;
  return true;
}

/**
 * Sets `out[name]`, or `out[original]` when `name` is already taken (two input keys rewritten to the
 * same column), as an own data property even for `__proto__`, so no kept value is lost.
 */
export function setOwn(out: Record<string, unknown>, name: string, original: string, value: unknown): void {
  const key = Object.hasOwn(out, name) ? original : name;
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}
