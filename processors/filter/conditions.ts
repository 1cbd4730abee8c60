/**
 * Filter conditions: parsed from the declarative YAML (every error with its config path) and
 * compiled once into closures, so a record costs a few lookups, never a parse or a RegExp build.
 *
 * A condition is a map with one kind of test:
 *   event: <type or glob, or a list>      code: <code or glob, or a list>
 *   category: <ECS category or list>      outcome: success | failure | unknown (or a list)
 *   field: <dotted path>  with one of  equals: v | in: [v...] | exists: true/false | matches: regex
 *   attribute: <attribute key>  with the same tests, on what processors added (ECS, p_any_*)
 *   all: [conditions]   any: [conditions]   not: condition
 */
import { isPlainObject } from '../../core/config/schema';
import { compileFieldPath, valuesAt, type FieldPath } from '../../core/field-path';
import { GlobSet } from '../../core/glob';
import type { LogRecord } from '../../core/record';

export type Test = (record: LogRecord) => boolean;

export interface Compiled {
  readonly test: Test;
  /** True when the condition reads ECS attributes, so `ecs` must run before the filter. */
  readonly needsEcs: boolean;
}

const OUTCOMES = ['success', 'failure', 'unknown'];
const VALUE_TESTS = ['equals', 'in', 'exists', 'matches'];
const KINDS = ['event', 'code', 'category', 'outcome', 'field', 'attribute', 'all', 'any', 'not'];

/** Parses and compiles `value` at `path`; pushes `path: message` lines and returns undefined on errors. */
export function compileCondition(value: unknown, path: string, errors: string[]): Compiled | undefined {
  if (!isPlainObject(value)) return fail(errors, path, `must be a map with one of ${KINDS.join(', ')}`);
  const keys = Object.keys(value);
  const kinds = keys.filter((k) => KINDS.includes(k));
  for (const k of keys) {
    if (!KINDS.includes(k) && !VALUE_TESTS.includes(k)) errors.push(`${path}.${k}: unknown condition key (known: ${[...KINDS, ...VALUE_TESTS].join(', ')})`);
  }
  if (kinds.length !== 1) {
    return fail(errors, path, kinds.length === 0 ? `must have one of ${KINDS.join(', ')}` : `has ${kinds.join(' and ')}: one condition per map (combine them with all/any)`);
  }
  const kind = kinds[0];
  const at = `${path}.${kind}`;
  if (kind !== 'field' && kind !== 'attribute') {
    for (const k of keys) if (VALUE_TESTS.includes(k)) errors.push(`${path}.${k}: only goes with field or attribute`);
  }
  const given = value[kind];
  switch (kind) {
    case 'event': return stringSet(given, at, errors, (set) => (r) => set.has(eventString(r, 'event')));
    case 'code': return stringSet(given, at, errors, (set) => (r) => set.has(eventString(r, 'code')));
    case 'category': return ecsSet(given, at, errors, 'event.category');
    case 'outcome': {
      const values = stringList(given, at, errors);
      if (values === undefined) return undefined;
      const bad = values.filter((v) => !OUTCOMES.includes(v));
      if (bad.length > 0) return fail(errors, at, `must be ${OUTCOMES.join(', ')} (not ${bad.join(', ')})`);
      return ecsSet(values, at, errors, 'event.outcome');
    }
    case 'field':
    case 'attribute': return valueTest(kind, value, path, errors);
    case 'not': {
      const inner = compileCondition(given, at, errors);
      return inner && { test: (r) => !inner.test(r), needsEcs: inner.needsEcs };
    }
    default: {
      if (!Array.isArray(given) || given.length === 0) return fail(errors, at, 'must be a non-empty list of conditions');
      const before = errors.length;
      const parts = given.map((c, i) => compileCondition(c, `${at}[${i}]`, errors));
      if (errors.length > before) return undefined;
      const tests = (parts as Compiled[]).map((p) => p.test);
      const needsEcs = (parts as Compiled[]).some((p) => p.needsEcs);
      return kind === 'all'
        ? { test: (r) => tests.every((t) => t(r)), needsEcs }
        : { test: (r) => tests.some((t) => t(r)), needsEcs };
    }
  }
}

function eventString(record: LogRecord, key: string): string {
  const v = record.event?.[key];
  return typeof v === 'string' ? v : '';
}

