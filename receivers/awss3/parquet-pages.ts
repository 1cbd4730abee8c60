/**
 * One column chunk of a row group, decoded page by page while its bytes stream in (one ranged
 * GET): memory holds a page or two, never the whole chunk, and the event loop turns between
 * pages (a row group of Teleport events decodes in about a second, too long to hold the loop:
 * the SQS heartbeat must keep running). hyparquet decodes a whole chunk in one synchronous call,
 * so this drives its page functions (`parquetHeader`, `readPage`) itself.
 */
import type { Readable } from 'node:stream';
import { parquetHeader, readPage } from 'hyparquet/src/column.js';
import { convert, DEFAULT_PARSERS } from 'hyparquet/src/convert.js';
import { readRleBitPackedHybrid } from 'hyparquet/src/encoding.js';
import { getMaxDefinitionLevel, getMaxRepetitionLevel, getTreePath } from 'hyparquet/src/schema.js';
import { parquetSchema, snappyUncompress, type ColumnChunk, type DecodedArray, type FileMetaData } from 'hyparquet';

/** Bytes asked for before a page header is parsed; a longer header (big statistics) asks for more. */
const HEADER_BYTES = 16 * 1024;

/** The bytes were read but are not a valid page: the rest of the chunk cannot be decoded. */
export class CorruptPageError extends Error {}

/** Where a column chunk lies in the object, and how to decode it. */
export interface ChunkLocation {
  readonly start: number;
  readonly end: number;
  readonly rows: number;
  decoder(): ColumnDecoderLike;
}

type ColumnDecoderLike = Parameters<typeof readPage>[2];

export function locateChunk(metadata: FileMetaData, group: number, column: string): ChunkLocation {
  const rowGroup = metadata.row_groups[group];
  const chunk: ColumnChunk | undefined = rowGroup.columns.find((c) => c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0] === column);
  const meta = chunk?.meta_data;
  if (meta === undefined) throw new CorruptPageError(`row group ${group} has no ${column} column chunk`);
  const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
  return {
    start,
    end: start + Number(meta.total_compressed_size),
    rows: Number(rowGroup.num_rows),
    decoder: () => {
      const schemaPath = getTreePath(parquetSchema(metadata), meta.path_in_schema);
      return {
        pathInSchema: meta.path_in_schema, element: schemaPath[schemaPath.length - 1].element, schemaPath,
        type: meta.type, codec: meta.codec, parsers: DEFAULT_PARSERS, utf8: true, compressors: { SNAPPY: reusedSnappy() },
      };
    },
  };
}

/**
 * The values of each data page of the chunk whose bytes `body` streams, in order. Throws
 * CorruptPageError when the bytes are not pages (the caller knows which rows were delivered);
 * any other error comes from the stream.
 */
export async function* chunkPages(body: Readable, location: ChunkLocation): AsyncGenerator<DecodedArray> {
  const bytes = new ByteQueue(body);
  const decoder = location.decoder();
  let dictionary: DecodedArray | undefined;
  let rows = 0;
  let left = location.end - location.start;
  while (left > 0 && rows < location.rows) {
    await bytes.fill(Math.min(HEADER_BYTES, left));
    let header: ReturnType<typeof parquetHeader>;
    let headerLength: number;
    for (let want = Math.min(HEADER_BYTES, left); ; want = Math.min(want * 4, left)) {
      const reader = { view: bytes.view(want), offset: 0 };
      try {
        header = parquetHeader(reader);
        headerLength = reader.offset;
        break;
      } catch (err) {
        // Cut short by the end of what is buffered: ask for more, unless there is no more.
        if (!(err instanceof RangeError) || want >= left) throw new CorruptPageError(`page header at byte ${location.end - left}: ${(err as Error).message}`);
        await bytes.fill(Math.min(want * 4, left));
      }
    }
    const pageLength = headerLength + header.compressed_page_size;
    if (!(header.compressed_page_size >= 0) || pageLength > left) throw new CorruptPageError(`page at byte ${location.end - left} claims ${header.compressed_page_size} bytes, past the end of its column chunk`);
    await bytes.fill(pageLength);
    let data: DecodedArray | undefined;
    try {
      const view = bytes.view(pageLength);
      data = plainText(view, headerLength, header, decoder) ?? readPage({ view, offset: headerLength }, header, decoder, dictionary, undefined, 0).data;
    } catch (err) {
      throw new CorruptPageError(`page at byte ${location.end - left}: ${(err as Error).message}`);
    }
    bytes.consume(pageLength);
    left -= pageLength;
    if (header.type === 'DICTIONARY_PAGE') {
      if (data !== undefined) dictionary = convert(data, decoder);
    } else if (data !== undefined && data.length > 0) {
      rows += data.length;
      yield data;
    }
  }
  if (rows !== location.rows) throw new CorruptPageError(`the column chunk holds ${rows} rows, not the ${location.rows} its footer says`);
}

