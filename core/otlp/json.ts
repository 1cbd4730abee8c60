/**
 * OTLP/JSON encoding (the protobuf JSON mapping the Collector's file exporter writes): camelCase
 * fields, 64-bit integers as decimal strings, attributes as `{key, value: {stringValue|...}}`.
 */
import type { AttributeValue, Attributes, LogRecord } from '../record';
import { jsonText } from '../nesting';
import { clusterNameOf, otlpValueDepth, recordTimeUnixNano, recordUid, severityOf } from './log-record';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export type JsonAnyValue =
  | { stringValue: string }
  | { intValue: string }
  | { doubleValue: number }
  | { boolValue: boolean }
  | { arrayValue: { values: JsonAnyValue[] } }
  | { kvlistValue: { values: JsonKeyValue[] } };
export interface JsonKeyValue { key: string; value: JsonAnyValue }

export function toJsonAnyValue(v: AttributeValue): JsonAnyValue {
  switch (typeof v) {
    case 'string': return { stringValue: v };
    case 'boolean': return { boolValue: v };
    // Beyond int64 no integer field can hold it; the decimal string keeps every digit.
    case 'bigint': return v >= INT64_MIN && v <= INT64_MAX ? { intValue: v.toString() } : { stringValue: v.toString() };
    case 'number': return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
    default:
      if (Array.isArray(v)) return { arrayValue: { values: v.map(toJsonAnyValue) } };
      return { kvlistValue: { values: toJsonAttributes(v as Attributes) } };
  }
}

export function toJsonAttributes(attributes: Attributes): JsonKeyValue[] {
  const out: JsonKeyValue[] = [];
  for (const key in attributes) out.push({ key, value: toJsonAnyValue(attributes[key]) });
  return out;
}

export interface ResourceOptions {
  /** `service.name` and any other static resource attributes. */
  readonly attributes: Attributes;
  readonly scopeName: string;
  readonly scopeVersion: string;
  /**
   * What each log record's body carries: `original` (the default) the line as read; `none` no body,
   * for pipelines whose attributes already carry every field (ecs: `teleport.audit.*`). A dead
   * letter keeps its body whatever this says: the line is all it has.
   */
  readonly body?: BodyMode;
}

export type BodyMode = 'original' | 'none';

/** Whether `record`'s body is written under `resource.body`. */
export function writesBody(resource: ResourceOptions, record: LogRecord): boolean {
  return resource.body !== 'none' || record.deadLetter === true;
}

/**
 * One ExportLogsServiceRequest as JSON text, records grouped by resource (Teleport cluster). Built
 * as text, not as an object tree for JSON.stringify: this runs once per record and attribute on
 * the hot path. Each record is one short `+=` rope and the batch joins the records once: pushing
 * every piece of every record into one array made the final join (and the cons strings pushed
 * into it) cost more than the encoding (measured: 19 µs per ECS-annotated record, now 11).
 * Field by field it is the mapping of log-record.ts (toOtlpLogRecord);
 * test/core/otlp-json.test.ts holds the two together.
 */
export function encodeExportLogsServiceRequest(records: readonly LogRecord[], resource: ResourceOptions): string {
  const groups = new Map<string | undefined, LogRecord[]>();
  for (const record of records) {
    const cluster = clusterNameOf(record);
    let group = groups.get(cluster);
    if (!group) groups.set(cluster, (group = []));
    group.push(record);
  }
  const scope = JSON.stringify({ name: resource.scopeName, version: resource.scopeVersion });
  const observed = new ObservedTimeCache();
  const out: string[] = ['{"resourceLogs":['];
  let firstGroup = true;
  for (const [cluster, group] of groups) {
    const attrs: Attributes = cluster === undefined ? resource.attributes : { ...resource.attributes, 'teleport.cluster.name': cluster };
    out.push(firstGroup ? '' : ',', '{"resource":{"attributes":', JSON.stringify(toJsonAttributes(attrs)), '},"scopeLogs":[{"scope":', scope, ',"logRecords":[');
    for (let i = 0; i < group.length; i++) {
      if (i > 0) out.push(',');
      encodeLogRecord(group[i], observed, out, resource);
    }
    out.push(']}]}');
    firstGroup = false;
  }
  out.push(']}');
  return out.join('');
}

