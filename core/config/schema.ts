/**
 * A small declarative schema for component configs: each field carries its type, default and
 * description, validation collects every error with its path, and the README config tables are
 * generated from the same declaration (scripts/generate-docs.ts), so docs cannot drift.
 */

export interface FieldSpec<T> {
  /** Type name shown in docs: `string`, `duration`, `list of string`... */
  readonly type: string;
  readonly doc: string;
  readonly default?: T;
  /** Absent and no default: `undefined` instead of an error. */
  readonly optional?: boolean;
  /** Nested fields, for docs (objects only). */
  readonly shape?: Shape;
  /** For a local path: how the component uses it, so `validate` can check the file system (see paths.ts). */
  readonly pathUse?: PathUse;
  /** Returns the value, or `undefined` after pushing `path: message` lines to `errors`. */
  parse(value: unknown, path: string, errors: string[]): T | undefined;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Shape = Record<string, FieldSpec<any>>;
export type Infer<S extends Shape> = { -readonly [K in keyof S]: S[K] extends FieldSpec<infer T> ? T : never };

interface Options<T> {
  doc: string;
  default?: T;
}

function spec<T>(type: string, opts: Options<T>, parse: FieldSpec<T>['parse'], shape?: Shape): FieldSpec<T> {
  return { type, doc: opts.doc, default: opts.default, shape, parse };
}

/** Marks a field that may be left out; its value is then `undefined`. */
export function optional<T>(field: FieldSpec<T>): FieldSpec<T | undefined> {
  return { ...field, optional: true };
}

export function str(opts: Options<string> & { nonEmpty?: boolean }): FieldSpec<string> {
  return spec('string', opts, (v, path, errors) => {
    if (typeof v !== 'string') return fail(errors, path, 'must be a string');
    if (opts.nonEmpty !== false && v === '') return fail(errors, path, 'must not be empty');
    return v;
  });
}

/**
 * What a path field names: a file the component reads (TLS material, a schema), a file it writes
 * (its directory is created), a directory it writes in (created when missing), or a glob of
 * files it reads (its fixed leading directory is checked).
 */
export type PathUse = 'read-file' | 'write-file' | 'write-dir' | 'read-glob';

/** A local file or directory path; `validate` checks it exists and may be read or written as `use` says. */
export function localPath(opts: Options<string> & { use: PathUse }): FieldSpec<string> {
  return { ...str(opts), pathUse: opts.use };
}

export function url(opts: Options<string>): FieldSpec<string> {
  return spec('URL', opts, (v, path, errors) => {
    if (typeof v !== 'string' || !/^https?:\/\/[^/\s]+/.test(v)) return fail(errors, path, 'must be an http(s) URL');
    try {
      new URL(v);
    } catch {
      return fail(errors, path, 'must be an http(s) URL');
    }
    return v;
  });
}

export function bool(opts: Options<boolean>): FieldSpec<boolean> {
  return spec('bool', opts, (v, path, errors) => {
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    return fail(errors, path, 'must be true or false');
  });
}

export function int(opts: Options<number> & { min?: number; max?: number }): FieldSpec<number> {
  return spec('int', opts, (v, path, errors) => {
    const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) return fail(errors, path, 'must be an integer');
    return inRange(n, opts, path, errors);
  });
}

export function oneOf<const T extends string>(values: readonly T[], opts: Options<T>): FieldSpec<T> {
  return spec(values.join(' \\| '), opts, (v, path, errors) => {
    if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as T;
    return fail(errors, path, `must be one of ${values.join(', ')}`);
  });
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration such as `500ms`, `20s`, `5m`, `1h`; the value is milliseconds. */
export function duration(opts: Options<string> & { min?: number }): FieldSpec<number> {
  const parsed: Options<number> = { doc: opts.doc, default: opts.default === undefined ? undefined : parseDuration(opts.default) };
  const field = spec<number>('duration', parsed, (v, path, errors) => {
    const ms = typeof v === 'string' ? parseDuration(v) : undefined;
    if (ms === undefined) return fail(errors, path, 'must be a duration such as 500ms, 20s, 5m or 1h');
    return inRange(ms, { min: opts.min ?? 0 }, path, errors);
  });
  return { ...field, docDefault: opts.default } as FieldSpec<number>;
}

export function parseDuration(text: string): number | undefined {
  let total = 0;
  let rest = text.trim();
  if (rest === '' ) return undefined;
  if (rest === '0') return 0;
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * DURATION_UNITS[m[2]];
    rest = rest.slice(m[0].length);
  }
  return Math.round(total);
}

const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3,
};

