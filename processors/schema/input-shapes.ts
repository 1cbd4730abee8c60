/**
 * The schema processor's fast path: one normalizer compiled per input shape (the event's keys in
 * enumeration order, which JSON.parse gives every event of one type alike). The shape is found by
 * walking a trie with one string comparison per key (keys of parsed objects are internalized, so
 * that is a pointer compare); the compiled function then reads each field by name (a monomorphic
 * property load: one hidden class per shape), checks the common type inline and builds the output
 * object literal with the declared fields in schema order, no per-record lookups, sorting or
 * scratch arrays.
 *
 * Absent values ("", null, empty containers) leave their key out, through a builder compiled per
 * absence mask. Any other record (a value the coercer refuses, a missing required field, a number
 * beyond 2^53 that JSON.parse may have rounded) makes it return undefined, and the processor takes
 * its generic path, which gives the exact result or failure reason (re-reading the line losslessly
 * when needed). So the fast path never decides anything the generic path would not, and it does
 * not scan the raw line for long digit runs: it looks at the parsed numbers instead.
 */
import { rfc3339ToPantherTime } from '../../core/time';
import type { FieldSpec } from '../../core/panther/schema';
import { ABSENT, Failure, isEmptyContainer, type Coerce } from './coerce';
import { attachChild, type EdgeNode } from './edge-trie';
import { literalParts, type Constants } from './shapes';

/** Normalizes one event of its shape, or undefined: take the generic path. */
export type Normalizer = (event: Record<string, unknown>, parseTime: string) => Record<string, unknown> | undefined;

interface Node extends EdgeNode<string, Node> {
  readonly parent: Node | undefined;
  readonly key: string;
  /** The shape ending here: compiled normalizer, null (always generic), undefined (not compiled yet). */
  fn: Normalizer | null | undefined;
  hits: number;
  misses: number;
}

function newNode(parent: Node | undefined, key: string): Node {
  return { edge: undefined, child: undefined, more: undefined, parent, key, fn: undefined, hits: 0, misses: 0 };
}

/** Bounds: input with ever-new keys must not grow the trie (or compile functions) without end. */
const MAX_NODES = 50_000;
const MAX_KEYS = 256;
const MAX_KEY_LENGTH = 128;

export interface InputShapeOptions {
  readonly fields: readonly FieldSpec[];
  readonly index: ReadonlyMap<string, number>;
  readonly coercers: readonly Coerce[];
  readonly keepUnknown: boolean;
  readonly eventTime: number;
  readonly constants: Constants;
  readonly rowId: () => string;
}

export class InputShapes {
  private readonly root: Node = newNode(undefined, '');
  private nodes = 1;

  constructor(private readonly options: InputShapeOptions) {}

  /** The fast-path result for `event`, or undefined: take the generic path. */
  normalize(event: Record<string, unknown>, parseTime: string): Record<string, unknown> | undefined {
    let node = this.root;
    let count = 0;
    for (const key in event) {
      let next = node.edge === key ? node.child : undefined;
      if (next === undefined) {
        next = this.step(node, key, count);
        if (next === undefined) return undefined;
      }
      node = next;
      count++;
    }
    let fn = node.fn;
    if (fn === undefined) fn = node.fn = this.compile(node);
    if (fn === null) return undefined;
    const out = fn(event, parseTime);
    if (out !== undefined) {
      node.hits++;
      return out;
    }
    // A shape whose records mostly need the generic path (a field often "" or null) stops paying
    // for the attempt.
    if (++node.misses >= 64 && node.misses > node.hits) node.fn = null;
    return undefined;
  }

  private step(node: Node, key: string, depth: number): Node | undefined {
    const known = node.more?.get(key);
    if (known !== undefined) return known;
    if (this.nodes >= MAX_NODES || depth >= MAX_KEYS || key.length > MAX_KEY_LENGTH) return undefined;
    this.nodes++;
    return attachChild(node, key, newNode(node, key));
  }

