/**
 * Panther's indicator rules, value by value: what each schema indicator kind contributes to which
 * p_any_* list. Pure functions over strings, so property tests can hammer them directly.
 */
import { isDomain, isIp } from '../../core/net-address';
import type { IndicatorKind } from '../../core/panther/schema';
import { urlHostname } from './go-url';

/** p_any_* fields in the order Panther writes them. */
export const INDICATOR_FIELDS = [
  'p_any_ip_addresses', 'p_any_domain_names', 'p_any_sha1_hashes', 'p_any_md5_hashes',
  'p_any_sha256_hashes', 'p_any_trace_ids', 'p_any_aws_account_ids', 'p_any_aws_instance_ids',
  'p_any_aws_arns', 'p_any_aws_tags', 'p_any_emails', 'p_any_usernames', 'p_any_mac_addresses',
] as const;
export type IndicatorField = (typeof INDICATOR_FIELDS)[number];

const IP = 0;
const DOMAIN = 1;
const SLOT: Record<IndicatorField, number> = Object.fromEntries(INDICATOR_FIELDS.map((f, i) => [f, i])) as Record<IndicatorField, number>;

/** Collects values per p_any_* field for one record; `lists[i]` belongs to INDICATOR_FIELDS[i]. */
export class IndicatorSet {
  readonly lists: (string[] | undefined)[] = new Array(INDICATOR_FIELDS.length).fill(undefined);
  /** Slots holding a list, so a record with two lists costs two steps, not thirteen. */
  readonly touched: number[] = [];

  add(slot: number, value: string): void {
    const list = this.lists[slot];
    if (list === undefined) {
      this.lists[slot] = [value];
      this.touched.push(slot);
    } else list.push(value);
  }

  clear(): void {
    for (const slot of this.touched) this.lists[slot] = undefined;
    this.touched.length = 0;
  }

  /** Deduplicated, sorted list for a field, or undefined when it would be empty (then omitted). */
  result(slot: number): string[] | undefined {
    const list = this.lists[slot];
    if (list === undefined) return undefined;
    if (list.length === 1) return list;
    list.sort(byteOrder);
    let w = 1;
    for (let r = 1; r < list.length; r++) if (list[r] !== list[w - 1]) list[w++] = list[r];
    list.length = w;
    return list;
  }
}

/**
 * Byte-wise order of the UTF-8 encodings, as Panther sorts. Differs from JS's default UTF-16 order
 * only when a string has characters from U+E000 upwards next to ones beyond U+FFFF.
 */
function byteOrder(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (D800-DFFF) encode code points above every BMP character.
    const xs = x >= 0xd800 && x <= 0xdfff ? x + 0x2000 : x >= 0xe000 ? x - 0x800 : x;
    const ys = y >= 0xd800 && y <= 0xdfff ? y + 0x2000 : y >= 0xe000 ? y - 0x800 : y;
    return xs - ys;
  }
  return a.length - b.length;
}

/** Whether text[from..] is 0 to 5 ASCII digits. */
function isPort(text: string, from: number): boolean {
  const n = text.length;
  if (n - from > 5) return false;
  for (let i = from; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * The host part of `host:port`, `[v6]:port`, `[v6]`, a bare IP or a bare name; '' for junk such as
 * `[::1]x`. A bare IPv6 address is never split at its last colon.
 */
export function stripPort(text: string): string {
  if (text.charCodeAt(0) === 0x5b /* [ */) {
    const close = text.indexOf(']');
    if (close < 0) return '';
    if (close + 1 < text.length && !(text.charCodeAt(close + 1) === 0x3a /* : */ && isPort(text, close + 2))) return '';
    return text.slice(1, close);
  }
  const colon = text.indexOf(':');
  // No colon: a bare IP or name. Several: a bare IPv6 address or junk, never host:port (an IPv6
  // address has at least two colons, so a single one is never part of one).
  if (colon < 0 || colon !== text.lastIndexOf(':')) return text;
  return isPort(text, colon + 1) ? text.slice(0, colon) : text;
}

function addHost(set: IndicatorSet, host: string): void {
  if (host === '') return;
  if (isIp(host)) set.add(IP, host);
  else if (isDomain(host)) set.add(DOMAIN, host);
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;
const AWS_ACCOUNT = /^\d{12}$/;
const AWS_INSTANCE = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const HEX = /^[0-9a-fA-F]+$/;
const MAC = /^[0-9a-fA-F]{2}(?:[:-][0-9a-fA-F]{2}){5}$/;

function hexOf(length: number, slot: number) {
  return (set: IndicatorSet, v: string) => { if (v.length === length && HEX.test(v)) set.add(slot, v); };
}

/** One extractor per indicator kind; the value is already trimmed and non-empty. */
export const EXTRACTORS: Record<IndicatorKind, (set: IndicatorSet, value: string) => void> = {
  ip: (set, v) => { if (isIp(v)) set.add(IP, v); },
  net_addr: (set, v) => addHost(set, stripPort(v)),
  hostname: (set, v) => addHost(set, v),
  domain: (set, v) => addHost(set, v),
  url: (set, v) => addHost(set, urlHostname(v)),
  trace_id: (set, v) => set.add(SLOT.p_any_trace_ids, v),
  username: (set, v) => set.add(SLOT.p_any_usernames, v),
  email: (set, v) => { if (EMAIL.test(v)) set.add(SLOT.p_any_emails, v); },
  aws_arn: (set, v) => { if (v.startsWith('arn:')) set.add(SLOT.p_any_aws_arns, v); },
  aws_account_id: (set, v) => { if (AWS_ACCOUNT.test(v)) set.add(SLOT.p_any_aws_account_ids, v); },
  aws_instance_id: (set, v) => { if (AWS_INSTANCE.test(v)) set.add(SLOT.p_any_aws_instance_ids, v); },
  aws_tag: (set, v) => set.add(SLOT.p_any_aws_tags, v),
  md5: hexOf(32, SLOT.p_any_md5_hashes),
  sha1: hexOf(40, SLOT.p_any_sha1_hashes),
  sha256: hexOf(64, SLOT.p_any_sha256_hashes),
  mac: (set, v) => { if (MAC.test(v)) set.add(SLOT.p_any_mac_addresses, v); },
};

/** Adds what `value` (a string, or a number/bool written as one) yields for `kinds`. */
export function extractInto(set: IndicatorSet, kinds: readonly IndicatorKind[], value: unknown): void {
  let text: string;
  if (typeof value === 'string') text = value.trim();
  else if (typeof value === 'number' || typeof value === 'bigint') text = String(value);
  else return;
  if (text === '') return;
  for (const k of kinds) EXTRACTORS[k](set, text);
}

/**
 * extractInto for a string value and fixed kinds, made once per schema field: no per-kind table
 * lookup, and no trim call when both ends are printable ASCII (every character trim removes is at
 * most U+0020 or beyond U+007E).
 */
export function stringExtractor(kinds: readonly IndicatorKind[]): (set: IndicatorSet, value: string) => void {
  const fns = kinds.map((k) => EXTRACTORS[k]);
  if (fns.length === 1) {
    const f = fns[0];
    return (set, value) => {
      const text = trimmed(value);
      if (text !== '') f(set, text);
    };
  }
  return (set, value) => {
    const text = trimmed(value);
    if (text === '') return;
    for (let i = 0; i < fns.length; i++) fns[i](set, text);
  };
}

function trimmed(value: string): string {
  const n = value.length;
  if (n === 0) return value;
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(n - 1);
  return first > 0x20 && first < 0x7f && last > 0x20 && last < 0x7f ? value : value.trim();
}
