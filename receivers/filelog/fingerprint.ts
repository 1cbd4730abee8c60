/**
 * File identity by content, as the OpenTelemetry Collector's filelog receiver does: the first
 * `fingerprint_size` bytes of a file name it across renames, copies (copytruncate), restarts and
 * inode reuse. For gzip archives the fingerprint is taken from the decompressed bytes, so
 * `x.log.1.gz` is recognized as the `x.log.1` already read and nothing is read twice.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';

/** Compressed bytes read to find the first decompressed bytes of an archive (JSON compresses ~10x). */
const GZIP_HEAD_BYTES = 64 * 1024;

export function isGzip(file: string): boolean {
  return file.endsWith('.gz');
}

/**
 * The first `size` bytes of the (decompressed) content, fewer when the file is shorter. Returns an
 * empty buffer for an empty file, and for an archive whose head cannot be decompressed yet (still
 * being written).
 */
export function readFingerprint(fd: number, fileSize: number, size: number, gzip: boolean): Buffer {
  if (!gzip) return readAt(fd, 0, Math.min(size, fileSize));
  const head = readAt(fd, 0, Math.min(GZIP_HEAD_BYTES, fileSize));
  if (head.length === 0) return head;
  try {
    const plain = zlib.gunzipSync(head, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    return plain.subarray(0, Math.min(size, plain.length));
  } catch {
    return Buffer.alloc(0);
  }
}

/** Same helper for a path (the receiver does not keep idle files open). */
export function readFingerprintOfPath(file: string, fileSize: number, size: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    return readFingerprint(fd, fileSize, size, isGzip(file));
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * True when `current` (a file's first bytes now) continues `known` (recorded earlier): the file is
 * the one `known` was taken from, possibly grown. A file now shorter than `known` is not a match.
 */
export function continues(known: Buffer, current: Buffer): boolean {
  if (known.length === 0 || current.length < known.length) return false;
  return current.compare(known, 0, known.length, 0, known.length) === 0;
}

/** `current` is a shorter prefix of `known`: possibly the same file still being copied; undecidable yet. */
export function isPrefixOf(current: Buffer, known: Buffer): boolean {
  return current.length > 0 && current.length < known.length && known.compare(current, 0, current.length, 0, current.length) === 0;
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}