  private compile(node: Node): Normalizer | null {
    const keys: string[] = [];
    for (let n: Node | undefined = node; n !== undefined && n.parent !== undefined; n = n.parent) keys.push(n.key);
    keys.reverse();
    const { fields, index, keepUnknown, eventTime } = this.options;
    const lines: string[] = [];
    // Each value that may turn out absent ("", null, an empty container) has a bit of `m`; the
    // object literal then leaves it out. Values past the 30th bit make the record decline instead.
    interface Slot { readonly local: string; readonly bit: number }
    const declared = new Map<number, Slot>();
    const unknownKeys: string[] = [];
    const unknownSlots: Slot[] = [];
    let bits = 0;
    const absent = (bit: number) => (bit < 30 ? `m |= ${1 << bit};` : 'return undefined;');
    keys.forEach((key, k) => {
      const read = `e[${JSON.stringify(key)}]`;
      const i = index.get(key);
      if (i === undefined) {
        if (!keepUnknown) return;
        const a = `u${k}`;
        const bit = bits++;
        lines.push(`const ${a} = ${read};`, `switch (unknown(${a})) { case 0: break; case 1: ${absent(bit)} break; default: return undefined; }`);
        unknownKeys.push(key);
        unknownSlots.push({ local: a, bit });
        return;
      }
      const a = `a${i}`;
      const x = `x${i}`;
      const bit = bits++;
      lines.push(`const ${a} = ${read}; let ${x};`);
      const fast = fastCheck(fields[i], a, x);
      const slow = `${x} = slow(${a}, k[${i}]); if (${x} === ABSENT) { ${absent(bit)} } else if (${x} === DECLINE) return undefined;`;
      lines.push(fast === undefined ? slow : `if (!(${fast})) { ${slow} }`);
      declared.set(i, { local: x, bit });
    });
    const outNames = fields.map((f) => f.outName);
    /** The object literal for the values present under absence mask `m`, or null: decline. */
    const literal = (m: number): string | null => {
      const has = (slot: Slot) => slot.bit >= 30 || (m & (1 << slot.bit)) === 0;
      const present = [...declared.keys()].filter((i) => has(declared.get(i)!)).sort((p, q) => p - q);
      // A missing required field: the generic path names it.
      for (let i = 0; i < fields.length; i++) if (fields[i].required && !present.includes(i)) return null;
      const kept = unknownSlots.filter(has);
      const parts = literalParts(outNames, present, (i) => declared.get(i)!.local, kept.map((u) => unknownKeys[unknownSlots.indexOf(u)]), (j) => kept[j].local);
      if (parts === null) return null;
      const time = eventTime >= 0 && present.includes(eventTime) ? declared.get(eventTime)!.local : 'pt';
      parts.push('p_log_type: c.logType', 'p_row_id: rowId()', `p_event_time: ${time}`, 'p_parse_time: pt', 'p_source_id: c.sourceId', 'p_source_label: c.sourceLabel');
      return `{ ${parts.join(', ')} }`;
    };
    const full = literal(0);
    // Every record of this shape fails (a missing required field) or holds `__proto__`: generic path.
    if (full === null) return null;
    const locals = [...[...declared.values()].map((d) => d.local), ...unknownSlots.map((u) => u.local), 'pt'];
    const helpers = {
      k: this.options.coercers, ABSENT, DECLINE, slow, unknown: unknownState, time: rfc3339ToPantherTime, rowId: this.options.rowId,
      // One builder per absence mask met, compiled on first use (a shape has a handful at most).
      variant: (m: number): Variant => {
        const body = literal(m);
        // eslint-disable-next-line @typescript-eslint/no-implied-eval -- compiled once per shape and mask, from keys quoted by JSON.stringify
        return body === null ? declineVariant : new Function('c', 'rowId', `'use strict'; return function build(${locals.join(', ')}) { return ${body}; };`)(this.options.constants, this.options.rowId) as Variant;
      },
    };
    const body = `'use strict';
const { k, ABSENT, DECLINE, slow, unknown, time, rowId, variant } = h;
const MAX = Number.MAX_SAFE_INTEGER;
const variants = new Map();
return function normalize(e, pt) {
let m = 0;
${lines.join('\n')}
if (m === 0) return ${full};
let build = variants.get(m);
if (build === undefined) {
  if (variants.size >= ${MAX_VARIANTS}) return undefined;
  build = variant(m);
  variants.set(m, build);
}
return build(${locals.join(', ')});
};`;
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- compiled once per shape, from keys quoted by JSON.stringify
    return new Function('c', 'h', body)(this.options.constants, helpers) as Normalizer;
  }
}