/**
 * The values of a data page of plain-encoded text in a flat column (how Teleport's writer and
 * DuckDB write `event_data`), decoded straight from the inflated page into strings; undefined for
 * any other page, which hyparquet's readPage decodes. hyparquet makes a view object per value
 * before decoding it: a million short-lived objects per million rows, which showed as tens of MB
 * of resident memory.
 */
function plainText(view: DataView, headerLength: number, header: ReturnType<typeof parquetHeader>, decoder: ColumnDecoderLike): DecodedArray | undefined {
  const daph = header.data_page_header;
  if (header.type !== 'DATA_PAGE' || daph?.encoding !== 'PLAIN' || decoder.type !== 'BYTE_ARRAY' || decoder.utf8 === false) return undefined;
  if (getMaxRepetitionLevel(decoder.schemaPath) !== 0) return undefined;
  const maxDefinition = getMaxDefinitionLevel(decoder.schemaPath);
  if (maxDefinition > 1 || (decoder.codec !== 'SNAPPY' && decoder.codec !== 'UNCOMPRESSED')) return undefined;
  const compressed = new Uint8Array(view.buffer, view.byteOffset + headerLength, header.compressed_page_size);
  const inflated = decoder.codec === 'SNAPPY' ? decoder.compressors!.SNAPPY!(compressed, header.uncompressed_page_size) : compressed;
  if (inflated.length !== header.uncompressed_page_size) throw new Error(`page inflates to ${inflated.length} bytes, not ${header.uncompressed_page_size}`);
  const page = Buffer.from(inflated.buffer, inflated.byteOffset, inflated.length);
  const count = daph.num_values;
  let levels: number[] | undefined;
  let offset = 0;
  if (maxDefinition === 1) {
    const reader = { view: new DataView(page.buffer, page.byteOffset, page.length), offset: 0 };
    levels = new Array<number>(count);
    readRleBitPackedHybrid(reader, 1, levels);
    offset = reader.offset;
  }
  const values = new Array<string | null>(count);
  for (let i = 0; i < count; i++) {
    if (levels !== undefined && levels[i] !== 1) {
      values[i] = null;
      continue;
    }
    if (offset + 4 > page.length) throw new Error(`value ${i} of ${count} starts past the end of the page`);
    const length = page.readUInt32LE(offset);
    offset += 4;
    if (offset + length > page.length) throw new Error(`value ${i} of ${count} ends past the end of the page`);
    values[i] = page.toString('utf8', offset, offset + length);
    offset += length;
  }
  return values;
}

/**
 * Snappy into one buffer reused page after page, instead of a new one per page: text values are
 * copied out as strings before the next page is inflated (readPage converts them, and the
 * dictionary is converted at once), and one buffer spares the allocator a page-sized block per
 * page, which otherwise shows as resident memory long after it is freed.
 */
function reusedSnappy(): (input: Uint8Array, outputLength: number) => Uint8Array {
  let scratch = new Uint8Array(0);
  return (input, outputLength) => {
    if (scratch.length < outputLength) scratch = new Uint8Array(Math.max(outputLength, scratch.length * 2));
    const out = scratch.subarray(0, outputLength);
    snappyUncompress(input, out);
    return out;
  };
}

/** The stream's bytes, kept contiguous from the first unconsumed one. */
class ByteQueue {
  private buffer: Buffer = Buffer.alloc(0);
  private position = 0;
  private readonly it: AsyncIterator<Buffer>;

  constructor(body: Readable) {
    this.it = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  /** Until `n` bytes are buffered; throws when the stream ends first. */
  async fill(n: number): Promise<void> {
    let have = this.buffer.length - this.position;
    if (have >= n) return;
    const parts: Buffer[] = [this.buffer.subarray(this.position)];
    while (have < n) {
      const next = await this.it.next();
      if (next.done === true) throw new Error(`the object ended ${n - have} bytes early`);
      parts.push(next.value);
      have += next.value.length;
    }
    this.buffer = Buffer.concat(parts);
    this.position = 0;
  }

  /** The next `n` buffered bytes, unconsumed. */
  view(n: number): DataView {
    return new DataView(this.buffer.buffer, this.buffer.byteOffset + this.position, Math.min(n, this.buffer.length - this.position));
  }

  consume(n: number): void {
    this.position += n;
  }
}
