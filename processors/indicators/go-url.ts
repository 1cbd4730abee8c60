/**
 * The host Panther's `url` indicator takes from a value: Go's `net/url.Parse(value).Hostname()`,
 * followed step by step (parse errors and opaque or host-less URLs give ''). Written from the
 * behaviour of Go's parser, including its recent checks on bracketed hosts: a bracket holds an
 * IPv6 address (with an optional `%25` zone), never an IPv4 address or a name.
 *
 * Go works on bytes; a JS string's characters from U+0080 up stand for bytes >= 0x80 here, which
 * every rule below treats alike.
 */
import net from 'node:net';

/** Thrown inside this module only: the value is no URL Go would parse. */
class UrlError extends Error {}

export function urlHostname(value: string): string {
  try {
    return hostnameOf(parseHost(authorityOf(value)));
  } catch (err) {
    if (err instanceof UrlError) return '';
    throw err;
  }
}

/** The raw authority of `value` ('' when it has none), after every check Parse makes on the rest. */
function authorityOf(value: string): string {
  const hash = value.indexOf('#');
  if (hash >= 0) unescape(value.slice(hash + 1), Mode.Other);
  const url = hash >= 0 ? value.slice(0, hash) : value;
  if (hasControlByte(url)) throw new UrlError('control character');
  if (url === '*') return '';
  const { scheme, rest: afterScheme } = splitScheme(url);
  let rest = afterScheme;
  const query = rest.indexOf('?');
  if (query >= 0) rest = rest.slice(0, query);
  if (!rest.startsWith('/')) {
    if (scheme !== '') return ''; // rootless: opaque, no host
    const slash = rest.indexOf('/');
    if ((slash < 0 ? rest : rest.slice(0, slash)).includes(':')) throw new UrlError('first path segment cannot contain colon');
  }
  let authority = '';
  if ((scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    rest = slash < 0 ? '' : rest.slice(slash);
  }
  unescape(rest, Mode.Other); // the path
  return authority;
}

function hasControlByte(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Go's getScheme: a letter, then letters, digits, `+`, `-`, `.`, up to the first `:`. */
function splitScheme(url: string): { scheme: string; rest: string } {
  for (let i = 0; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (isLetter(c)) continue;
    if (isDigit(c) || c === 0x2b || c === 0x2d || c === 0x2e) {
      if (i === 0) break;
      continue;
    }
    if (c === 0x3a /* : */) {
      if (i === 0) throw new UrlError('missing protocol scheme');
      return { scheme: url.slice(0, i), rest: url.slice(i + 1) };
    }
    break;
  }
  return { scheme: '', rest: url };
}

/** The host of an authority, unescaped, with its port (Go's parseAuthority and parseHost). */
function parseHost(authority: string): string {
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    if (!isValidUserinfo(userinfo)) throw new UrlError('invalid userinfo');
    unescape(userinfo, Mode.Other);
  }
  const host = authority.slice(at + 1);
  if (host.startsWith('[')) return parseBracketedHost(host);
  const colon = host.lastIndexOf(':');
  if (colon >= 0 && !isOptionalPort(host.slice(colon))) throw new UrlError('invalid port');
  return unescape(host, Mode.Host);
}

function parseBracketedHost(host: string): string {
  const close = host.lastIndexOf(']');
  if (close < 0) throw new UrlError("missing ']' in host");
  const colonPort = host.slice(close + 1);
  if (!isOptionalPort(colonPort)) throw new UrlError('invalid port');
  const inside = host.slice(1, close);
  const zone = inside.indexOf('%25');
  const address = zone < 0
    ? unescape(inside, Mode.Host)
    : unescape(inside.slice(0, zone), Mode.Host) + unescape(inside.slice(zone), Mode.Zone);
  if (!isIpv6Literal(address)) throw new UrlError('invalid IP-literal');
  return `[${address}]${colonPort}`;
}

/** What netip.ParseAddr takes, but no IPv4 address (IPv4-mapped IPv6 is fine): `addr` or `addr%zone`. */
function isIpv6Literal(text: string): boolean {
  const percent = text.indexOf('%');
  if (percent === text.length - 1) return false; // an empty zone
  return net.isIPv6(percent < 0 ? text : text.slice(0, percent));
}

/** Go's Hostname(): without a valid `:port` at the last colon, without brackets. */
function hostnameOf(host: string): string {
  const colon = host.lastIndexOf(':');
  let name = colon >= 0 && isOptionalPort(host.slice(colon)) ? host.slice(0, colon) : host;
  if (name.startsWith('[') && name.endsWith(']')) name = name.slice(1, -1);
  return name;
}

/** '' or `:` followed by digits only (an empty port is valid). */
function isOptionalPort(text: string): boolean {
  if (text === '') return true;
  if (text.charCodeAt(0) !== 0x3a) return false;
  for (let i = 1; i < text.length; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
}

const USERINFO_PUNCTUATION = new Set("-._:~!$&'()*+,;=%@");

function isValidUserinfo(text: string): boolean {
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    if (!(isLetter(c) || isDigit(c) || USERINFO_PUNCTUATION.has(ch))) return false;
  }
  return true;
}

const enum Mode { Host, Zone, Other }

/** ASCII that a host may hold unescaped (Go's shouldEscape(c, encodeHost) is false). */
const HOST_PUNCTUATION = new Set('-_.~!$&\'()*+,;=:[]<>"');

function isHostAscii(c: number): boolean {
  return isLetter(c) || isDigit(c) || HOST_PUNCTUATION.has(String.fromCharCode(c));
}

/**
 * Go's unescape: `%XX` must be two hex digits; a host may escape only bytes >= 0x80 (and `%25`), a
 * zone any byte but the ones a host may not hold; raw ASCII in a host or zone must be allowed there.
 * Returns the decoded text (used for hosts only).
 */
function unescape(text: string, mode: Mode): string {
  if (mode === Mode.Other && !text.includes('%')) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length;) {
    const c = text.charCodeAt(i);
    if (c === 0x25 /* % */) {
      const hi = hexValue(text.charCodeAt(i + 1));
      const lo = hexValue(text.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) throw new UrlError('invalid URL escape');
      const byte = hi * 16 + lo;
      const isPercent = byte === 0x25;
      if (mode === Mode.Host && hi < 8 && !isPercent) throw new UrlError('invalid URL escape');
      if (mode === Mode.Zone && !isPercent && byte !== 0x20 && !isHostAscii(byte)) throw new UrlError('invalid URL escape');
      bytes.push(byte);
      i += 3;
      continue;
    }
    if (mode !== Mode.Other && c < 0x80 && !isHostAscii(c)) throw new UrlError('invalid character in host name');
    if (c < 0x80) bytes.push(c);
    else for (const b of Buffer.from(String.fromCodePoint(text.codePointAt(i)!))) bytes.push(b);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? 2 : 1;
  }
  return Buffer.from(bytes).toString('utf8');
}

function hexValue(c: number): number {
  if (isDigit(c)) return c - 0x30;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

function isLetter(c: number): boolean {
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x7a;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
