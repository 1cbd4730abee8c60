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
import { extractInto, INDICATOR_FIELDS, IndicatorSet, stringExtractor } from './extract';

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
  private readonly byOutKey: Map<string, Target[]>;
  private readonly byInKey: Map<string, Target[]>;
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
    for (let i = 0; i < records.length; i++) this.annotate(records[i]);
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
      for (let i = 0; i < targets.length; i++) {
        const t = targets[i];
        // A top-level string, by far the common case, goes straight to its extractors.
        if (t.path.length === 1 && typeof v === 'string') t.extract(set, v);
        else walk(set, t.kinds, v, t.path, 1);
      }
    }
    const touched = set.touched;
    const n = touched.length;
    if (n === 0) return;
    // Panther's field order, whatever order the values were found in (a handful of slots: insertion sort).
    for (let i = 1; i < n; i++) {
      const slot = touched[i];
      let j = i;
      while (j > 0 && touched[j - 1] > slot) { touched[j] = touched[j - 1]; j--; }
      touched[j] = slot;
    }
    const attributes = record.attributes;
    for (let i = 0; i < n; i++) {
      const slot = touched[i];
      const list = set.result(slot)!;
      const name = INDICATOR_FIELDS[slot];
      if (panther !== undefined) panther[name] = list;
      attributes[name] = list;
    }
  }
}

/** An indicator target as the processor reads it: the path from the top-level key and a ready extractor. */
interface Target {
  readonly path: readonly string[];
  readonly kinds: readonly IndicatorKind[];
  /** extractInto for a string value and these kinds. */
  readonly extract: (set: IndicatorSet, value: string) => void;
}

function byFirstKey(targets: readonly IndicatorTarget[], pathOf: (t: IndicatorTarget) => readonly string[]): Map<string, Target[]> {
  const out = new Map<string, Target[]>();
  for (const t of targets) {
    const path = pathOf(t);
    const target: Target = { path, kinds: t.kinds, extract: stringExtractor(t.kinds) };
    const list = out.get(path[0]);
    if (list === undefined) out.set(path[0], [target]);
    else list.push(target);
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
