/**
 * The batch compression codecs kafkajs leaves to its users (it ships gzip alone): snappy, lz4 and
 * zstd, decompression only (the receiver never produces). All three are pure JavaScript, so they
 * install from the npm registry with nothing fetched or built at install time and run on any Node
 * from 20 on: `snappyjs` (raw snappy blocks, plus the xerial framing Java producers write),
 * `lz4js` (the LZ4 frame format Kafka's v2 record batches use) and `fzstd` (zstd frames).
 *
 * A batch that cannot be decompressed must not fail the fetch it came in: kafkajs decodes every
 * partition of a fetch response together, so a throw here would stop every partition of that
 * broker. Instead the codec answers with one stand-in record per record of the batch, each carrying
 * the reason in a header (UNDECODABLE_HEADER): the receiver dead-letters them with their
 * `topic/partition@offset` and reads on. kafkajs hands the codec only the compressed bytes; the
 * record count and first offset sit just before them in the same fetch buffer (the v2 batch
 * header), which is checked before it is trusted. A decompressed buffer is also checked to hold
 * exactly the announced records, since the LZ4 decoder does not bounds-check corrupt input.
 */
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { decompress as zstdDecompress } from 'fzstd';
import { decompress as lz4Decompress } from 'lz4js';
import { uncompress as snappyUncompress } from 'snappyjs';

/** Header of a stand-in record for a batch that could not be decompressed; its value is the reason. */
export const UNDECODABLE_HEADER = 'teleport-otel.undecodable-batch';

/** Bytes of a v2 record batch header before its records (FirstOffset .. RecordCount). */
const BATCH_HEADER_BYTES = 61;
const ATTRIBUTES_AT = 21;
const LAST_OFFSET_DELTA_AT = 23;
const MAGIC_AT = 16;
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

type Decompress = (compressed: Buffer) => Buffer;

const NAMES: Record<number, string> = { [CompressionTypes.Snappy]: 'snappy', [CompressionTypes.LZ4]: 'lz4', [CompressionTypes.ZSTD]: 'zstd' };

function snappy(compressed: Buffer): Buffer {
  if (compressed.length < 16 || !compressed.subarray(0, 8).equals(XERIAL_MAGIC)) return Buffer.from(snappyUncompress(compressed));
  // xerial framing: magic, version, compatible version, then (length, raw snappy block) chunks.
  const parts: Buffer[] = [];
  for (let at = 16; at < compressed.length;) {
    const length = compressed.readInt32BE(at);
    if (length < 0 || at + 4 + length > compressed.length) throw new Error(`xerial snappy chunk of ${length} bytes at byte ${at} runs past the batch`);
    parts.push(Buffer.from(snappyUncompress(compressed.subarray(at + 4, at + 4 + length))));
    at += 4 + length;
  }
  return Buffer.concat(parts);
}

const DECOMPRESSORS: Record<number, Decompress> = {
  [CompressionTypes.Snappy]: snappy,
  [CompressionTypes.LZ4]: (c) => { const out = lz4Decompress(c); return Buffer.from(out.buffer, out.byteOffset, out.length); },
  [CompressionTypes.ZSTD]: (c) => { const out = zstdDecompress(c); return Buffer.from(out.buffer, out.byteOffset, out.length); },
};

let registered = false;

/** Registers snappy, lz4 and zstd with kafkajs (process-wide, idempotent). */
export function registerCodecs(): void {
  if (registered) return;
  registered = true;
  for (const type of [CompressionTypes.Snappy, CompressionTypes.LZ4, CompressionTypes.ZSTD]) {
    const codec = {
      compress: (): Promise<Buffer> => Promise.reject(new Error(`${NAMES[type]}: this client only consumes; compression is not implemented`)),
      decompress: (compressed: Buffer): Promise<Buffer> => Promise.resolve(decompressBatch(type, compressed)),
    };
    (CompressionCodecs as Record<number, () => typeof codec>)[type] = () => codec;
  }
}

