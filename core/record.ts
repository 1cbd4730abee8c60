/**
 * The record model shared by every component.
 *
 * Ownership: a receiver creates records and never touches them again once handed to `consume`.
 * Processors write to `panther` and `attributes`, which the fan-out gives each mutating pipeline a
 * private copy of. `raw` and `event` are read-only after decoding, except for a processor whose job
 * is to rewrite the event (redaction): it replaces both (new objects, never edited in place, since
 * other pipelines share the originals), and every later stage, exporter and dead letter sees the
 * replacement.
 */

import type { EventTime } from './time';

/** Where a record came from, precise enough for a user to find the line again. */
export interface SourcePosition {
  /** File path, `s3://bucket/key`, `kafka:topic/partition`, or the HTTP peer/path. */
  readonly source: string;
  /** 1-based line number within `source`, where lines exist. */
  readonly line?: number;
  /** Byte offset of the line's first byte (files) or message offset (Kafka). */
  readonly offset?: number;
  /** 0-based row within `source`, for row formats (Parquet): described as `source#row=N`. */
  readonly row?: number;
}

/** An attribute value as OTLP can carry it. */
export type AttributeValue =
  | string
  | number
  | bigint
  | boolean
  | readonly AttributeValue[]
  | { readonly [key: string]: AttributeValue };

export type Attributes = Record<string, AttributeValue>;

export interface LogRecord {
  /** The line or message exactly as read (UTF-8 decoded), or as a rewriting processor replaced it. */
  raw: string;
  /** Where it came from. */
  readonly position: SourcePosition;
  /** When the receiver read it, in nanoseconds since the epoch. */
  readonly observedTimeUnixNano: bigint;
  /**
   * The parsed Teleport event. Set by `decodeRecords` (or by a receiver that already holds a
   * parsed object); never mutated afterwards.
   */
  event?: Readonly<Record<string, unknown>>;
  /**
   * The event's `time`, read once by `decodeRecords` (core/time.ts scanRfc3339) for every stage
   * that needs it: null when the event has no `time` or it is not RFC 3339; undefined when the
   * record was not decoded by the core (consumers then read `event.time` themselves).
   */
  eventTime?: EventTime | null;
  /** Panther's normalized view (schema processor), with p_* fields. */
  panther?: Record<string, unknown>;
  /** Fields processors add for exporters (ECS fields, p_any_* indicators), keyed by dotted name. */
  attributes: Attributes;
  /**
   * Set by a receiver that already knows the record can never be accepted (a line over
   * max_log_size, an undecodable message): it goes straight to the dead letter with this reason.
   */
  refusal?: { readonly code: string; readonly reason: string; readonly component: string };
  /** Set on the records a dead-letter exporter receives (see core/pipeline/dead-letter.ts). */
  deadLetter?: true;
  /**
   * The record as each exporter's encoder wrote it (by exporter id), set by a pipeline whose
   * exporters all have encoders: on its worker threads, or on the main thread right after its
   * processors (when it has some). `event`, `panther` and `attributes` are then dropped (worker
   * threads never send them back), so a record waiting for its exporters holds bytes, not
   * objects. The bytes are valid until the pipeline's export of the record settles.
   */
  encoded?: Readonly<Record<string, EncodedRecord>>;
}

/** One record's bytes from an exporter's RecordEncoder, and the key the exporter groups it by. */
export interface EncodedRecord {
  readonly bytes: Uint8Array;
  readonly key: string;
}

/**
 * The records' encodings for `exporterId`, where the pipeline made them (on its worker threads, or
 * before exporting on the main thread); a record without one (undefined) is whole and the exporter
 * encodes it itself. Undefined when no record has one. A batch can mix both: an exporter's batch
 * may gather records of several pipelines, and a record an encoder refused is left whole.
 */
export function encodingsFor(records: readonly LogRecord[], exporterId: string): (EncodedRecord | undefined)[] | undefined {
  let out: (EncodedRecord | undefined)[] | undefined;
  for (let i = 0; i < records.length; i++) {
    const e = records[i].encoded?.[exporterId];
    if (e === undefined) continue;
    out ??= new Array<EncodedRecord | undefined>(records.length);
    out[i] = e;
  }
  return out;
}

/** A permanent, per-record failure: the record goes to the pipeline's dead letter. */
export interface RecordFailure {
  readonly record: LogRecord;
  /** Stable error code (see core/errors.ts). */
  readonly code: string;
  /** One line: what is wrong with this record. */
  readonly reason: string;
  /** The component that refused it (`schema`, `exporter otlphttp`...). */
  readonly component: string;
}

export function describePosition(position: SourcePosition): string {
  if (position.row !== undefined) return `${position.source}#row=${position.row}`;
  if (position.line !== undefined) return `${position.source}:${position.line}`;
  if (position.offset !== undefined) return `${position.source}@${position.offset}`;
  return position.source;
}

/** A copy a mutating pipeline may write to without affecting other pipelines. */
export function cloneForMutation(record: LogRecord): LogRecord {
  return {
    raw: record.raw,
    position: record.position,
    observedTimeUnixNano: record.observedTimeUnixNano,
    event: record.event,
    eventTime: record.eventTime,
    panther: record.panther === undefined ? undefined : { ...record.panther },
    attributes: { ...record.attributes },
    refusal: record.refusal,
  };
}

export function newRecord(raw: string, position: SourcePosition, observedTimeUnixNano: bigint): LogRecord {
  return { raw, position, observedTimeUnixNano, event: undefined, eventTime: undefined, panther: undefined, attributes: {} };
}

/** Nanoseconds since the epoch, now. */
export function nowUnixNano(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
