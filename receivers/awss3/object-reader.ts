/**
 * Reads one S3 object as a stream of lines, one record per line, and hands them to the pipeline
 * through an AckWindow (at most `max_batches_in_flight` batches awaiting acknowledgement, so a
 * slow exporter slows the download and memory stays flat). It resolves only once every batch it
 * sent settled, so its caller (an SQS message, a backfill checkpoint) knows whether everything the
 * object holds was accepted or dead-lettered.
 *
 * Gzip is recognized by Content-Encoding, Content-Type or a `.gz` key, and by its magic bytes when
 * none of those says so. Positions are `s3://bucket/key:line`, with the byte offset in the
 * (decompressed) stream. Parquet objects (format `parquet`, or `auto` and the first bytes are
 * `PAR1`) go to parquet-reader.ts instead, which reads them by ranges.
 */
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import type { Consumer } from '../../core/component';
import { RetryableError, errorMessage } from '../../core/errors';
import { hasGzipMagic } from '../../core/gzip';
import { LineSplitter, type LineSink } from '../../core/line-splitter';
import type { InFlightBytes } from '../../core/in-flight-bytes';
import { newRecord, nowUnixNano } from '../../core/record';
import type { ObjectRef } from './notification';
import { ObjectBatches } from './object-batches';
import { readParquet, startsWithParquetMagic } from './parquet-reader';

/** What reading an object needs from the receiver. */
export interface ReadContext {
  readonly s3: S3Client;
  readonly consumer: Consumer;
  readonly component: string;
  readonly maxBatchSize: number;
  readonly maxBatchesInFlight: number;
  /** The receiver's bound across the objects it reads at once. */
  readonly bytesInFlight: InFlightBytes;
  readonly maxLogSize: number;
  /** Aborted at shutdown: the read stops and reports `failed` (nothing after it is acknowledged). */
  readonly signal: AbortSignal;
  /** `auto`: Parquet when the object starts with `PAR1`, lines otherwise. */
  readonly format: 'auto' | 'lines' | 'parquet';
  /** Lines (or rows) handed to the consumer, for progress. */
  counted(lines: number): void;
}

export type ReadOutcome =
  /** Every line (or row) was accepted or dead-lettered. */
  | { readonly kind: 'done'; readonly lines: number }
  /** NoSuchKey: deleted since it was announced or listed; nothing to read, nothing to retry. */
  | { readonly kind: 'missing' }
  /** A batch was not acknowledged, or S3 failed: the object must be read again later. */
  | { readonly kind: 'failed'; readonly error: Error };

/** Bytes of an over-long line kept in its dead-letter record. */
const TOO_LONG_PREFIX_BYTES = 16 * 1024;
const CHUNK_BYTES = 256 * 1024;

export async function readObject(ref: ObjectRef, ctx: ReadContext): Promise<ReadOutcome> {
  if (ctx.format === 'parquet') return readParquet(ref, ctx);
  let output: GetObjectCommandOutput;
  try {
    output = await ctx.s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }), { abortSignal: ctx.signal });
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchKey') return { kind: 'missing' };
    return { kind: 'failed', error: new RetryableError('io_error', `s3://${ref.bucket}/${ref.key}: GetObject failed: ${awsMessage(err)}`, { cause: err }) };
  }
  const body = output.Body as Readable;
  if (ctx.format === 'auto') {
    let first: Buffer | null;
    try {
      first = await peek(body);
    } catch (err) {
      body.destroy();
      return { kind: 'failed', error: new RetryableError('io_error', `s3://${ref.bucket}/${ref.key}: read failed: ${awsMessage(err)}`, { cause: err }) };
    }
    if (first !== null && startsWithParquetMagic(first)) {
      // Parquet is read footer first, by ranges: this download stops here.
      body.destroy();
      return readParquet(ref, ctx, { size: output.ContentLength ?? 0, etag: output.ETag });
    }
  }
  const reader = new ObjectReader(ref, ctx);
  return reader.read(body, declaresGzip(ref.key, output.ContentEncoding, output.ContentType));
}

/** The first bytes of `body` (at least 4 unless it ends sooner), put back so reading starts over; null when empty. */
function peek(body: Readable): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const done = (value: Buffer | null, err?: Error) => {
      body.off('readable', onReadable).off('end', onEnd).off('error', onError);
      if (err !== undefined) return reject(err);
      if (value !== null) body.unshift(value);
      resolve(value);
    };
    const onReadable = () => {
      for (let c = body.read() as Buffer | null; c !== null; c = body.read() as Buffer | null) {
        chunks.push(c);
        length += c.length;
        if (length >= 4) return done(Buffer.concat(chunks));
      }
    };
    const onEnd = () => done(length === 0 ? null : Buffer.concat(chunks));
    const onError = (err: Error) => done(null, err);
    body.on('readable', onReadable).on('end', onEnd).on('error', onError);
    onReadable();
  });
}

