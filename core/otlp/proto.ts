/**
 * OTLP protobuf encoding of an ExportLogsServiceRequest (opentelemetry-proto v1 logs), straight
 * from the shared mapping (log-record.ts), records grouped by resource as in json.ts.
 *
 * Why not the SDK's ProtobufLogsSerializer: it walks every string in JavaScript one character at
 * a time, twice (a size-estimation pass, then an ASCII check and byte copy), which made it the
 * largest CPU cost of a whole pipeline (~5.6 µs per 390-byte event, more than JSON.parse).
 *
 * One pass, lengths patched afterwards: a nested message reserves the bytes its length prefix
 * most likely needs (1 for a KeyValue, 2 for a LogRecord), is written, and its length goes into
 * the reserved bytes; in the rare case the guess was wrong, the content moves by a byte or two
 * (one native copy). This halves the work of a size pass followed by a write pass. Short strings
 * (most attribute keys and values) are copied by a JavaScript loop while they are ASCII, which
 * beats a native Buffer#write call below ~100 characters; longer or non-ASCII ones go native.
 * The output decodes identically to the SDK's (test/exporters/otlphttp checks it). Attribute
 * values are written by proto-values.ts.
 */
import type { LogRecord } from '../record';
import { clusterNameOf, eventTimeUnixNano, recordUid, severityOf } from './log-record';
import { writesBody, type ResourceOptions } from './json';
import { OtlpValueWriter } from './proto-values';
import { timeOfDayNanos, unixNanoOf, type EventTime } from '../time';

const UID_KEY = 'log.record.uid';
const CLUSTER_KEY = 'teleport.cluster.name';

/** Encoder with reusable scratch space; not reentrant, no I/O. One per exporter. */
export class OtlpProtoEncoder extends OtlpValueWriter {
  /** The last observed time and its 8 bytes: records of a batch mostly share it. */
  private lastObserved = 0n;
  private observedValid = false;
  private readonly observedBytes = Buffer.alloc(8);

  /** `YYYY-MM-DDT` of the last event time seen in the common shape, and that midnight in ns (two uint32 halves). */
  private dayPrefix = '';
  private dayLo = 0;
  private dayHi = 0;

  constructor(private readonly resource: ResourceOptions) {
    super();
  }

  /** The request, in a buffer the caller owns (the encoder keeps no reference to it). */
  encode(records: readonly LogRecord[]): Buffer {
    this.startMessage();
    for (const [cluster, group] of byCluster(records, clusterNameOf)) this.resourceLogs(cluster, group);
    return this.takeMessage();
  }

  /**
   * Each record's LogRecord message content (no field tag, no length), back to back; ends[i] is
   * where record i ends (it starts at ends[i - 1], or 0). The parts go to `assemble`, on this
   * thread or another: the bytes are copied out into `allocate(size)`, by default a fresh,
   * unpooled ArrayBuffer of their own that a worker thread can transfer.
   */
  encodeEach(records: readonly LogRecord[], allocate: (size: number) => Uint8Array = allocateTransferable): { bytes: Uint8Array; ends: Int32Array } {
    this.startScratch();
    const ends = new Int32Array(records.length);
    for (let i = 0; i < records.length; i++) {
      this.logRecordContent(records[i]);
      ends[i] = this.pos;
    }
    const out = allocate(this.pos);
    out.set(this.buf.subarray(0, this.pos));
    this.endScratch();
    return { bytes: out, ends };
  }

  /**
   * A whole ExportLogsServiceRequest of `records`, taking each record's LogRecord content from
   * `parts[i]` (made by `encodeEach`) where there is one and encoding the record where there is
   * none, grouped by cluster exactly as `encode` groups records: the bytes equal `encode`'s.
   */
  assemble(records: readonly LogRecord[], parts: readonly ({ key: string; bytes: Uint8Array } | undefined)[]): Buffer {
    // Group by index, into the order `encode` writes: the cluster of a part is its key.
    const clusterAt = (i: number): string | undefined => {
      const part = parts[i];
      return part === undefined ? clusterNameOf(records[i]) : part.key === '' ? undefined : part.key;
    };
    const indexes = new Array<number>(records.length);
    for (let i = 0; i < indexes.length; i++) indexes[i] = i;
    this.startMessage();
    for (const [cluster, group] of byCluster(indexes, clusterAt)) this.resourceParts(cluster, group, records, parts);
    return this.takeMessage();
  }

  // ---- messages

