/**
 * How a Teleport event becomes an OpenTelemetry log record, independent of the wire encoding.
 * The encoders (json.ts, proto.ts) share the helpers below and write the same fields straight
 * to their wire format for speed; `toOtlpLogRecord` states the whole mapping in one place, and
 * tests hold both encoders to it:
 *
 * - timeUnixNano: the event's `time` (full precision); 0 (unknown) when absent, unparseable or
 *   outside what OTLP's unsigned nanoseconds can hold (before 1970, e.g. Teleport's 0001-01-01)
 * - observedTimeUnixNano: when the receiver read the line
 * - severity: from the code's last letter: I → INFO (9), W → WARN (13), E → ERROR (17),
 *   anything else → UNSPECIFIED (0) with the letter as severityText
 * - eventName: the Teleport event type (`event`)
 * - body: the original line as a string, byte for byte, so nothing is lost (big integers, key
 *   order, escapes)
 * - attributes: what processors added (ECS fields, p_any_* indicators), plus `log.record.uid`
 *   (see recordUid); a value nested deeper than `otlpValueDepth()` goes as its JSON text
 */
import { createHash } from 'node:crypto';
import { maxNestingDepth } from '../nesting';
import type { Attributes, LogRecord } from '../record';
import { rfc3339ToUnixNano, unixNanoOf } from '../time';

/**
 * Protobuf decoders commonly refuse more than 100 nested messages (the default of Java's and of
 * protobufjs's readers), and each level of an attribute value costs three (AnyValue, KeyValueList
 * or ArrayValue, KeyValue) below the four of the request: 30 levels is what every backend decodes.
 */
const OTLP_MAX_VALUE_DEPTH = 30;

/** Container levels of an attribute value written as structure; deeper ones go as JSON text. */
export function otlpValueDepth(): number {
  return Math.min(maxNestingDepth(), OTLP_MAX_VALUE_DEPTH);
}

export interface OtlpLogRecord {
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  eventName: string;
  body: string;
  attributes: Attributes;
}

const MAX_FIXED64 = (1n << 64n) - 1n;

const SEVERITY: Record<string, [number, string]> = { I: [9, 'INFO'], W: [13, 'WARN'], E: [17, 'ERROR'] };

export function severityOf(code: unknown): [number, string] {
  if (typeof code !== 'string' || code.length === 0) return [0, ''];
  const letter = code[code.length - 1];
  return SEVERITY[letter] ?? [0, letter];
}

/** The event's `time` as OTLP `timeUnixNano`; 0 (unknown) when absent, unparseable or out of range. */
export function eventTimeUnixNano(event: LogRecord['event']): bigint {
  const time = typeof event?.time === 'string' ? rfc3339ToUnixNano(event.time) : undefined;
  // OTLP times are fixed64 (unsigned): Teleport's "never" (0001-01-01) cannot be encoded, so it
  // maps to 0 = unknown, like an absent time; the body keeps the original value.
  return time !== undefined && time >= 0n && time <= MAX_FIXED64 ? time : 0n;
}

/** As eventTimeUnixNano, from the time decode read (LogRecord.eventTime) when it did. */
export function recordTimeUnixNano(record: LogRecord): bigint {
  const t = record.eventTime;
  if (t === undefined) return eventTimeUnixNano(record.event);
  if (t === null || t.day < 0) return 0n;
  return unixNanoOf(t);
}

/**
 * The stable id a backend deduplicates on (delivery is at-least-once): the event's `uid`, else a
 * hash of where the record was read. The byte offset is preferred to the line number, which a
 * receiver resuming from a checkpoint no longer knows.
 */
export function recordUid(record: LogRecord): string {
  const uid = record.event?.uid;
  if (typeof uid === 'string' && uid !== '') return uid;
  const { source, offset, line, row } = record.position;
  const where = row !== undefined ? `${source}#row=${row}` : offset !== undefined ? `${source}@${offset}` : line !== undefined ? `${source}:${line}` : source;
  return createHash('sha256').update(where).digest('hex').slice(0, 32);
}

export function toOtlpLogRecord(record: LogRecord): OtlpLogRecord {
  const event = record.event;
  const [severityNumber, severityText] = severityOf(event?.code);
  const attributes = { ...record.attributes, 'log.record.uid': recordUid(record) };
  return {
    timeUnixNano: recordTimeUnixNano(record),
    observedTimeUnixNano: record.observedTimeUnixNano,
    severityNumber,
    severityText,
    eventName: typeof event?.event === 'string' ? event.event : '',
    body: record.raw,
    attributes,
  };
}

/** The resource a record belongs to: Teleport cluster name when the event names one. */
export function clusterNameOf(record: LogRecord): string | undefined {
  const name = record.event?.cluster_name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}