/** Records of one batch were mostly read at the same instant: convert that bigint once. */
class ObservedTimeCache {
  private last = -1n;
  private text = '';
  get(ns: bigint): string {
    if (ns !== this.last) { this.last = ns; this.text = ns.toString(); }
    return this.text;
  }
}

/** `{"key":"client.ip","value":` per attribute name, built once: the names repeat on every record. */
const KEY_PREFIX = new Map<string, string>();

function keyPrefix(key: string): string {
  let p = KEY_PREFIX.get(key);
  if (p === undefined) {
    p = `{"key":${JSON.stringify(key)},"value":`;
    if (KEY_PREFIX.size < 10_000) KEY_PREFIX.set(key, p);
  }
  return p;
}

function encodeLogRecord(record: LogRecord, observed: ObservedTimeCache, out: string[], resource: ResourceOptions): void {
  const event = record.event;
  const [severityNumber, severityText] = severityOf(event?.code);
  // One record as a short rope of pieces; the batch joins the records once.
  let s = '{"timeUnixNano":"' + recordTimeUnixNano(record).toString() + '","observedTimeUnixNano":"' + observed.get(record.observedTimeUnixNano)
    + '","severityNumber":' + String(severityNumber);
  if (severityText !== '') s += ',"severityText":' + JSON.stringify(severityText);
  if (writesBody(resource, record)) s += ',"body":{"stringValue":' + JSON.stringify(record.raw) + '}';
  s += ',"attributes":[';
  let first = true;
  const attributes = record.attributes;
  for (const key in attributes) {
    if (key === 'log.record.uid') continue; // the record's own, written below, wins
    if (!first) s += ',';
    s = encodeAnyValue(attributes[key], s + keyPrefix(key), otlpValueDepth()) + '}';
    first = false;
  }
  s += (first ? '' : ',') + '{"key":"log.record.uid","value":{"stringValue":' + JSON.stringify(recordUid(record)) + '}}';
  s += ']';
  const name = event?.event;
  if (typeof name === 'string' && name !== '') s += ',"eventName":' + JSON.stringify(name);
  out.push(s + '}');
}

/** `s` followed by the AnyValue of `v`; a container below `depth` more levels goes as its JSON text. */
function encodeAnyValue(v: AttributeValue, s: string, depth: number): string {
  switch (typeof v) {
    case 'string': return s + '{"stringValue":' + JSON.stringify(v) + '}';
    case 'boolean': return s + (v ? '{"boolValue":true}' : '{"boolValue":false}');
    case 'bigint':
      if (v >= INT64_MIN && v <= INT64_MAX) return s + '{"intValue":"' + v.toString() + '"}';
      return s + '{"stringValue":"' + v.toString() + '"}';
    case 'number':
      if (Number.isInteger(v)) return s + '{"intValue":"' + String(v) + '"}';
      return s + '{"doubleValue":' + (Number.isFinite(v) ? String(v) : JSON.stringify(String(v))) + '}';
  }
  if (depth === 0) return s + '{"stringValue":' + JSON.stringify(jsonText(v)) + '}';
  if (Array.isArray(v)) {
    s += '{"arrayValue":{"values":[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) s += ',';
      s = encodeAnyValue(v[i], s, depth - 1);
    }
    return s + ']}}';
  }
  s += '{"kvlistValue":{"values":[';
  let first = true;
  const map = v as Attributes;
  for (const key in map) {
    if (!first) s += ',';
    s = encodeAnyValue(map[key], s + keyPrefix(key), depth - 1) + '}';
    first = false;
  }
  return s + ']}}';
}
