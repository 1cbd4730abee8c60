/**
 * Dotted paths into Teleport events (`db_query`, `identity.roles`, `addr.remote`), shared by the
 * processors that address fields. Teleport has keys that contain dots (`addr.local`,
 * `addr.remote`), so a path's segments may match one key holding the dots as well as nested keys.
 * Arrays on the way are transparent: `db_query_parameters.x` looks into every element.
 */
import { globToRegExp, isGlob } from './glob';

export interface FieldPath {
  /** As the user wrote it, for messages. */
  readonly text: string;
  readonly segments: readonly string[];
  /** Per segment: a RegExp when it is a glob, else undefined (exact). */
  readonly globs: readonly (RegExp | undefined)[];
  /** No glob anywhere: keys are found by lookup, never by scanning an object's keys. */
  readonly literal: boolean;
}

/** Returns an error message, or the compiled path. */
export function compileFieldPath(text: string): FieldPath | string {
  if (text === '') return 'must not be empty';
  const segments = text.split('.');
  if (segments.some((s) => s === '')) return `"${text}" has an empty segment (two dots, or a dot at an end)`;
  const globs = segments.map((s) => (isGlob(s) ? globToRegExp(s) : undefined));
  return { text, segments, globs, literal: globs.every((g) => g === undefined) };
}

/**
 * Calls `visit(container, key)` for every object member the path reaches, at any depth. Visits
 * in the order of the object's keys; never writes.
 */
export function visitPath(value: unknown, path: FieldPath, visit: (container: Record<string, unknown>, key: string) => void): void {
  walk(value, path, 0, visit);
}

function walk(value: unknown, path: FieldPath, from: number, visit: (container: Record<string, unknown>, key: string) => void): void {
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const element of value) walk(element, path, from, visit);
    return;
  }
  const object = value as Record<string, unknown>;
  const { segments } = path;
  if (path.literal) {
    // `a.b.c` from here: the keys `a`, `a.b`, `a.b.c`, each a lookup.
    let key = '';
    for (let end = from; end < segments.length; end++) {
      key = end === from ? segments[end] : `${key}.${segments[end]}`;
      if (!Object.prototype.hasOwnProperty.call(object, key)) continue;
      if (end === segments.length - 1) visit(object, key);
      else walk(object[key], path, end + 1, visit);
    }
    return;
  }
  for (const key of Object.keys(object)) {
    const used = keyMatches(key, path, from);
    if (used === 0) continue;
    if (from + used === segments.length) visit(object, key);
    else walk(object[key], path, from + used, visit);
  }
}

/** How many segments from `from` the key matches (one per dot-separated part), or 0. */
function keyMatches(key: string, path: FieldPath, from: number): number {
  const parts = key.indexOf('.') < 0 ? [key] : key.split('.');
  // A glob segment also matches a whole key that holds dots (`*` matches `addr.remote`).
  if (parts.length > 1 && path.globs[from]?.test(key)) return 1;
  if (from + parts.length > path.segments.length) return 0;
  for (let j = 0; j < parts.length; j++) {
    const glob = path.globs[from + j];
    if (glob ? !glob.test(parts[j]) : parts[j] !== path.segments[from + j]) return 0;
  }
  return parts.length;
}

/**
 * True when the path reaches any member of `value`. A one-segment literal path (the usual
 * `db_query`) is a single own-property lookup, so rules that match nothing cost next to nothing.
 */
export function reaches(value: unknown, path: FieldPath): boolean {
  if (path.literal) return reachesLiteral(value, path.segments, 0);
  let hit = false;
  visitPath(value, path, () => { hit = true; });
  return hit;
}

/** `reaches` for a path without globs: lookups only, no closure, stops at the first hit. */
function reachesLiteral(value: unknown, segments: readonly string[], from: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) {
    for (const element of value) if (reachesLiteral(element, segments, from)) return true;
    return false;
  }
  let key = segments[from];
  for (let end = from; end < segments.length; end++) {
    if (end > from) key = `${key}.${segments[end]}`;
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    if (end === segments.length - 1 || reachesLiteral((value as Record<string, unknown>)[key], segments, end + 1)) return true;
  }
  return false;
}

/** Every value the path reaches (arrays are not flattened: a field holding a list gives the list). */
export function valuesAt(value: unknown, path: FieldPath): unknown[] {
  const out: unknown[] = [];
  visitPath(value, path, (container, key) => out.push(container[key]));
  return out;
}