  /** Start of the current ResourceLogs and ScopeLogs contents, for endResource. */
  private rlStart = 0;
  private slStart = 0;
  /** Bytes reserved for the ResourceLogs and ScopeLogs lengths being written. */
  private outerReserved = 4;

  private resourceLogs(cluster: string | undefined, records: readonly LogRecord[]): void {
    this.beginResource(cluster);
    for (let i = 0; i < records.length; i++) {
      const start = this.begin(2, 2);
      this.logRecordContent(records[i]);
      this.end(start, 2);
    }
    this.endResource();
  }

  private resourceParts(
    cluster: string | undefined, indexes: readonly number[], records: readonly LogRecord[], parts: readonly ({ bytes: Uint8Array } | undefined)[],
  ): void {
    this.beginResource(cluster);
    for (let k = 0; k < indexes.length; k++) {
      const i = indexes[k];
      const bytes = parts[i]?.bytes;
      if (bytes === undefined) {
        const start = this.begin(2, 2);
        this.logRecordContent(records[i]);
        this.end(start, 2);
        continue;
      }
      const n = bytes.length;
      this.ensure(n + 6);
      this.tag(2); // log_records (2)
      this.varint(n);
      this.buf.set(bytes, this.pos);
      this.pos += n;
    }
    this.endResource();
  }

  /** ResourceLogs up to its ScopeLogs' first log record. */
  private beginResource(cluster: string | undefined): void {
    // The outer lengths are reserved at the size the last request's needed: most requests are of
    // a size, so the whole request is not moved to fit its lengths (as a fixed guess would).
    this.outerReserved = Math.max(1, this.outerLengthBytes());
    this.rlStart = this.begin(1, this.outerReserved);
    const res = this.begin(1, 2);
    const base = this.resource.attributes;
    let clusterWritten = cluster === undefined;
    for (const key in base) {
      // The record's cluster wins over a configured attribute of the same name, in its place.
      if (!clusterWritten && key === CLUSTER_KEY) { this.keyValue(1, key, cluster!); clusterWritten = true; }
      else this.keyValue(1, key, base[key]);
    }
    if (!clusterWritten) this.keyValue(1, CLUSTER_KEY, cluster!);
    this.end(res, 2);
    this.slStart = this.begin(2, this.outerReserved);
    const scope = this.begin(1, 1);
    this.string(1, this.resource.scopeName);
    if (this.resource.scopeVersion !== '') this.string(2, this.resource.scopeVersion);
    this.end(scope, 1);
  }

  private endResource(): void {
    this.end(this.slStart, this.outerReserved);
    this.end(this.rlStart, this.outerReserved);
  }

  /** A LogRecord message's content, without its tag and length. */
  private logRecordContent(record: LogRecord): void {
    const event = record.event;
    this.ensure(64);
    this.buf[this.pos++] = 0x09; // time_unix_nano (1), fixed64
    if (record.eventTime === undefined) this.eventTime(event);
    else this.decodedTime(record.eventTime);
    const code = event?.code;
    const [severityNumber, severityText] = severityOf(code);
    if (severityNumber !== 0) {
      this.buf[this.pos++] = 0x10; // severity_number (2), varint
      this.varint(severityNumber);
    }
    if (severityText !== '') this.string(3, severityText);
    if (writesBody(this.resource, record)) {
      // body (5): AnyValue { string_value (1) }
      const body = this.begin(5, 2);
      this.string(1, record.raw);
      this.end(body, 2);
    }
    const uid = recordUid(record);
    const attributes = record.attributes;
    let uidWritten = false;
    for (const key in attributes) {
      // The uid of the event wins over an attribute of the same name, in that attribute's place.
      if (key === UID_KEY) { this.keyValue(6, key, uid); uidWritten = true; }
      else this.keyValue(6, key, attributes[key]);
    }
    if (!uidWritten) this.keyValue(6, UID_KEY, uid);
    this.ensure(10);
    this.buf[this.pos++] = 0x59; // observed_time_unix_nano (11), fixed64
    this.observed(record.observedTimeUnixNano);
    const name = event?.event;
    if (typeof name === 'string' && name !== '') this.string(12, name);
  }

  // ---- primitives

