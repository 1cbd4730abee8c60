/**
 * OTLP/JSON encoding (the protobuf JSON mapping the Collector's file exporter writes): camelCase
 * fields, 64-bit integers as decimal strings, attributes as `{key, value: {stringValue|...}}`.
 */
import type { AttributeValue, Attributes, LogRecord } from '../record';
import { clusterNameOf, toOtlpLogRecord } from './log-record';

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

/** One ExportLogsServiceRequest, records grouped by resource (Teleport cluster). */
export function toExportLogsServiceRequest(records: readonly LogRecord[], resource: ResourceOptions): object {
  const groups = new Map<string | undefined, object[]>();
  for (const record of records) {
    const cluster = clusterNameOf(record);
    let group = groups.get(cluster);
    if (!group) groups.set(cluster, (group = []));
    group.push(toJsonLogRecord(record));
  }
  const resourceLogs = [];
  for (const [cluster, logRecords] of groups) {
    const attrs: Attributes = cluster === undefined ? resource.attributes : { ...resource.attributes, 'teleport.cluster.name': cluster };
    resourceLogs.push({
      resource: { attributes: toJsonAttributes(attrs) },
      scopeLogs: [{ scope: { name: resource.scopeName, version: resource.scopeVersion }, logRecords }],
    });
  }
  return { resourceLogs };
}

function toJsonLogRecord(record: LogRecord): object {
  const r = toOtlpLogRecord(record);
  const out: Record<string, unknown> = {
    timeUnixNano: r.timeUnixNano.toString(),
    observedTimeUnixNano: r.observedTimeUnixNano.toString(),
    severityNumber: r.severityNumber,
  };
  if (r.severityText !== '') out.severityText = r.severityText;
  out.body = { stringValue: r.body };
  out.attributes = toJsonAttributes(r.attributes);
  if (r.eventName !== '') out.eventName = r.eventName;
  return out;
}