type Variant = (...values: unknown[]) => Record<string, unknown> | undefined;
function declineVariant(): undefined {
  return undefined;
}

/** Absence masks compiled per shape, at most. */
const MAX_VARIANTS = 32;

/**
 * An expression that is true, having set `x`, when `a` has the common type of the field and gives
 * exactly what the field's coercer gives; undefined when the field has no such shortcut.
 */
function fastCheck(spec: FieldSpec, a: string, x: string): string | undefined {
  switch (spec.type) {
    case 'string':
      if (spec.validate !== undefined) return undefined;
      return `typeof ${a} === 'string' && ${a} !== '' && (${x} = ${a}, true)`;
    case 'boolean': return `typeof ${a} === 'boolean' && (${x} = ${a}, true)`;
    // `| 0` keeps exactly the 32-bit integers.
    case 'int': return `typeof ${a} === 'number' && (${a} | 0) === ${a} && (${x} = ${a}, true)`;
    case 'smallint': return `typeof ${a} === 'number' && (${a} | 0) === ${a} && ${a} >= -32768 && ${a} <= 32767 && (${x} = ${a}, true)`;
    case 'bigint': return `typeof ${a} === 'number' && Number.isInteger(${a}) && ${a} <= MAX && ${a} >= -MAX && (${x} = ${a}, true)`;
    case 'float': return `typeof ${a} === 'number' && ${a} <= MAX && ${a} >= -MAX && (${x} = ${a}, true)`;
    case 'timestamp':
      if (spec.timeFormats.length === 1 && spec.timeFormats[0] === 'rfc3339') return `typeof ${a} === 'string' && (${x} = time(${a})) !== undefined`;
      return undefined;
    default: return undefined;
  }
}

/** What `slow` returns for a value the generic path must handle: a coercion failure, a number JSON.parse may have rounded. */
const DECLINE: unique symbol = Symbol('decline');

/** The field's coercer, with the generic path's absent rule: the value, ABSENT or DECLINE. */
function slow(a: unknown, coerce: Coerce): unknown {
  if (a === null || a === '' || a === undefined) return ABSENT;
  if (typeof a === 'number' ? !(a <= Number.MAX_SAFE_INTEGER && a >= -Number.MAX_SAFE_INTEGER) : typeof a === 'object' && holdsUnsafeNumber(a, 0)) return DECLINE;
  const x = coerce(a);
  return x instanceof Failure ? DECLINE : x;
}

/** A kept unknown value: 0 kept as is, 1 absent ("", null, empty container), 2 decline (a number beyond 2^53). */
function unknownState(a: unknown): number {
  switch (typeof a) {
    case 'string': return a === '' ? 1 : 0;
    case 'number': return a <= Number.MAX_SAFE_INTEGER && a >= -Number.MAX_SAFE_INTEGER ? 0 : 2;
    case 'object': return a === null || isEmptyContainer(a) ? 1 : holdsUnsafeNumber(a, 0) ? 2 : 0;
    default: return 0;
  }
}

/**
 * Whether `v` holds, at any depth, a number beyond +-(2^53 - 1): the only values where the lossless
 * parser (bigint) and JSON.parse (rounded) can differ. Deeper than 32 levels counts as yes.
 */
function holdsUnsafeNumber(v: unknown, depth: number): boolean {
  if (typeof v === 'number') return !(v <= Number.MAX_SAFE_INTEGER && v >= -Number.MAX_SAFE_INTEGER);
  if (typeof v !== 'object' || v === null) return false;
  if (depth > 32) return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (holdsUnsafeNumber(v[i], depth + 1)) return true;
    return false;
  }
  const o = v as Record<string, unknown>;
  for (const key in o) if (holdsUnsafeNumber(o[key], depth + 1)) return true;
  return false;
}
