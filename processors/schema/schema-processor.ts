/**
 * The `schema` processor: types each event against a Panther schema exactly as Panther's parser
 * does and writes the normalized object, with its p_* fields, to `record.panther`. Records that
 * cannot be normalized (missing required field, uncoercible value) are returned as failures for
 * the dead letter, with a reason naming the field. `record.event` and `record.raw` are only read.
 */
import crypto from 'node:crypto';
import type { CreateContext, Processor, ProcessResult } from '../../core/component';
import { mayHoldUnsafeInteger, parseLossless } from '../../core/json-lossless';
import { boundNesting } from '../../core/nesting';
import { pantherFieldName } from '../../core/panther/names';
import { bundledSchemaPath, loadPantherSchema, type PantherSchema } from '../../core/panther/schema';
import type { LogRecord, RecordFailure } from '../../core/record';
import { formatPantherTime } from '../../core/time';
import { ABSENT, compileField, Failure, isEmptyContainer, setOwn, type Coerce } from './coerce';
import type { SchemaProcessorConfig } from './config';
import { InputShapes } from './input-shapes';
import { nextRowId } from './row-id';
import { ShapeCache } from './shapes';

export class SchemaProcessor implements Processor {
  readonly mutates = true;
  readonly schema: PantherSchema;
  private readonly index = new Map<string, number>();
  private readonly coercers: Coerce[];
  private readonly outNames: string[];
  private readonly names: string[];
  private readonly required: number[];
  private readonly eventTime: number;
  private readonly keepUnknown: boolean;
  private readonly sourceId: string;
  // Per-record scratch, reused: values[i] is valid only when stamp[i] === generation.
  private readonly values: unknown[];
  private readonly stamp: Uint32Array;
  private generation = 0;
  // Per-record scratch: indexes of the declared fields present, ascending; kept unknown keys and values.
  private readonly present: number[] = [];
  private readonly unknownKeys: string[] = [];
  private readonly unknownValues: unknown[] = [];
  private readonly shapes: ShapeCache;
  /** The fast path: a normalizer per input shape; records it declines take the generic path below. */
  private readonly inputShapes: InputShapes | undefined;

  constructor(config: SchemaProcessorConfig, private readonly ctx: CreateContext) {
    this.schema = loadPantherSchema(config.schema_file ?? bundledSchemaPath());
    const fields = this.schema.fields;
    this.keepUnknown = config.unknown_fields === 'keep';
    this.coercers = fields.map((f) => compileField(f, { keepUnknown: this.keepUnknown }));
    this.outNames = fields.map((f) => f.outName);
    this.names = fields.map((f) => f.name);
    fields.forEach((f, i) => this.index.set(f.name, i));
    this.required = fields.flatMap((f, i) => (f.required ? [i] : []));
    this.eventTime = fields.findIndex((f) => f.isEventTime);
    this.values = new Array(fields.length).fill(undefined);
    this.stamp = new Uint32Array(fields.length);
    this.sourceId = config.source_id ?? nameBasedUuid(config.source_label);
    this.sourceLabel = config.source_label;
    const constants = { logType: this.schema.logType, sourceId: this.sourceId, sourceLabel: this.sourceLabel };
    this.shapes = new ShapeCache(this.outNames, constants);
    this.inputShapes = new InputShapes({
      fields, index: this.index, coercers: this.coercers, keepUnknown: this.keepUnknown, eventTime: this.eventTime, constants, rowId: nextRowId,
    });
  }

  private readonly sourceLabel: string;

  async start(): Promise<void> {}
  async shutdown(): Promise<void> {}

  process(records: LogRecord[]): ProcessResult {
    const parseTime = formatPantherTime(BigInt(Date.now()) * 1_000_000n);
    let failed: RecordFailure[] | undefined;
    let passed: LogRecord[] | undefined;
    for (let i = 0; i < records.length; i++) {
      const record = records[i];
      const out = this.normalize(record, parseTime);
      if (typeof out === 'string') {
        if (failed === undefined) { failed = []; passed = records.slice(0, i); }
        failed.push({ record, code: 'schema_violation', reason: out, component: this.ctx.id });
      } else {
        record.panther = out;
        passed?.push(record);
      }
    }
    return { records: passed ?? records, failed: failed ?? [] };
  }