/** True, false, or undefined when nothing says so (then the first bytes decide). */
function declaresGzip(key: string, encoding: string | undefined, type: string | undefined): boolean | undefined {
  if (encoding !== undefined && /\bgzip\b/i.test(encoding)) return true;
  if (type !== undefined && /^application\/(x-)?gzip\b/i.test(type)) return true;
  if (key.endsWith('.gz')) return true;
  return undefined;
}

class ObjectReader implements LineSink {
  private readonly source: string;
  private readonly batches: ObjectBatches;
  private readonly splitter: LineSplitter;
  private lineNo = 0;
  private observed = 0n;

  constructor(ref: ObjectRef, private readonly ctx: ReadContext) {
    this.source = `s3://${ref.bucket}/${ref.key}`;
    this.splitter = new LineSplitter(ctx.maxLogSize, TOO_LONG_PREFIX_BYTES, this);
    this.batches = new ObjectBatches(this.source, ctx);
  }

  async read(body: Readable, gzip: boolean | undefined): Promise<ReadOutcome> {
    const stream = new ByteStream(body, gzip);
    let position = 0;
    try {
      for await (const chunk of stream.chunks()) {
        if (!this.batches.going) break;
        this.observed = nowUnixNano();
        this.splitter.push(chunk, position);
        position += chunk.length;
        await this.batches.sendFull();
      }
      if (this.batches.going) {
        this.splitter.flush();
        await this.batches.cut();
      }
    } catch (err) {
      stream.destroy();
      if (!stream.corrupt(err)) return this.batches.finish(this.lineNo, new RetryableError('io_error', `${this.source}: read failed after line ${this.lineNo}: ${awsMessage(err)}`, { cause: err }));
      // A corrupt archive stays corrupt: what was inflated is kept, the rest is dead-lettered.
      this.splitter.flush();
      const reason = `${this.source}: gzip data is truncated or corrupt after line ${this.lineNo} (${errorMessage(err)})`;
      this.batches.refuse('', { source: this.source, line: this.lineNo + 1, offset: position }, this.observed, 'decompress_failed', reason);
      await this.batches.cut();
    } finally {
      stream.destroy();
    }
    return this.batches.finish(this.lineNo);
  }

  /** LineSink: a complete line. Blank lines are counted (line numbers stay true) but not sent. */
  line(text: string, offset: number, next: number): void {
    this.lineNo++;
    if (text.length === 0) return;
    this.batches.add(newRecord(text, { source: this.source, line: this.lineNo, offset }, this.observed), next - offset);
  }

  /** LineSink: a line over max_log_size becomes a refused record, dead-lettered by the core. */
  tooLong(prefix: string, offset: number, length: number): void {
    this.lineNo++;
    const reason = `line of ${length} bytes is longer than max_log_size (${this.ctx.maxLogSize} bytes); its first ${Buffer.byteLength(prefix)} bytes are kept`;
    this.batches.refuse(prefix, { source: this.source, line: this.lineNo, offset }, this.observed, 'line_too_long', reason, TOO_LONG_PREFIX_BYTES);
  }
}

/**
 * The object's bytes, inflated when gzip. Keeps apart the download's own errors (retryable: read
 * the object again) from the inflater's (the bytes are corrupt: reading again cannot help).
 */
class ByteStream {
  private gunzip: zlib.Gunzip | undefined;
  private sourceFailed = false;

  constructor(private readonly body: Readable, private readonly gzip: boolean | undefined) {}

  async *chunks(): AsyncGenerator<Buffer> {
    const it = this.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const first = await it.next();
    if (first.done === true) return;
    if (!(this.gzip ?? hasGzipMagic(first.value))) {
      yield first.value;
      for (let n = await it.next(); n.done !== true; n = await it.next()) yield n.value;
      return;
    }
    const gunzip = (this.gunzip = zlib.createGunzip({ chunkSize: CHUNK_BYTES }));
    const input = Readable.from(rest(first.value, it), { objectMode: false });
    input.on('error', (err) => {
      this.sourceFailed = true;
      gunzip.destroy(err);
    });
    input.pipe(gunzip);
    for await (const chunk of gunzip as AsyncIterable<Buffer>) yield chunk;
  }

  /** True when `err` came from inflating, not from downloading. */
  corrupt(err: unknown): boolean {
    const code = (err as NodeJS.ErrnoException).code;
    return !this.sourceFailed && typeof code === 'string' && code.startsWith('Z_');
  }

  destroy(): void {
    this.gunzip?.destroy();
    this.body.destroy();
  }
}

async function* rest(first: Buffer, it: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield first;
  for (let n = await it.next(); n.done !== true; n = await it.next()) yield n.value;
}

/** The SDK's error name and message in one line (its messages are often empty for HEAD-like calls). */
export function awsMessage(err: unknown): string {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const name = e.name && e.name !== 'Error' ? e.name : undefined;
  const text = [name, e.message && e.message !== name ? e.message : undefined].filter(Boolean).join(': ') || String(err);
  return status !== undefined ? `${text} (HTTP ${status})` : text;
}
