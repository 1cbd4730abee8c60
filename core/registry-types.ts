/** The registry's shape, so the core can take any registry (the distribution's, or a test's). */
import type { AnyFactory, ComponentKind } from './component';

/**
 * Where a worker thread finds a registry again: the module that exports it and the export's name
 * (a registry cannot cross threads, its factories hold functions).
 */
export interface RegistryRef { readonly module: string; readonly name: string }

export class Registry {
  private readonly byKey = new Map<string, AnyFactory>();

  constructor(readonly ref: RegistryRef, factories: readonly AnyFactory[]) {
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
