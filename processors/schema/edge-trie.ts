/**
 * The node layout both shape tries use (input key sequences, output shapes): the first edge out of
 * a node is a field checked by one comparison, since most nodes have a single child; every other
 * edge lives in a map made on demand.
 */
export interface EdgeNode<E, N> {
  edge: E | undefined;
  child: N | undefined;
  more: Map<E, N> | undefined;
}

/** Adds `child` under `edge` (not yet present) and returns it. */
export function attachChild<E, N extends EdgeNode<E, N>>(node: N, edge: E, child: N): N {
  if (node.child === undefined) {
    node.edge = edge;
    node.child = child;
  } else {
    (node.more ??= new Map()).set(edge, child);
  }
  return child;
}
