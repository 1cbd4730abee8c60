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

export function nextRowId(): string {
  counter++;
  // join makes a flat string; `+` would make a rope that JSON.stringify flattens for every record.
  return [prefix, uvarintHex(counter)].join('');
}
