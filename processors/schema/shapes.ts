/**
 * Builders of normalized objects, one per record shape (which declared fields are present, and which
 * unknown keys in which order). Events of one type share a shape, so a handful of shapes cover a
 * stream. Each builder is an object literal compiled once: V8 makes such objects from a boilerplate
 * with fast properties, where adding ~20 properties one keyed store at a time costs a map
 * transition each and, past a dozen, drops the object to dictionary mode, which then makes every
 * later read (indicators) and JSON.stringify (panther exporter) slower too.
 *
 * The object a builder returns is exactly what the generic path (keyed stores, `setOwn`) builds:
 * same keys, same order, same values. A literal's duplicate key keeps its first position and takes
 * the last value, as a second assignment does; that is how a kept unknown key named like a p_ field
 * behaves in both.
 */
import { pantherFieldName } from '../../core/panther/names';
import { attachChild, type EdgeNode } from './edge-trie';

/** values: declared values by field index; unknown: kept unknown values in shape order. */
export type Builder = (values: unknown[], unknown: unknown[], rowId: string, eventTime: unknown, parseTime: string) => Record<string, unknown>;

/** The record-independent p_ fields every builder writes. */
export interface Constants {
  readonly logType: string;
  readonly sourceId: string;
  readonly sourceLabel: string;
}

interface Node extends EdgeNode<number | string, Node> {
  /** The builder of the shape ending here; null when it cannot be compiled (generic path). */
  build: Builder | null | undefined;
}

function newNode(): Node {
  return { edge: undefined, child: undefined, more: undefined, build: undefined };
}

/** Bound on compiled shapes: input with ever-new unknown keys must not grow this without end. */
const MAX_NODES = 20_000;
/** Shapes with more or longer unknown keys than this are built the generic way, never cached. */
const MAX_UNKNOWN_KEYS = 64;
const MAX_UNKNOWN_KEY_LENGTH = 128;

export class ShapeCache {
  private readonly root: Node = newNode();
  private nodes = 1;

  constructor(private readonly outNames: readonly string[], private readonly constants: Constants) {}

  /**
   * The builder for declared fields `present[0..count)` (ascending indexes) followed by unknown keys
   * `unknownKeys[0..unknownCount)`, or undefined: use the generic path.
   */
  builder(present: readonly number[], count: number, unknownKeys: readonly string[], unknownCount: number): Builder | undefined {
    if (unknownCount > MAX_UNKNOWN_KEYS) return undefined;
    let node = this.root;
    for (let k = 0; k < count; k++) {
      const edge = present[k];
      const next = node.edge === edge ? node.child : (node.more?.get(edge) ?? this.grow(node, edge));
      if (next === undefined) return undefined;
      node = next;
    }
    for (let k = 0; k < unknownCount; k++) {
      const edge = unknownKeys[k];
      if (edge.length > MAX_UNKNOWN_KEY_LENGTH) return undefined;
      const next = node.edge === edge ? node.child : (node.more?.get(edge) ?? this.grow(node, edge));
      if (next === undefined) return undefined;
      node = next;
    }
    if (node.build === undefined) node.build = this.compile(present.slice(0, count), unknownKeys.slice(0, unknownCount));
    return node.build ?? undefined;
  }

  private grow(node: Node, edge: number | string): Node | undefined {
    if (this.nodes >= MAX_NODES) return undefined;
    this.nodes++;
    return attachChild(node, edge, newNode());
  }

  private compile(present: number[], unknownKeys: string[]): Builder | null {
    const parts = literalParts(this.outNames, present, (i) => `v[${i}]`, unknownKeys, (k) => `u[${k}]`);
    if (parts === null) return null;
    parts.push('p_log_type: c.logType', 'p_row_id: r', 'p_event_time: t', 'p_parse_time: pt', 'p_source_id: c.sourceId', 'p_source_label: c.sourceLabel');
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- compiled once per shape, from names quoted by JSON.stringify
    return new Function('c', `'use strict'; return function build(v, u, r, t, pt) { return { ${parts.join(', ')} }; };`)(this.constants) as Builder;
  }
}

/**
 * The entries of an object literal for declared fields `present` (ascending indexes) then kept
 * unknown keys, before the p_ fields, or null when the shape cannot be a literal. `declared(i)` and
 * `unknown(k)` are the expressions of the values.
 */
export function literalParts(
  outNames: readonly string[], present: readonly number[], declared: (i: number) => string,
  unknownKeys: readonly string[], unknown: (k: number) => string,
): string[] | null {
  const parts: string[] = [];
  const taken = new Set<string>();
  for (const i of present) {
    parts.push(`${JSON.stringify(outNames[i])}: ${declared(i)}`);
    taken.add(outNames[i]);
  }
  unknownKeys.forEach((key, k) => {
    // As setOwn: the rewritten name, or the original when the rewritten one is taken.
    const renamed = pantherFieldName(key);
    const name = taken.has(renamed) ? key : renamed;
    taken.add(name);
    parts.push(`${JSON.stringify(name)}: ${unknown(k)}`);
  });
  // `__proto__: x` in a literal sets the prototype instead of a property: leave it to the generic path.
  return taken.has('__proto__') ? null : parts;
}
