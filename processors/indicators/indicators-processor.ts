/**
 * The `indicators` processor: Panther's p_any_* fields, from the fields a schema marks with
 * `indicators`. It reads the normalized `record.panther` the schema processor made (or, without
 * one, the decoded event under its input names) and writes each non-empty list both to
 * `record.panther` and, as a string array, to `record.attributes` for OTLP exporters.
 * It never fails a record: a value that is no valid indicator is simply not one.
 */
import type { CreateContext, Processor, ProcessResult } from '../../core/component';
import { bundledSchemaPath, loadPantherSchema, type FieldSpec, type IndicatorKind, type ValueSpec } from '../../core/panther/schema';
import type { LogRecord } from '../../core/record';
import type { IndicatorsProcessorConfig } from './config';
import { extractInto, INDICATOR_FIELDS, IndicatorSet } from './extract';

/** One schema field carrying indicators, by its path in the normalized and in the raw record. */
export interface IndicatorTarget {
  readonly outPath: readonly string[];
  readonly inPath: readonly string[];
  readonly kinds: readonly IndicatorKind[];
}

export function indicatorTargets(fields: readonly FieldSpec[]): IndicatorTarget[] {
  const targets: IndicatorTarget[] = [];
  const visit = (spec: ValueSpec, outPath: string[], inPath: string[]) => {
    if (spec.indicators.length > 0) targets.push({ outPath, inPath, kinds: spec.indicators });
    // Arrays are transparent: walk() visits every element at the same path.
    if (spec.element) visit(spec.element, outPath, inPath);
    for (const f of spec.fields ?? []) visit(f, [...outPath, f.outName], [...inPath, f.name]);
  };
  for (const f of fields) visit(f, [f.outName], [f.name]);
  return targets;
}

export class IndicatorsProcessor implements Processor {
  readonly mutates = true;
  private readonly targets: IndicatorTarget[];
  /** Targets by the top-level key they start at, in the normalized and in the raw record. */
  private readonly byOutKey: Map<string, IndicatorTarget[]>;
  private readonly byInKey: Map<string, IndicatorTarget[]>;
  private readonly set = new IndicatorSet();

  constructor(config: IndicatorsProcessorConfig, ctx: CreateContext) {
    this.targets = indicatorTargets(loadPantherSchema(config.schema_file ?? bundledSchemaPath()).fields);
    this.byOutKey = byFirstKey(this.targets, (t) => t.outPath);
    this.byInKey = byFirstKey(this.targets, (t) => t.inPath);
    void ctx;
  }

  async start(): Promise<void> {}
  async shutdown(): Promise<void> {}

  process(records: LogRecord[]): ProcessResult {
    for (const record of records) this.annotate(record);
    return { records, failed: [] };
  }

  private annotate(record: LogRecord): void {
    const panther = record.panther;
    const source = (panther ?? record.event) as Record<string, unknown> | undefined;
    if (source === undefined) return;
    const set = this.set;
    set.clear();
    // One pass over the keys the record has (a couple of dozen) rather than a lookup per indicator
    // field of the schema, most of which a given event lacks.
    const byKey = panther === undefined ? this.byInKey : this.byOutKey;
    for (const key in source) {
      const targets = byKey.get(key);
      if (targets === undefined || !Object.hasOwn(source, key)) continue;
      const v = source[key];
      if (v === undefined) continue;
      for (const t of targets) {
        const path = panther === undefined ? t.inPath : t.outPath;
        if (path.length === 1 && typeof v === 'string') extractInto(set, t.kinds, v);
        else walk(set, t.kinds, v, path, 1);
      }
    }
    const touched = set.touched;
    if (touched.length === 0) return;
    // Panther's field order, whatever order the values were found in.
    if (touched.length > 1) touched.sort((a, b) => a - b);
    const attributes = record.attributes;
    for (const slot of touched) {
      const list = set.result(slot)!;
      const name = INDICATOR_FIELDS[slot];
      if (panther !== undefined) panther[name] = list;
      attributes[name] = list;
    }
  }
}

function byFirstKey(targets: readonly IndicatorTarget[], pathOf: (t: IndicatorTarget) => readonly string[]): Map<string, IndicatorTarget[]> {
  const out = new Map<string, IndicatorTarget[]>();
  for (const t of targets) {
    const key = pathOf(t)[0];
    const list = out.get(key);
    if (list === undefined) out.set(key, [t]);
    else list.push(t);
  }
  return out;
}

function walk(set: IndicatorSet, kinds: readonly IndicatorKind[], v: unknown, path: readonly string[], depth: number): void {
  if (Array.isArray(v)) {
    for (const x of v) walk(set, kinds, x, path, depth);
  } else if (depth === path.length) {
    extractInto(set, kinds, v);
  } else if (typeof v === 'object' && v !== null) {
    walk(set, kinds, (v as Record<string, unknown>)[path[depth]], path, depth + 1);
  }
}
