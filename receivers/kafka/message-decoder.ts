/**
 * Kafka messages to records. A value is one event (`json`) or newline-separated events
 * (`json_lines`); a gzip-compressed value (producers that compress the value itself, not the
 * batch) is recognized by its magic bytes and inflated, bounded by `max_log_size`. JSON parsing is
 * left to the core's decoder, like every receiver: a value that is not a JSON object becomes a dead
 * letter there, with the position set here. What can be told here (an empty value, corrupt gzip,
 * a value too large) is refused on the record itself, so it is dead-lettered alone too.
 *
 * Positions: `kafka:topic/partition` with the message offset (`kafka:topic/3@1200`); for
 * `json_lines`, `kafka:topic/partition@offset` with the line (`kafka:topic/3@1200:2`).
 */
import zlib from 'node:zlib';
import type { KafkaMessage } from 'kafkajs';
import { hasGzipMagic } from '../../core/gzip';
import { newRecord, type Attributes, type LogRecord } from '../../core/record';
import { UNDECODABLE_HEADER } from './codecs';

export interface DecoderOptions {
  readonly encoding: 'json' | 'json_lines';
  readonly includeMetadata: boolean;
  readonly maxLogSize: number;
  /** The receiver's id, named in refusals. */
  readonly component: string;
}

/** Bytes of a refused value kept in its dead letter. */
const REFUSED_PREFIX_BYTES = 16 * 1024;

export class MessageDecoder {
  constructor(private readonly options: DecoderOptions) {}

  /** Appends the records of `message` to `out`. Never throws. */
  decode(topic: string, partition: number, message: KafkaMessage, observed: bigint, out: LogRecord[]): void {
    const offset = Number(message.offset);
    const source = `kafka:${topic}/${partition}`;
    const meta = this.options.includeMetadata ? metadata(topic, partition, message) : undefined;
    const value = message.value;
    const undecodable = message.headers?.[UNDECODABLE_HEADER];
    if (undecodable !== undefined) {
      out.push(refused('', { source, offset }, observed, 'decompress_failed', String(undecodable), this.options.component, undefined));
      return;
    }
    if (value === null || value.length === 0) {
      out.push(refused('', { source, offset }, observed, 'json_invalid', 'empty message value (a tombstone or an empty message), not an event', this.options.component, meta));
      return;
    }
    let bytes: Buffer = value;
    if (hasGzipMagic(value)) {
      try {
        // One byte over the limit is enough to know the value is too large.
        bytes = zlib.gunzipSync(value, { maxOutputLength: this.options.maxLogSize * (this.options.encoding === 'json_lines' ? 64 : 1) + 1 });
      } catch (err) {
        const tooLarge = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError;
        const reason = tooLarge ? `gzip value inflates to more than ${this.inflateLimit()} bytes` : `gzip value is truncated or corrupt (${(err as Error).message})`;
        out.push(refused('', { source, offset }, observed, tooLarge ? 'line_too_long' : 'decompress_failed', reason, this.options.component, meta));
        return;
      }
    }
    if (this.options.encoding === 'json') {
      this.one(bytes, { source, offset }, observed, meta, out);
      return;
    }
    const lineSource = `${source}@${offset}`;
    let line = 0;
    let start = 0;
    while (start <= bytes.length) {
      let end = bytes.indexOf(10, start);
      if (end < 0) end = bytes.length;
      line++;
      let stop = end;
      if (stop > start && bytes[stop - 1] === 13) stop--;
      if (stop > start) this.one(bytes.subarray(start, stop), { source: lineSource, line, offset }, observed, meta, out);
      start = end + 1;
    }
  }

  private inflateLimit(): number {
    return this.options.maxLogSize * (this.options.encoding === 'json_lines' ? 64 : 1);
  }

  private one(bytes: Buffer, position: LogRecord['position'], observed: bigint, meta: Attributes | undefined, out: LogRecord[]): void {
    if (bytes.length > this.options.maxLogSize) {
      const prefix = bytes.subarray(0, REFUSED_PREFIX_BYTES).toString('utf8');
      const reason = `event of ${bytes.length} bytes is longer than max_log_size (${this.options.maxLogSize} bytes); its first ${Buffer.byteLength(prefix)} bytes are kept`;
      out.push(refused(prefix, position, observed, 'line_too_long', reason, this.options.component, meta));
      return;
    }
    const record = newRecord(bytes.toString('utf8'), position, observed);
    if (meta !== undefined) Object.assign(record.attributes, meta);
    out.push(record);
  }
}

function metadata(topic: string, partition: number, message: KafkaMessage): Attributes {
  const attributes: Attributes = { 'kafka.topic': topic, 'kafka.partition': partition, 'kafka.offset': Number(message.offset) };
  if (message.key !== null && message.key !== undefined) attributes['kafka.key'] = message.key.toString('utf8');
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value === undefined) continue;
    attributes[`kafka.header.${name}`] = Array.isArray(value) ? value.map((v) => v.toString()) : value.toString();
  }
  return attributes;
}

function refused(raw: string, position: LogRecord['position'], observed: bigint, code: string, reason: string, component: string, meta: Attributes | undefined): LogRecord {
  const record = newRecord(raw, position, observed);
  record.refusal = { code, reason, component };
  if (meta !== undefined) Object.assign(record.attributes, meta);
  return record;
}
