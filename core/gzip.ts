/** Gzip detection shared by receivers whose input may or may not be compressed. */

/** True when `bytes` start with the gzip magic number (1f 8b) and the deflate method (08). */
export function hasGzipMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 0x08;
}
