/**
 * Reads the Parquet objects of Teleport's Athena audit backend and of Teleport Cloud's External
 * Audit Storage: one row per event, the whole event as JSON text in the `event_data` column. The
 * footer is read first with ranged GETs, then the `event_data` column chunk of each row group, in
 * turn, by a ranged GET decoded page by page as it streams (parquet-pages.ts), so memory is
 * bounded by a page or two, never by the row group or the object (the other columns repeat what
 * `event_data` holds and are not fetched). Each row becomes a record whose raw text is
 * `event_data`, decoded by the core exactly as a line is (same typing, same dead-letter rules);
 * its position is `s3://bucket/key#row=N`, N counted from 0 as Parquet tools count rows.
 *
 * What cannot be read as Teleport's Parquet (no `PAR1` at both ends, a corrupt footer, no text
 * `event_data` column) is dead-lettered whole, once; when a page cannot be decoded, the rows of its
 * group from there on are dead-lettered as one record naming them, and the next group is read.
 * S3 failures are retryable: nothing is dead-lettered, and the object is read again from its first row.
 */
import { GetObjectCommand, HeadObjectCommand, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { parquetMetadataAsync, parquetSchema, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { RetryableError, errorMessage } from '../../core/errors';
import { newRecord, nowUnixNano } from '../../core/record';
import type { ObjectRef } from './notification';
import { ObjectBatches } from './object-batches';
import { chunkPages, CorruptPageError, locateChunk } from './parquet-pages';
import { awsMessage, type ReadContext, type ReadOutcome } from './object-reader';

const MAGIC = 'PAR1';
/** Bytes fetched from the end first: a footer is a few KiB, and hyparquet asks for the rest when it is bigger. */
const TAIL_BYTES = 64 * 1024;
const EVENT_DATA = 'event_data';

export function startsWithParquetMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && Buffer.from(bytes.buffer, bytes.byteOffset, 4).toString('latin1') === MAGIC;
}

/** S3 failed, as opposed to the bytes being wrong: the object is read again later. */
class S3RangeError extends Error {
  constructor(readonly awsError: unknown, message: string) {
    super(message, { cause: awsError });
  }

  get missing(): boolean {
    const name = (this.awsError as { name?: string } | undefined)?.name;
    return name === 'NoSuchKey' || name === 'NotFound';
  }
}

/** What S3 said of the object when it was first asked. */
export interface ObjectVersion {
  readonly size: number;
  readonly etag: string | undefined;
}

/**
 * The object as hyparquet's AsyncBuffer: each slice is one ranged GET, pinned to the ETag of the
 * first answer, so an object overwritten mid-read fails the read (and it starts over) instead of
 * mixing two versions. The tail fetched first serves the footer without another request.
 */
class S3Ranges implements AsyncBuffer {
  private constructor(
    private readonly ref: ObjectRef,
    private readonly ctx: ReadContext,
    readonly byteLength: number,
    private readonly etag: string | undefined,
    private readonly tail: Uint8Array,
  ) {}

  /**
   * `known`: the size and ETag a GetObject already answered; otherwise HeadObject asks (suffix
   * ranges, `bytes=-N`, would save it on AWS, but S3-compatible servers do not all honour them).
   */
  static async open(ref: ObjectRef, ctx: ReadContext, known?: ObjectVersion): Promise<S3Ranges> {
    let version = known;
    if (version === undefined) {
      try {
        const head = await ctx.s3.send(new HeadObjectCommand({ Bucket: ref.bucket, Key: ref.key }), { abortSignal: ctx.signal });
        version = { size: head.ContentLength ?? 0, etag: head.ETag };
      } catch (err) {
        throw new S3RangeError(err, `HeadObject failed: ${awsMessage(err)}`);
      }
    }
    const ranges = new S3Ranges(ref, ctx, version.size, version.etag, new Uint8Array(0));
    if (version.size === 0) return ranges;
    const tailStart = Math.max(0, version.size - TAIL_BYTES);
    return new S3Ranges(ref, ctx, version.size, version.etag, new Uint8Array(await ranges.slice(tailStart, version.size)));
  }

  async slice(start: number, end = this.byteLength): Promise<ArrayBuffer> {
    if (end <= start) return new ArrayBuffer(0);
    const tailStart = this.byteLength - this.tail.length;
    if (this.tail.length > 0 && start >= tailStart) return copy(this.tail.subarray(start - tailStart, end - tailStart));
    let output: GetObjectCommandOutput;
    try {
      output = await this.ctx.s3.send(new GetObjectCommand({
        Bucket: this.ref.bucket, Key: this.ref.key, Range: `bytes=${start}-${end - 1}`, IfMatch: this.etag,
      }), { abortSignal: this.ctx.signal });
    } catch (err) {
      throw new S3RangeError(err, `GetObject (bytes ${start}-${end - 1}) failed: ${awsMessage(err)}`);
    }
    const bytes = await body(output, `bytes ${start}-${end - 1}`);
    if (bytes.length !== end - start) throw new S3RangeError(undefined, `GetObject (bytes ${start}-${end - 1}) returned ${bytes.length} bytes`);
    return copy(bytes);
  }

  /** Bytes `start` to `end` (exclusive) as they arrive. */
  async stream(start: number, end: number): Promise<Readable> {
    try {
      const output = await this.ctx.s3.send(new GetObjectCommand({
        Bucket: this.ref.bucket, Key: this.ref.key, Range: `bytes=${start}-${end - 1}`, IfMatch: this.etag,
      }), { abortSignal: this.ctx.signal });
      return output.Body as Readable;
    } catch (err) {
      throw new S3RangeError(err, `GetObject (bytes ${start}-${end - 1}) failed: ${awsMessage(err)}`);
    }
  }
}

async function body(output: GetObjectCommandOutput, what: string): Promise<Uint8Array> {
  try {
    return await output.Body!.transformToByteArray();
  } catch (err) {
    throw new S3RangeError(err, `reading ${what} failed: ${awsMessage(err)}`);
  }
}

function copy(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** Reads every row of a Parquet object; resolves as readObject does (see object-reader.ts). */
export async function readParquet(ref: ObjectRef, ctx: ReadContext, known?: ObjectVersion): Promise<ReadOutcome> {
  const source = `s3://${ref.bucket}/${ref.key}`;
  const batches = new ObjectBatches(source, ctx);
  let rows = 0;
  try {
    const file = await S3Ranges.open(ref, ctx, known);
    const opened = file.byteLength === 0 ? 'an empty object, not a Parquet file' : await openParquet(file);
    if (typeof opened === 'string') {
      batches.refuse('', { source }, nowUnixNano(), 'parquet_invalid', `${source}: ${opened}; the whole object is dead-lettered`);
    } else {
      rows = await readRows(file, opened, source, batches);
    }
    if (batches.going) await batches.cut();
    return await batches.finish(rows);
  } catch (err) {
    if (!(err instanceof S3RangeError)) throw err;
    const outcome = await batches.finish(rows, new RetryableError('io_error', `${source}: ${err.message}`, { cause: err }));
    return err.missing && batches.count === 0 ? { kind: 'missing' } : outcome;
  }
}

/** The footer, or why the object cannot be read as Teleport's Parquet. */
async function openParquet(file: S3Ranges): Promise<FileMetaData | string> {
  const head = new Uint8Array(await file.slice(0, Math.min(4, file.byteLength)));
  if (!startsWithParquetMagic(head)) return 'not a Parquet file: it does not start with PAR1';
  if (file.byteLength < 12) return `a truncated Parquet file (${file.byteLength} bytes)`;
  const end = new Uint8Array(await file.slice(file.byteLength - 4));
  if (!startsWithParquetMagic(end)) return 'a truncated or corrupt Parquet file: it does not end with PAR1, so it has no footer';
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file, { initialFetchSize: TAIL_BYTES });
  } catch (err) {
    if (err instanceof S3RangeError) throw err;
    return `corrupt Parquet footer: ${errorMessage(err)}`;
  }
  let columns;
  try {
    columns = parquetSchema(metadata).children.map((c) => c.element);
  } catch (err) {
    return `corrupt Parquet schema: ${errorMessage(err)}`;
  }
  const eventData = columns.find((c) => c.name === EVENT_DATA);
  const names = columns.map((c) => c.name).join(', ');
  if (eventData === undefined) return `no ${EVENT_DATA} column (columns: ${names}), so not Teleport's audit format`;
  if (eventData.type !== 'BYTE_ARRAY') return `the ${EVENT_DATA} column holds ${eventData.type ?? 'a group'}, not text, so not Teleport's audit format`;
  return metadata;
}