/** The batch's records, or stand-ins carrying the reason when they cannot be had. */
export function decompressBatch(type: number, compressed: Buffer): Buffer {
  const header = batchHeader(compressed, type);
  let reason: string;
  try {
    const out = DECOMPRESSORS[type](compressed);
    if (header === undefined) return out; // nothing to check against; kafkajs reports a bad count itself
    const problem = checkRecords(out, header.count);
    if (problem === undefined) return out;
    reason = problem;
  } catch (err) {
    if (header === undefined) throw err;
    reason = (err as Error).message || String(err);
  }
  return standIns(header.count, header.lastOffsetDelta, `${NAMES[type]} batch cannot be decompressed: ${reason}`);
}

/** The record count and last offset delta of the v2 batch header that precedes `compressed` in its fetch buffer, if it is there. */
function batchHeader(compressed: Buffer, type: number): { count: number; lastOffsetDelta: number } | undefined {
  if (compressed.byteOffset < BATCH_HEADER_BYTES) return undefined;
  const view = Buffer.from(compressed.buffer, compressed.byteOffset - BATCH_HEADER_BYTES, BATCH_HEADER_BYTES);
  const magic = view.readInt8(MAGIC_AT);
  const attributes = view.readInt16BE(ATTRIBUTES_AT);
  const lastOffsetDelta = view.readInt32BE(LAST_OFFSET_DELTA_AT);
  const count = view.readInt32BE(BATCH_HEADER_BYTES - 4);
  const length = view.readInt32BE(8); // batch length from PartitionLeaderEpoch to the end of the records
  if (magic !== 2 || (attributes & 0x07) !== type || count <= 0 || lastOffsetDelta < count - 1) return undefined;
  if (length !== BATCH_HEADER_BYTES - 12 + compressed.length) return undefined;
  return { count, lastOffsetDelta };
}

/** undefined when `buf` holds exactly `count` length-prefixed records, else what is wrong. */
function checkRecords(buf: Buffer, count: number): string | undefined {
  let at = 0;
  for (let i = 0; i < count; i++) {
    const v = readVarInt(buf, at);
    if (v === undefined || v.value < 0 || v.next + v.value > buf.length) return `decompressed bytes hold ${i} of the ${count} records announced`;
    at = v.next + v.value;
  }
  return at === buf.length ? undefined : `${buf.length - at} bytes left after the ${count} records announced`;
}

function readVarInt(buf: Buffer, at: number): { value: number; next: number } | undefined {
  let raw = 0;
  for (let shift = 0; shift <= 28; shift += 7) {
    if (at >= buf.length) return undefined;
    const byte = buf[at++];
    raw |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return { value: (raw >>> 1) ^ -(raw & 1), next: at };
  }
  return undefined;
}

function writeVarInt(out: number[], n: number): void {
  let z = ((n << 1) ^ (n >> 31)) >>> 0;
  while (z > 0x7f) { out.push((z & 0x7f) | 0x80); z >>>= 7; }
  out.push(z);
}

/** `count` records with no key or value and the reason in a header, at offset deltas 0.. (the last at lastOffsetDelta, so the batch is passed whole). */
function standIns(count: number, lastOffsetDelta: number, reason: string): Buffer {
  const key = Buffer.from(UNDECODABLE_HEADER);
  const value = Buffer.from(reason);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const body: number[] = [0]; // attributes
    writeVarInt(body, 0); // timestamp delta
    writeVarInt(body, i === count - 1 ? lastOffsetDelta : i);
    writeVarInt(body, -1); // key: null
    writeVarInt(body, -1); // value: null
    writeVarInt(body, 1); // one header
    writeVarInt(body, key.length);
    body.push(...key);
    writeVarInt(body, value.length);
    body.push(...value);
    writeVarInt(out, body.length);
    out.push(...body);
  }
  return Buffer.from(out);
}
