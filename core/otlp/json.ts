/**
 * OTLP/JSON encoding (the protobuf JSON mapping the Collector's file exporter writes): camelCase
 * fields, 64-bit integers as decimal strings, attributes as `{key, value: {stringValue|...}}`.
 */
import type { AttributeValue, Attributes, LogRecord } from '../record';
import { clusterNameOf, eventTimeUnixNano, severityOf } from './log-record';

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
    case 'bigint': return { intValue: v.toString() };
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
}

/**
 * One ExportLogsServiceRequest as JSON text, records grouped by resource (Teleport cluster). Built
 * as a string rather than an object tree for JSON.stringify: this runs once per record on the
 * hot path, and the body (the raw line) is escaped exactly once. Field by field it is the mapping
 * of log-record.ts (toOtlpLogRecord); test/core/otlp-json.test.ts holds the two together.
 */
export function encodeExportLogsServiceRequest(records: readonly LogRecord[], resource: ResourceOptions): string {
  const groups = new Map<string | undefined, string[]>();
  const observed = new ObservedTimeCache();
  for (const record of records) {
    const cluster = clusterNameOf(record);
    let group = groups.get(cluster);
    if (!group) groups.set(cluster, (group = []));
    group.push(encodeLogRecord(record, observed));
  }
  const scope = JSON.stringify({ name: resource.scopeName, version: resource.scopeVersion });
  const resourceLogs: string[] = [];
  for (const [cluster, logRecords] of groups) {
    const attrs: Attributes = cluster === undefined ? resource.attributes : { ...resource.attributes, 'teleport.cluster.name': cluster };
    resourceLogs.push(`{"resource":{"attributes":${JSON.stringify(toJsonAttributes(attrs))}},"scopeLogs":[{"scope":${scope},"logRecords":[${logRecords.join(',')}]}]}`);
  }
  return `{"resourceLogs":[${resourceLogs.join(',')}]}`;
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

function encodeLogRecord(record: LogRecord, observed: ObservedTimeCache): string {
  const event = record.event;
  const [severityNumber, severityText] = severityOf(event?.code);
  const time = eventTimeUnixNano(event);
  let s = `{"timeUnixNano":"${time}","observedTimeUnixNano":"${observed.get(record.observedTimeUnixNano)}","severityNumber":${severityNumber}`;
  if (severityText !== '') s += `,"severityText":${JSON.stringify(severityText)}`;
  s += `,"body":{"stringValue":${JSON.stringify(record.raw)}},"attributes":[`;
  let first = true;
  const attributes = record.attributes;
  for (const key in attributes) {
    s += `${first ? '' : ','}{"key":${JSON.stringify(key)},"value":${encodeAnyValue(attributes[key])}}`;
    first = false;
  }
  const uid = event?.uid;
  if (typeof uid === 'string' && uid !== '') s += `${first ? '' : ','}{"key":"log.record.uid","value":{"stringValue":${JSON.stringify(uid)}}}`;
  s += ']';
  const name = event?.event;
  if (typeof name === 'string' && name !== '') s += `,"eventName":${JSON.stringify(name)}`;
  return s + '}';
}

function encodeAnyValue(v: AttributeValue): string {
  switch (typeof v) {
    case 'string': return `{"stringValue":${JSON.stringify(v)}}`;
    case 'boolean': return `{"boolValue":${v}}`;
    case 'bigint': return `{"intValue":"${v}"}`;
    case 'number': return Number.isInteger(v) ? `{"intValue":"${v}"}` : `{"doubleValue":${Number.isFinite(v) ? v : JSON.stringify(String(v))}}`;
    default: return JSON.stringify(toJsonAnyValue(v));
  }
}
