/**
 * The `url` indicator as Panther computes it: Go's net/url.Parse, then Hostname(), then the
 * hostname rule (an IP goes to the IP list only). Each expectation below is worked out from Go's
 * parser rules, noted beside it, not read off this implementation.
 */
import assert from 'node:assert/strict';
import { normalize } from '../schema/helpers';

type Expected = { ip?: string; domain?: string };

const CASES: [value: string, expected: Expected, why: string][] = [
  // No scheme: an error or a path, never a host.
  ['10.9.8.7:5432', {}, 'no scheme (starts with a digit); first path segment has a colon: parse error'],
  ['postgres.internal.example.com:5432', {}, 'scheme "postgres.internal.example.com", opaque "5432": no host'],
  ['db.example.com', {}, 'a relative path'],
  ['10.9.8.7', {}, 'a relative path'],
  ['localhost:3080', {}, 'scheme "localhost", opaque: no host'],
  ['[2001:db8::1]:5432', {}, '"[" ends the scheme; first segment has a colon: parse error'],
  ['/var/lib/teleport', {}, 'an absolute path'],
  ['1https://host.example.com/', {}, 'a scheme cannot start with a digit; colon in first segment: error'],
  [':5432', {}, 'missing protocol scheme'],
  ['*', {}, 'Go parses "*" as a path'],
  ['//cdn.example.com/x', { domain: 'cdn.example.com' }, 'scheme-relative: "//" starts an authority'],
  ['///cdn.example.com/x', {}, 'no scheme and "///": a path'],
  // Schemes, hosts and ports.
  ['postgres://10.9.8.7:5432/app', { ip: '10.9.8.7' }, 'host 10.9.8.7, port 5432'],
  ['tcp://10.1.2.3', { ip: '10.1.2.3' }, 'no port, no path'],
  ['https://teleport.example.com:3080/web/login', { domain: 'teleport.example.com' }, 'a name and a port'],
  ['HTTPS://Teleport.Example.COM/', { domain: 'Teleport.Example.COM' }, 'the scheme is lower-cased, the host kept as written'],
  ['git+ssh://git@github.com:22/org/repo', { domain: 'github.com' }, '"+" is allowed in a scheme'],
  ['s3.amazonaws.com://bucket', { domain: 'bucket' }, '"." is allowed in a scheme; host "bucket"'],
  ['https://host_name.example.com/', { domain: 'host_name.example.com' }, '"_" is allowed in a host'],
  ['https://host.example.com:/', { domain: 'host.example.com' }, 'an empty port is valid'],
  ['https://host.example.com:99999999/', { domain: 'host.example.com' }, 'a port is digits, of any length'],
  ['https://host.example.com:abc/', {}, 'invalid port'],
  ['https://host.example.com:443:443/', {}, 'Hostname() strips one port: "host.example.com:443" is no name'],
  ['https://999.1.1.1/', {}, 'neither an IP nor a name (last label all digits)'],
  ['http:///path', {}, 'empty host'],
  ['https://', {}, 'empty host'],
  ['mailto:user@example.com', {}, 'opaque: no host'],
  // IPv6 brackets.
  ['https://[2001:db8::1]:443/x', { ip: '2001:db8::1' }, 'brackets stripped, port stripped'],
  ['mongodb://[::1]:27017', { ip: '::1' }, 'loopback in brackets'],
  ['ssh://[2001:db8::1]', { ip: '2001:db8::1' }, 'no port'],
  ['https://[::ffff:10.0.0.1]/', { ip: '::ffff:10.0.0.1' }, 'IPv4-mapped IPv6 is allowed in brackets'],
  ['https://[192.168.0.1]/', {}, 'an IPv4 address in brackets: invalid IP-literal'],
  ['https://[teleport.example.com]/', {}, 'a name in brackets: invalid IP-literal'],
  ['https://[2001:db8::1', {}, "missing ']'"],
  ['https://[2001:db8::1]x/', {}, 'invalid port after the bracket'],
  ['https://[fe80::1%25en0]:8080/', {}, 'a zone: Hostname() is "fe80::1%en0", which is no IP and no name'],
  ['https://[fe80::1%25]/', {}, 'an empty zone: invalid IP-literal'],
  ['http://2001:db8::1/', {}, 'an unbracketed IPv6 address: invalid port ":1"'],
  // Userinfo.
  ['https://user:pa%20ss@host.example.com/', { domain: 'host.example.com' }, 'userinfo with a valid escape'],
  ['http://user@[2001:db8::2]:80', { ip: '2001:db8::2' }, 'userinfo before a bracketed host'],
  ['https://a@b@host.example.com/', { domain: 'host.example.com' }, 'the host starts after the last "@"'],
  ['https://us er@host.example.com/', {}, 'a space is not allowed in userinfo'],
  ['https://us%zzer@host.example.com/', {}, 'invalid escape in userinfo'],
  // Escapes, query, fragment, control characters.
  ['https://%74eleport.example.com/', {}, 'a host may escape only bytes >= 0x80'],
  ['https://host name.example.com/', {}, 'a space is not allowed in a host'],
  ['https://teleport.example.com/%zz', {}, 'invalid escape in the path'],
  ['https://teleport.example.com/a%2', {}, 'truncated escape in the path'],
  ['https://teleport.example.com/#frag%', {}, 'invalid escape in the fragment'],
  ['https://teleport.example.com/?q=%zz', { domain: 'teleport.example.com' }, 'the query is not unescaped by Parse'],
  ['https://teleport.example.com#ok', { domain: 'teleport.example.com' }, 'a fragment right after the host'],
  ['https://teleport.example.com?x=1', { domain: 'teleport.example.com' }, 'a query right after the host'],
  ['https://teleport.example.com\t/', {}, 'a control character anywhere: parse error'],
  ['  https://teleport.example.com/  ', { domain: 'teleport.example.com' }, 'the value is trimmed first'],
];

describe('indicators: the url indicator follows Go net/url.Parse and Hostname()', () => {
  for (const [value, expected, why] of CASES) {
    it(`${JSON.stringify(value)} -> ${JSON.stringify(expected)} (${why})`, () => {
      const line = JSON.stringify({ event: 'db.session.start', code: 'TDB00I', time: '2024-01-01T00:00:00Z', db_uri: value });
      const { records, failed } = normalize([line]);
      assert.deepEqual(failed, []);
      const p = records[0].panther!;
      assert.deepEqual(
        { ip: p.p_any_ip_addresses, domain: p.p_any_domain_names },
        { ip: expected.ip === undefined ? undefined : [expected.ip], domain: expected.domain === undefined ? undefined : [expected.domain] },
      );
    });
  }
});