/** Hands every row to `batches`, one row group and one page at a time; returns the rows read. */
async function readRows(file: S3Ranges, metadata: FileMetaData, source: string, batches: ObjectBatches): Promise<number> {
  let groupStart = 0;
  for (let group = 0; group < metadata.row_groups.length && batches.going; group++) {
    const groupRows = Number(metadata.row_groups[group].num_rows);
    let row = groupStart;
    let body: Readable | undefined;
    try {
      const location = locateChunk(metadata, group, EVENT_DATA);
      body = await file.stream(location.start, location.end);
      for await (const values of chunkPages(body, location)) {
        const observed = nowUnixNano();
        for (let i = 0; i < values.length && batches.going; i++, row++) {
          const value: unknown = values[i];
          const position = { source, row };
          if (typeof value === 'string') {
            batches.add(newRecord(value, position, observed), value.length);
          } else {
            batches.refuse('', position, observed, 'event_data_missing', `${EVENT_DATA} is ${value === null || value === undefined ? 'null' : typeof value}, not the event's JSON text`);
          }
          // Awaited only when a batch is full: a promise per row would be a million per object.
          if (batches.full) await batches.cut();
        }
        if (!batches.going) break;
      }
    } catch (err) {
      if (!(err instanceof CorruptPageError)) throw err instanceof S3RangeError ? err : new S3RangeError(err, `reading from row ${row} on failed: ${awsMessage(err)}`);
      // The rest of this group is damaged; the other groups may well be fine.
      const reason = `${source}: rows ${row}-${groupStart + groupRows - 1} (row group ${group}) cannot be decoded: ${err.message}`;
      batches.refuse('', { source, row }, nowUnixNano(), 'parquet_invalid', reason);
      await batches.sendFull();
    } finally {
      body?.destroy();
    }
    groupStart += groupRows;
  }
  return groupStart;
}
