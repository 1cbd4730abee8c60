/**
 * p_row_id as Panther builds it: lower-case hex of a node id (a MAC address), the process start
 * time and a counter, each as an unsigned varint (plus the process id, so two processes started
 * in the same millisecond on one host still differ). One generator per process, shared by every schema
 * processor instance, so two pipelines never hand out the same id.
 */
import crypto from 'node:crypto';
import os from 'node:os';

function nodeId(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const ni of list ?? []) {
      if (!ni.internal && ni.mac && ni.mac !== '00:00:00:00:00:00') return ni.mac.replace(/:/g, '').toLowerCase();
    }
  }
  // No hardware address: a random one with the locally-administered bit set, as RFC 4122 suggests.
  const bytes = crypto.randomBytes(6);
  bytes[0] |= 0x02;
  return bytes.toString('hex');
}

export function uvarintHex(n: number): string {
  let out = '';
  let v = n;
  while (v >= 0x80) {
    const byte = (v % 0x80) | 0x80;
    out += byte.toString(16);
    v = Math.floor(v / 0x80);
  }
  return out + (v < 0x10 ? '0' : '') + v.toString(16);
}

const prefix = nodeId() + uvarintHex(Date.now()) + uvarintHex(process.pid);
let counter = 0;

/**
 * From 128 on, the counter's varint is a continuation byte for counter % 128 followed by the varint
 * of counter / 128. So the prefix with each of the 128 continuation bytes is made once, and the
 * rest changes only every 128 ids.
 */
const HEADS = Array.from({ length: 128 }, (_, b) => [prefix, (b | 0x80).toString(16)].join(''));
let high = -1;
let tail = '';

export function nextRowId(): string {
  return rowIdAt(++counter);
}

/** prefix + uvarintHex(n), quickly when n follows the previous call's n (or shares its n / 128). */
export function rowIdAt(n: number): string {
  if (n < 0x80) return prefix + uvarintHex(n);
  const hi = Math.floor(n / 0x80);
  if (hi !== high) {
    high = hi;
    tail = uvarintHex(hi);
  }
  // Concatenation: V8 makes a rope the exporter's JSON.stringify flattens once, which costs less
  // than building a flat string here with Array.join.
  return HEADS[n % 0x80] + tail;
}

/** The part of every row id of this process before the counter. */
export const rowIdPrefix = prefix;
