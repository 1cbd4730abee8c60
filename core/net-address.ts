/**
 * What a host in a network address is: an IP address as Go's net.ParseIP accepts it (what Panther
 * and Elasticsearch's ip type take), or a host name. Shared by the ecs processor (`.ip` or
 * `.domain`) and the indicators processor (p_any_ip_addresses or p_any_domain_names).
 */
import net from 'node:net';

export function isIp(text: string): boolean {
  // Hot path: most values are host names; only digits-and-dots or a colon can be an address,
  // so the (regex-based) net.isIPv6 runs only on candidates.
  let colon = -1;
  let hexLetter = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) | 0x20; // lower-cases letters; digits, '.' and ':' unchanged
    if (c === 0x3a) { colon = i; break; }
    if (c >= 0x61 && c <= 0x66) hexLetter = true;
    else if (c !== 0x2e && (c < 0x30 || c > 0x39)) return false;
  }
  if (colon < 0) return !hexLetter && isIPv4(text);
  // An IPv6 address has at least two colons (`1.2.3.4:22` is no address).
  if (text.indexOf(':', colon + 1) < 0) return false;
  // Node accepts IPv6 zone ids (`fe80::1%eth0`); Go's net.ParseIP, which Panther uses, does not.
  return net.isIPv6(text) && !text.includes('%');
}

/** Dotted quad of 0-255 without leading zeros, exactly what net.isIPv4 accepts, without its regex. */
function isIPv4(text: string): boolean {
  const n = text.length;
  let parts = 0;
  let start = 0;
  let value = 0;
  for (let i = 0; i <= n; i++) {
    const c = i === n ? 0x2e : text.charCodeAt(i);
    if (c === 0x2e) {
      const len = i - start;
      if (len === 0 || len > 3 || value > 255 || (len > 1 && text.charCodeAt(start) === 0x30) || ++parts > 4) return false;
      start = i + 1;
      value = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      value = value * 10 + c - 0x30;
    } else {
      return false;
    }
  }
  return parts === 4;
}

/**
 * A host name, not junk and not a malformed IPv4 address such as 1.2.3.999: 1 to 253 characters,
 * labels of 1 to 63 of [A-Za-z0-9_-] not starting with `-`, one optional trailing dot, and a last
 * label that is not all digits.
 */
export function isDomain(text: string): boolean {
  const n = text.length;
  if (n === 0 || n > 253) return false;
  let label = 0;
  let digits = true;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e /* . */) {
      if (label === 0) return false;
      if (i === n - 1) break;
      label = 0;
      digits = true;
      continue;
    }
    const lower = c | 0x20;
    if (c >= 0x30 && c <= 0x39) {
      // a digit
    } else if ((lower >= 0x61 && lower <= 0x7a) || c === 0x5f || (c === 0x2d && label > 0)) {
      digits = false;
    } else {
      return false;
    }
    if (++label > 63) return false;
  }
  return !digits;
}
