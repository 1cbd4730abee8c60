/**
 * Bounded nesting. Real Teleport events are a few levels deep, but a field a user controls
 * (`attributes`, `db_query_parameters`, labels) can hold valid JSON nested thousands deep: JSON.parse
 * accepts it, and every recursive walk after it (JSON.stringify included) overflows the stack.
 *
 * So every JSON value that enters the pipeline (core/decode.ts, and processors that parse embedded
 * JSON) passes `boundNesting`: a container deeper than the limit is replaced by its JSON text, a
 * string. Nothing is lost, and no walk downstream goes deeper than the limit; encoders apply the
 * same limit to whatever attributes processors built.
 */

export const DEFAULT_MAX_NESTING_DEPTH = 64;
/** Beyond this, even a bounded walk could approach the stack's size on a small thread. */
export const MAX_NESTING_DEPTH_LIMIT = 1000;

let limit = DEFAULT_MAX_NESTING_DEPTH;

/** Set once per thread at startup, from the process settings. */
export function setMaxNestingDepth(depth: number): void {
  limit = Math.max(1, Math.min(MAX_NESTING_DEPTH_LIMIT, Math.floor(depth)));
}

export function maxNestingDepth(): number {
  return limit;
}

/**
 * False when `text`, as JSON, cannot nest deeper than `depth` containers: it has at most `depth`
 * opening brackets. Native indexOf over a line's few brackets: cheap enough to run on every line.
 */
export function mayNestDeeperThan(text: string, depth = limit): boolean {
  let count = 0;
  for (let i = text.indexOf('{'); i >= 0; i = text.indexOf('{', i + 1)) if (++count > depth) return true;
  for (let i = text.indexOf('['); i >= 0; i = text.indexOf('[', i + 1)) if (++count > depth) return true;
  return false;
}

/**
 * `value` with every container nested deeper than `depth` (the value itself being depth 1)
 * replaced by its JSON text; the same value when nothing is that deep. Recursion stops at `depth`.
 */
export function boundNesting<T>(value: T, depth = limit): T {
  return nestsWithin(value, depth) ? value : (copyBounded(value, depth) as T);
}

function nestsWithin(v: unknown, depth: number): boolean {
  if (typeof v !== 'object' || v === null) return true;
  if (depth === 0) return false;
  if (Array.isArray(v)) {
    for (const x of v) if (!nestsWithin(x, depth - 1)) return false;
    return true;
  }
  for (const k in v) if (!nestsWithin((v as Record<string, unknown>)[k], depth - 1)) return false;
  return true;
}

function copyBounded(v: unknown, depth: number): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (depth === 0) return jsonText(v);
  if (Array.isArray(v)) return v.map((x) => copyBounded(x, depth - 1));
  const out: Record<string, unknown> = {};
  for (const k in v) out[k] = copyBounded((v as Record<string, unknown>)[k], depth - 1);
  return out;
}

interface Frame { readonly items: readonly unknown[]; readonly keys: readonly string[] | undefined; next: number }

/**
 * JSON text of a parsed value of any depth, with an explicit stack instead of recursion. As
 * JSON.stringify writes it, except that bigints are written as their digits.
 */
export function jsonText(value: unknown): string {
  const out: string[] = [];
  const stack: Frame[] = [];
  const open = (v: unknown): void => {
    if (typeof v !== 'object' || v === null) { out.push(scalarText(v)); return; }
    if (Array.isArray(v)) {
      out.push('[');
      stack.push({ items: v, keys: undefined, next: 0 });
      return;
    }
    const map = v as Record<string, unknown>;
    const keys = Object.keys(map).filter((k) => map[k] !== undefined && typeof map[k] !== 'function');
    out.push('{');
    stack.push({ items: keys.map((k) => map[k]), keys, next: 0 });
  };
  open(value);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next === top.items.length) {
      out.push(top.keys === undefined ? ']' : '}');
      stack.pop();
      continue;
    }
    const i = top.next++;
    if (i > 0) out.push(',');
    if (top.keys !== undefined) out.push(JSON.stringify(top.keys[i]), ':');
    open(top.items[i]);
  }
  return out.join('');
}

function scalarText(v: unknown): string {
  switch (typeof v) {
    case 'string': return JSON.stringify(v);
    case 'number': return Number.isFinite(v) ? String(v) : 'null';
    case 'bigint': return v.toString();
    case 'boolean': return v ? 'true' : 'false';
    default: return 'null';
  }
}
