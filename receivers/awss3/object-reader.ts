/**
 * Reads one S3 object as a stream of lines, one record per line, and hands them to the pipeline
 * through an AckWindow (at most `max_batches_in_flight` batches awaiting acknowledgement, so a
 * slow exporter slows the download and memory stays flat). It resolves only once every batch it
 * sent settled, so its caller (an SQS message, a backfill checkpoint) knows whether everything the
 * object holds was accepted or dead-lettered.
 *
 * Gzip is recognized by Content-Encoding, Content-Type or a `.gz` key, and by its magic bytes when
 * none of those says so. Positions are `s3://bucket/key:line`, with the byte offset in the
 * (decompressed) stream.
 */
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { AckWindow } from '../../core/ack-window';
import type { Consumer } from '../../core/component';
import { RetryableError, errorMessage } from '../../core/errors';
import { hasGzipMagic } from '../../core/gzip';
import { LineSplitter, type LineSink } from '../../core/line-splitter';
import { newRecord, nowUnixNano, type LogRecord } from '../../core/record';
import type { ObjectRef } from './notification';

/** What reading an object needs from the receiver. */
export interface ReadContext {
  readonly s3: S3Client;
  readonly consumer: Consumer;
  readonly component: string;
  readonly maxBatchSize: number;
  readonly maxBatchesInFlight: number;
  readonly maxLogSize: number;
  /** Aborted at shutdown: the read stops and reports `failed` (nothing after it is acknowledged). */
  readonly signal: AbortSignal;
  /** Lines handed to the consumer, for progress. */
  counted(lines: number): void;
}

export type ReadOutcome =
  /** Every line was accepted or dead-lettered. */
  | { readonly kind: 'done'; readonly lines: number }
  /** NoSuchKey: deleted since it was announced or listed; nothing to read, nothing to retry. */
  | { readonly kind: 'missing' }
  /** A batch was not acknowledged, or S3 failed: the object must be read again later. */
  | { readonly kind: 'failed'; readonly error: Error };

/** A batch is cut at this many bytes even below max_batch_size, bounding memory per batch. */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;
/** Bytes of an over-long line kept in its dead-letter record. */
const TOO_LONG_PREFIX_BYTES = 16 * 1024;
const CHUNK_BYTES = 256 * 1024;

export async function readObject(ref: ObjectRef, ctx: ReadContext): Promise<ReadOutcome> {
  let output: GetObjectCommandOutput;
  try {
    output = await ctx.s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }), { abortSignal: ctx.signal });
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchKey') return { kind: 'missing' };
    return { kind: 'failed', error: new RetryableError('io_error', `s3://${ref.bucket}/${ref.key}: GetObject failed: ${awsMessage(err)}`, { cause: err }) };
  }
  const reader = new ObjectReader(ref, ctx);
  return reader.read(output.Body as Readable, declaresGzip(ref.key, output.ContentEncoding, output.ContentType));
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
  private readonly window: AckWindow<number>;
  private readonly splitter: LineSplitter;
  private records: LogRecord[] = [];
  private batchBytes = 0;
  private lineNo = 0;
  private observed = 0n;

  constructor(ref: ObjectRef, private readonly ctx: ReadContext) {
    this.source = `s3://${ref.bucket}/${ref.key}`;
    this.splitter = new LineSplitter(ctx.maxLogSize, TOO_LONG_PREFIX_BYTES, this);
    this.window = new AckWindow<number>(ctx.consumer, ctx.maxBatchesInFlight, () => undefined);
  }

  async read(body: Readable, gzip: boolean | undefined): Promise<ReadOutcome> {
    const stream = new ByteStream(body, gzip);
    let position = 0;
    try {
      for await (const chunk of stream.chunks()) {
        if (this.ctx.signal.aborted || this.window.failure !== undefined) break;
        this.observed = nowUnixNano();
        this.splitter.push(chunk, position);
        position += chunk.length;
        await this.sendFull();
      }
      if (!this.ctx.signal.aborted && this.window.failure === undefined) {
        this.splitter.flush();
        await this.cut();
      }
    } catch (err) {
      stream.destroy();
      if (!stream.corrupt(err)) return this.finish(new RetryableError('io_error', `${this.source}: read failed after line ${this.lineNo}: ${awsMessage(err)}`, { cause: err }));
      // A corrupt archive stays corrupt: what was inflated is kept, the rest is dead-lettered.
      this.splitter.flush();
      this.refuse(`${this.source}: gzip data is truncated or corrupt after line ${this.lineNo} (${errorMessage(err)})`, 'decompress_failed', position);
      await this.cut();
    } finally {
      stream.destroy();
    }
    if (this.ctx.signal.aborted) return this.finish(new RetryableError('shutdown', `${this.source}: shutting down`));
    return this.finish();
  }

  /** LineSink: a complete line. Blank lines are counted (line numbers stay true) but not sent. */
  line(text: string, offset: number, next: number): void {
    this.lineNo++;
    if (text.length === 0) return;
    this.records.push(newRecord(text, { source: this.source, line: this.lineNo, offset }, this.observed));
    this.batchBytes += next - offset;
  }

  /** LineSink: a line over max_log_size becomes a refused record, dead-lettered by the core. */
  tooLong(prefix: string, offset: number, length: number): void {
    this.lineNo++;
    const reason = `line of ${length} bytes is longer than max_log_size (${this.ctx.maxLogSize} bytes); its first ${Buffer.byteLength(prefix)} bytes are kept`;
    this.records.push(refused(prefix, { source: this.source, line: this.lineNo, offset }, this.observed, 'line_too_long', reason, this.ctx.component));
    this.batchBytes += TOO_LONG_PREFIX_BYTES;
  }

  private refuse(reason: string, code: string, offset: number): void {
    this.records.push(refused('', { source: this.source, line: this.lineNo + 1, offset }, this.observed, code, reason, this.ctx.component));
  }

  private async sendFull(): Promise<void> {
    if (this.records.length >= this.ctx.maxBatchSize || this.batchBytes >= MAX_BATCH_BYTES) await this.cut();
  }

  private async cut(): Promise<void> {
    if (this.records.length === 0) return;
    const batch = this.records;
    this.records = [];
    this.batchBytes = 0;
    this.ctx.counted(batch.length);
    // A batch over max_batch_size is split so the pipeline sees at most that many.
    for (let i = 0; i < batch.length; i += this.ctx.maxBatchSize) {
      await this.window.send(batch.slice(i, i + this.ctx.maxBatchSize), this.lineNo);
    }
  }

  /** Waits for every batch sent, then reports; `error` wins over a batch failure. */
  private async finish(error?: Error): Promise<ReadOutcome> {
    await this.window.settled();
    if (error !== undefined) return { kind: 'failed', error };
    const failure = this.window.failure;
    if (failure !== undefined) {
      const message = `${this.source}: not acknowledged: ${errorMessage(failure)}`;
      return { kind: 'failed', error: new RetryableError('export_unavailable', message, { cause: failure }) };
    }
    return { kind: 'done', lines: this.lineNo };
  }
}

function refused(raw: string, position: LogRecord['position'], observed: bigint, code: string, reason: string, component: string): LogRecord {
  const record = newRecord(raw, position, observed);
  record.refusal = { code, reason, component };
  return record;
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
