/**
 * Splits Teleport network addresses (`10.0.0.1:3022`, `[::1]:3022`, `::1`, `host.example.com:443`,
 * `host`) into ECS endpoint fields: `.address` keeps the text as written, then `.ip` for an IP
 * address or `.domain` for a host name, and `.port` as a number. Pure functions over strings.
 */
import { isDomain, isIp } from '../../core/net-address';

export interface Endpoint {
  readonly address: string;
  readonly ip?: string;
  readonly domain?: string;
  readonly port?: number;
}

function parsePort(text: string): number | undefined {
  if (text.length === 0 || text.length > 5) return undefined;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return n <= 65535 ? n : undefined;
}

function endpoint(address: string, host: string, port: number | undefined): Endpoint {
  if (isIp(host)) return port === undefined ? { address, ip: host } : { address, ip: host, port };
  if (isDomain(host)) return port === undefined ? { address, domain: host } : { address, domain: host, port };
  return { address };
}

/**
 * The endpoint for `text`, or undefined for an empty value. Text that is neither `host[:port]`
 * nor `[ip][:port]` keeps only `.address`, so nothing is lost and nothing is guessed.
 */
export function splitAddress(text: string): Endpoint | undefined {
  const address = text.trim();
  if (address === '') return undefined;
  if (address.charCodeAt(0) === 0x5b /* [ */) {
    const close = address.indexOf(']');
    if (close < 0) return { address };
    const host = address.slice(1, close);
    const rest = address.slice(close + 1);
    if (rest === '') return isIp(host) ? { address, ip: host } : { address };
    const port = rest.charCodeAt(0) === 0x3a ? parsePort(rest.slice(1)) : undefined;
    return port !== undefined && isIp(host) ? { address, ip: host, port } : { address };
  }
  const colon = address.indexOf(':');
  if (colon < 0) return endpoint(address, address, undefined);
  // Two or more colons: a bare IPv6 address, never split at its last colon.
  if (colon !== address.lastIndexOf(':')) return isIp(address) ? { address, ip: address } : { address };
  const port = parsePort(address.slice(colon + 1));
  if (port === undefined) return { address };
  return endpoint(address, address.slice(0, colon), port);
}