function stringList(given: unknown, path: string, errors: string[]): string[] | undefined {
  const list = Array.isArray(given) ? given : [given];
  if (list.length === 0) return fail(errors, path, 'must be a string or a non-empty list of strings');
  const before = errors.length;
  list.forEach((v, i) => {
    if (typeof v !== 'string' || v === '') errors.push(`${Array.isArray(given) ? `${path}[${i}]` : path}: must be a non-empty string`);
  });
  return errors.length > before ? undefined : (list as string[]);
}

function stringSet(given: unknown, path: string, errors: string[], make: (set: GlobSet) => Test): Compiled | undefined {
  const values = stringList(given, path, errors);
  return values && { test: make(new GlobSet(values)), needsEcs: false };
}

/** An ECS attribute (a keyword or a list of them) against values or globs: true when any matches. */
function ecsSet(given: unknown, path: string, errors: string[], attribute: string): Compiled | undefined {
  const values = stringList(given, path, errors);
  if (values === undefined) return undefined;
  const set = new GlobSet(values);
  return { test: (r) => anyString(r.attributes[attribute], set), needsEcs: true };
}

function anyString(v: unknown, set: GlobSet): boolean {
  if (typeof v === 'string') return set.has(v);
  return Array.isArray(v) && v.some((x) => typeof x === 'string' && set.has(x));
}

/**
 * `field`/`attribute` with one test. Values compare by their text (`5` equals `"5"`: Teleport
 * writes the same field as a number in one event and a string in another); a list in the record
 * matches when any element does.
 */
function valueTest(kind: 'field' | 'attribute', value: Record<string, unknown>, path: string, errors: string[]): Compiled | undefined {
  const name = value[kind];
  const at = `${path}.${kind}`;
  let read: (r: LogRecord) => unknown[];
  if (typeof name !== 'string' || name === '') return fail(errors, at, 'must be a non-empty string');
  if (kind === 'attribute') {
    read = (r) => (name in r.attributes ? [r.attributes[name]] : []);
  } else {
    const compiled = compileFieldPath(name);
    if (typeof compiled === 'string') return fail(errors, at, compiled);
    const fieldPath: FieldPath = compiled;
    read = (r) => valuesAt(r.event, fieldPath);
  }
  const tests = VALUE_TESTS.filter((t) => t in value);
  if (tests.length !== 1) {
    return fail(errors, path, tests.length === 0 ? `${kind} needs one of ${VALUE_TESTS.join(', ')}` : `has ${tests.join(' and ')}: one test per condition (combine them with all/any)`);
  }
  const test = tests[0];
  const arg = value[test];
  const testPath = `${path}.${test}`;
  // An attribute may come from any processor or receiver (p_any_*, http.tag): no ECS check.
  const needsEcs = false;
  switch (test) {
    case 'exists': {
      if (typeof arg !== 'boolean') return fail(errors, testPath, 'must be true or false');
      return { test: (r) => present(read(r)) === arg, needsEcs };
    }
    case 'matches': {
      if (typeof arg !== 'string') return fail(errors, testPath, 'must be a regular expression (a string)');
      let re: RegExp;
      try {
        re = new RegExp(arg, 'u');
      } catch (error) {
        return fail(errors, testPath, `not a valid regular expression: ${(error as Error).message}`);
      }
      return { test: (r) => read(r).some((v) => anyText(v, (s) => re.test(s))), needsEcs };
    }
    default: {
      const list = test === 'in' ? arg : [arg];
      if (!Array.isArray(list) || list.length === 0) return fail(errors, testPath, 'must be a non-empty list of values');
      const before = errors.length;
      list.forEach((v, i) => {
        if (!isScalar(v)) errors.push(`${test === 'in' ? `${testPath}[${i}]` : testPath}: must be a string, number or boolean`);
      });
      if (errors.length > before) return undefined;
      const wanted = new Set(list.map((v) => String(v)));
      return { test: (r) => read(r).some((v) => anyText(v, (s) => wanted.has(s))), needsEcs };
    }
  }
}

function present(values: unknown[]): boolean {
  return values.some((v) => v !== null && v !== undefined && v !== '');
}

function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** The value's text, or any element's for a list. */
function anyText(v: unknown, test: (s: string) => boolean): boolean {
  if (Array.isArray(v)) return v.some((x) => anyText(x, test));
  if (typeof v === 'string') return test(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return test(String(v));
  return false;
}

function fail(errors: string[], path: string, message: string): undefined {
  errors.push(`${path}: ${message}`);
  return undefined;
}
