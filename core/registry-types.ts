/** The registry's shape, so the core can take any registry (tests pass small ones). */
import type { AnyFactory, ComponentKind } from './component';

export class Registry {
  private readonly byKey = new Map<string, AnyFactory>();

  constructor(factories: readonly AnyFactory[]) {
    for (const f of factories) {
      const key = `${f.kind}:${f.type}`;
      if (this.byKey.has(key)) throw new Error(`registry: ${f.kind} type "${f.type}" registered twice`);
      this.byKey.set(key, f);
    }
  }

  find(kind: ComponentKind, type: string): AnyFactory | undefined {
    return this.byKey.get(`${kind}:${type}`);
  }

  types(kind: ComponentKind): string[] {
    return [...this.byKey.values()].filter((f) => f.kind === kind).map((f) => f.type).sort();
  }

  all(): AnyFactory[] {
    return [...this.byKey.values()];
  }
}