/** A size such as `1MiB`, `64KiB`, `500MB`; the value is bytes. */
export function size(opts: Options<string> & { min?: number }): FieldSpec<number> {
  const parsed: Options<number> = { doc: opts.doc, default: opts.default === undefined ? undefined : parseSize(opts.default) };
  const field = spec<number>('size', parsed, (v, path, errors) => {
    const bytes = typeof v === 'number' ? v : typeof v === 'string' ? parseSize(v) : undefined;
    if (bytes === undefined || !Number.isFinite(bytes)) return fail(errors, path, 'must be a size such as 64KiB, 1MiB or 500MB');
    return inRange(Math.floor(bytes), { min: opts.min ?? 0 }, path, errors);
  });
  return { ...field, docDefault: opts.default } as FieldSpec<number>;
}

export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return undefined;
  const unit = SIZE_UNITS[m[2].toLowerCase()];
  return unit === undefined ? undefined : Number(m[1]) * unit;
}

/** A list; `item.pathUse` carries over, so `validate` checks each path of the list. */
export function list<T>(item: FieldSpec<T>, opts: Options<T[]> & { minItems?: number }): FieldSpec<T[]> {
  const field = spec<T[]>(`list of ${item.type}`, opts, (v, path, errors) => {
    if (!Array.isArray(v)) return fail(errors, path, `must be a list of ${item.type}`);
    if (opts.minItems !== undefined && v.length < opts.minItems) return fail(errors, path, `must list at least ${opts.minItems}`);
    const before = errors.length;
    const out = v.map((x, i) => item.parse(x, `${path}[${i}]`, errors));
    return errors.length > before ? undefined : (out as T[]);
  });
  return item.pathUse === undefined ? field : { ...field, pathUse: item.pathUse };
}

/** A map with free-form keys (headers, resource attributes). */
export function map<T>(value: FieldSpec<T>, opts: Options<Record<string, T>>): FieldSpec<Record<string, T>> {
  return spec(`map of ${value.type}`, opts, (v, path, errors) => {
    if (!isPlainObject(v)) return fail(errors, path, `must be a map of ${value.type}`);
    const before = errors.length;
    const out: Record<string, T> = {};
    for (const [k, x] of Object.entries(v)) out[k] = value.parse(x, `${path}.${k}`, errors) as T;
    return errors.length > before ? undefined : out;
  });
}

/** A nested block with its own fields; unknown keys are errors. */
export function object<S extends Shape>(shape: S, opts: { doc: string }): FieldSpec<Infer<S>> {
  return spec('object', { doc: opts.doc }, (v, path, errors) => parseShape(shape, v ?? {}, path, errors), shape);
}

/**
 * Validates `value` against `shape`: applies defaults, rejects unknown keys, and returns the typed
 * config, or `undefined` when any error was pushed. Every error is collected, not just the first.
 */
export function parseShape<S extends Shape>(shape: S, value: unknown, path: string, errors: string[]): Infer<S> | undefined {
  const v = value === null || value === undefined ? {} : value;
  if (!isPlainObject(v)) return fail(errors, path, 'must be a map of settings');
  const before = errors.length;
  const known = Object.keys(shape);
  for (const key of Object.keys(v)) {
    if (!(key in shape)) errors.push(`${join(path, key)}: unknown key (known: ${known.join(', ') || 'none'})`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(shape)) {
    const given = v[key];
    const fieldPath = join(path, key);
    if (given === undefined || given === null) {
      if (field.default !== undefined) out[key] = structuredClone(field.default);
      else if (field.optional) out[key] = undefined;
      else if (field.shape) out[key] = field.parse({}, fieldPath, errors);
      else errors.push(`${fieldPath}: required`);
      continue;
    }
    out[key] = field.parse(given, fieldPath, errors);
  }
  return errors.length > before ? undefined : (out as Infer<S>);
}

export function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(errors: string[], path: string, message: string): undefined {
  errors.push(`${path}: ${message}`);
  return undefined;
}

function inRange(n: number, opts: { min?: number; max?: number }, path: string, errors: string[]): number | undefined {
  if (opts.min !== undefined && n < opts.min) return fail(errors, path, `must be at least ${opts.min}`);
  if (opts.max !== undefined && n > opts.max) return fail(errors, path, `must be at most ${opts.max}`);
  return n;
}

/** One row per (nested) key, for the README config tables. */
export interface ConfigDocRow {
  key: string;
  type: string;
  default: string;
  doc: string;
}

export function describeShape(shape: Shape, prefix = ''): ConfigDocRow[] {
  const rows: ConfigDocRow[] = [];
  for (const [key, field] of Object.entries(shape)) {
    const name = prefix === '' ? key : `${prefix}.${key}`;
    if (field.shape) {
      rows.push(...describeShape(field.shape, name));
      continue;
    }
    const shown = (field as { docDefault?: unknown }).docDefault ?? field.default;
    const def = shown === undefined ? (field.optional ? '' : '(required)') : JSON.stringify(shown);
    rows.push({ key: name, type: field.type, default: def, doc: field.doc });
  }
  return rows;
}