  /**
   * time_unix_nano of the event, as eventTimeUnixNano defines it. Consecutive events mostly share
   * their day: for `<same day>THH:MM:SS[.<1-9 digits>]Z` the time of day is added to the
   * remembered midnight as two 32-bit halves, with no bigint and no regex; anything else takes
   * the general path (which also validates the day once).
   */
  private eventTime(event: LogRecord['event']): void {
    const text = event?.time;
    if (typeof text === 'string' && this.dayPrefix !== '') {
      const n = text.length;
      if (n >= 20 && n <= 30 && text.charCodeAt(n - 1) === 0x5a /* Z */ && text.startsWith(this.dayPrefix)) {
        const nanos = timeOfDayNanos(text, n - 1);
        if (nanos >= 0) {
          const lo = this.dayLo + nanos; // below 2^53: exact
          const carry = Math.floor(lo / 0x100000000);
          const hi = this.dayHi + carry;
          if (hi <= 0xffffffff) {
            this.uint32(lo - carry * 0x100000000);
            this.uint32(hi);
            return;
          }
        }
      }
    }
    const t = eventTimeUnixNano(event);
    this.fixed64(t);
    // Remember this day when the text has the common shape `YYYY-MM-DDTHH:MM:SS[.fff]Z`.
    if (t > 0n && typeof text === 'string' && text.length >= 20 && text.charCodeAt(10) === 0x54 /* T */ && text.charCodeAt(text.length - 1) === 0x5a) {
      const nanos = timeOfDayNanos(text, text.length - 1);
      if (nanos >= 0) {
        const midnight = t - BigInt(nanos);
        this.dayPrefix = text.slice(0, 11);
        this.dayLo = Number(midnight & 0xffffffffn);
        this.dayHi = Number(midnight >> 32n);
      }
    }
  }

  /** Day (since the epoch) whose midnight is in midnightLo/Hi; NaN: none yet. */
  private midnightDay = NaN;
  private midnightLo = 0;
  private midnightHi = 0;

  /**
   * time_unix_nano of a time decode read (recordTimeUnixNano's value): the day's midnight is
   * kept as two uint32 halves, so a record of the same day costs an addition, no bigint.
   */
  private decodedTime(t: EventTime | null): void {
    if (t === null || t.day < 0) { this.fixed64(0n); return; }
    if (t.day !== this.midnightDay) {
      const midnight = BigInt(t.day) * 86_400_000_000_000n;
      if (midnight + 86_400_000_000_000n > 0xffffffffffffffffn) {
        // The last days fixed64 reaches (year 2554), and beyond: exactly as recordTimeUnixNano.
        const v = unixNanoOf(t);
        this.fixed64(v <= 0xffffffffffffffffn ? v : 0n);
        return;
      }
      this.midnightDay = t.day;
      this.midnightLo = Number(midnight & 0xffffffffn);
      this.midnightHi = Number(midnight >> 32n);
    }
    const lo = this.midnightLo + t.nanosOfDay; // below 2^53: exact
    const carry = Math.floor(lo / 0x100000000);
    this.uint32(lo - carry * 0x100000000);
    this.uint32(this.midnightHi + carry);
  }

  private observed(v: bigint): void {
    const bytes = this.observedBytes;
    if (v !== this.lastObserved || !this.observedValid) {
      bytes.writeBigUInt64LE(BigInt.asUintN(64, v), 0);
      this.lastObserved = v;
      this.observedValid = true;
    }
    const buf = this.buf;
    const p = this.pos;
    for (let i = 0; i < 8; i++) buf[p + i] = bytes[i];
    this.pos = p + 8;
  }

}

function allocateTransferable(size: number): Uint8Array {
  // allocUnsafeSlow keeps it out of Buffer's shared pool: the whole ArrayBuffer is what a transfer moves.
  const out = Buffer.allocUnsafeSlow(size);
  return new Uint8Array(out.buffer, 0, out.length);
}

/**
 * Items grouped by cluster, groups in order of first appearance. Most batches hold one cluster:
 * the items themselves are then the one group, and a map is built only when a second one shows up.
 */
function byCluster<T>(items: readonly T[], clusterOf: (item: T) => string | undefined): Iterable<[string | undefined, readonly T[]]> {
  if (items.length === 0) return [];
  const first = clusterOf(items[0]);
  let groups: Map<string | undefined, T[]> | undefined;
  for (let i = 1; i < items.length; i++) {
    const cluster = clusterOf(items[i]);
    if (groups === undefined) {
      if (cluster === first) continue;
      groups = new Map([[first, items.slice(0, i)]]);
    }
    let group = groups.get(cluster);
    if (!group) groups.set(cluster, (group = []));
    group.push(items[i]);
  }
  return groups ?? [[first, items]];
}
