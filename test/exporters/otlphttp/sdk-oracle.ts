/**
 * Test oracle: the OTLP mapping (core/otlp/log-record.ts) in the shape the OpenTelemetry SDK's
 * serializers read (`ReadableLogRecord` of @opentelemetry/sdk-logs), so a test can encode the same
 * records with the SDK's `ProtobufLogsSerializer` and compare with core/otlp/proto.ts.
 *
 * Differences the SDK forces, both lossless:
 * - times become `[seconds, nanos]` (HrTime); full nanosecond precision is kept.
 * - the SDK's AnyValue writers skip `bigint`; a bigint attribute is written as an int when it is a
 *   safe integer and as its decimal string otherwise, so no digit is lost.
 */
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { AttributeValue, Attributes, LogRecord } from '../../../core/record';
import { clusterNameOf, toOtlpLogRecord } from '../../../core/otlp/log-record';
import type { ResourceOptions } from '../../../core/otlp/json';

type SdkResource = ReadableLogRecord['resource'];
type SdkScope = ReadableLogRecord['instrumentationScope'];
type SdkAttributes = ReadableLogRecord['attributes'];

/**
 * Builds SDK-shaped records for one export, grouping by resource the way the SDK serializers
 * do (by object identity): one resource object per Teleport cluster, reused across calls.
 * Not thread-safe, no I/O; one instance per exporter.
 */
export class SdkRecordBuilder {
  private readonly scope: SdkScope;
  private readonly resources = new Map<string | undefined, SdkResource>();
  // Receivers stamp a whole batch with one observed time: convert it once.
  private lastObserved = -1n;
  private lastObservedHr: [number, number] = [0, 0];

  constructor(private readonly resource: ResourceOptions) {
    this.scope = { name: resource.scopeName, version: resource.scopeVersion };
  }

  build(records: readonly LogRecord[]): ReadableLogRecord[] {
    const out = new Array<ReadableLogRecord>(records.length);
    for (let i = 0; i < records.length; i++) out[i] = this.one(records[i]);
    return out;
  }

  private one(record: LogRecord): ReadableLogRecord {
    const r = toOtlpLogRecord(record);
    if (r.observedTimeUnixNano !== this.lastObserved) {
      this.lastObserved = r.observedTimeUnixNano;
      this.lastObservedHr = toHrTime(r.observedTimeUnixNano);
    }
    return {
      hrTime: toHrTime(r.timeUnixNano),
      hrTimeObserved: this.lastObservedHr,
      severityNumber: r.severityNumber,
      severityText: r.severityText === '' ? undefined : r.severityText,
      eventName: r.eventName === '' ? undefined : r.eventName,
      body: r.body,
      attributes: toSdkAttributes(r.attributes),
      droppedAttributesCount: 0,
      resource: this.resourceFor(clusterNameOf(record)),
      instrumentationScope: this.scope,
    };
  }

  private resourceFor(cluster: string | undefined): SdkResource {
    let resource = this.resources.get(cluster);
    if (resource === undefined) {
      const attributes: Attributes = cluster === undefined ? this.resource.attributes : { ...this.resource.attributes, 'teleport.cluster.name': cluster };
      // The serializers read only `attributes` (and `schemaUrl`) of a resource; a full SDK
      // Resource would pull in @opentelemetry/resources for nothing.
      resource = { attributes: toSdkAttributes(attributes) } as unknown as SdkResource;
      // Bounded by the number of clusters a deployment has; guard against a flood of names.
      if (this.resources.size < 1024) this.resources.set(cluster, resource);
    }
    return resource;
  }
}

/** `[seconds, nanos]` of a unix-nano bigint, exact. */
export function toHrTime(unixNano: bigint): [number, number] {
  const seconds = unixNano / 1_000_000_000n;
  return [Number(seconds), Number(unixNano - seconds * 1_000_000_000n)];
}

/** The attributes unchanged unless they hold a bigint somewhere (rare), then a converted copy. */
export function toSdkAttributes(attributes: Attributes): SdkAttributes {
  for (const key in attributes) {
    if (needsConversion(attributes[key])) {
      const out: Record<string, unknown> = {};
      for (const k in attributes) out[k] = convert(attributes[k]);
      return out as SdkAttributes;
    }
  }
  return attributes as SdkAttributes;
}

function needsConversion(v: AttributeValue): boolean {
  if (typeof v === 'bigint') return true;
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v)) return v.some(needsConversion);
  for (const k in v) if (needsConversion((v as Record<string, AttributeValue>)[k])) return true;
  return false;
}

function convert(v: AttributeValue): unknown {
  if (typeof v === 'bigint') {
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  }
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(convert);
  const out: Record<string, unknown> = {};
  for (const k in v) out[k] = convert((v as Record<string, AttributeValue>)[k]);
  return out;
}