  /** The normalized object, or the one-line reason it cannot be made. */
  private normalize(record: LogRecord, parseTime: string): Record<string, unknown> | string {
    let event = record.event as Record<string, unknown> | undefined;
    if (event === undefined) return 'record was not decoded as a JSON object';
    // The fast path declines events holding numbers beyond 2^53, among others.
    if (this.inputShapes !== undefined) {
      const out = this.inputShapes.normalize(event, parseTime);
      if (out !== undefined) return out;
    }
    // Rare: integers beyond 2^53 lost digits in JSON.parse; read this line again losslessly.
    if (mayHoldUnsafeInteger(record.raw)) {
      try {
        event = boundNesting(parseLossless(record.raw)) as Record<string, unknown>;
      } catch {
        // The parser recurses: a line nested deeper than the stack allows keeps its decoded event.
      }
    }
    const gen = ++this.generation === 0xffffffff ? this.resetGeneration() : this.generation;
    const { values, stamp, index, coercers, present, unknownKeys, unknownValues } = this;
    let count = 0;
    let unknownCount = 0;
    for (const key in event) {
      const v = event[key];
      const i = index.get(key);
      if (i === undefined) {
        if (this.keepUnknown && v !== null && v !== '' && !isEmptyContainer(v)) {
          unknownKeys[unknownCount] = key;
          unknownValues[unknownCount++] = v;
        }
        continue;
      }
      if (v === null || v === '' || v === undefined) continue;
      const c = coercers[i](v);
      if (c === ABSENT) continue;
      if (c instanceof Failure) return `${key}${c.path}: ${c.message}`;
      values[i] = c;
      stamp[i] = gen;
      // Panther writes declared fields in schema order, whatever the order in the input line:
      // insert in order (a record has a few dozen fields at most).
      let j = count++;
      while (j > 0 && present[j - 1] > i) { present[j] = present[j - 1]; j--; }
      present[j] = i;
    }
    for (const i of this.required) {
      if (stamp[i] !== gen) return `${this.names[i]}: required field is missing`;
    }
    const eventTime = this.eventTime >= 0 && stamp[this.eventTime] === gen ? values[this.eventTime] : parseTime;
    const build = this.shapes.builder(present, count, unknownKeys, unknownCount);
    const out = build !== undefined
      ? build(values, unknownValues, nextRowId(), eventTime, parseTime)
      : this.buildGeneric(event, count, unknownCount, eventTime, parseTime);
    // Drop references to this record's values so the scratch arrays keep nothing alive.
    for (let k = 0; k < unknownCount; k++) unknownValues[k] = undefined;
    return out;
  }

  /** The same object as a compiled builder makes, by keyed stores (shapes beyond the cache, `__proto__`). */
  private buildGeneric(event: Record<string, unknown>, count: number, unknownCount: number, eventTime: unknown, parseTime: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let k = 0; k < count; k++) out[this.outNames[this.present[k]]] = this.values[this.present[k]];
    for (let k = 0; k < unknownCount; k++) {
      const key = this.unknownKeys[k];
      // A kept key whose rewritten name collides with a declared one keeps its original name.
      setOwn(out, pantherFieldName(key), key, event[key]);
    }
    out.p_log_type = this.schema.logType;
    out.p_row_id = nextRowId();
    out.p_event_time = eventTime;
    out.p_parse_time = parseTime;
    out.p_source_id = this.sourceId;
    out.p_source_label = this.sourceLabel;
    return out;
  }

  private resetGeneration(): number {
    this.stamp.fill(0);
    this.generation = 1;
    return 1;
  }
}

/** RFC 4122 version-5 UUID of `name` in the URL namespace: stable for a given label. */
export function nameBasedUuid(name: string): string {
  const ns = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');
  const hash = crypto.createHash('sha1').update(ns).update(`teleport-otel:${name}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
