import assert from 'node:assert/strict';
import net from 'node:net';
import { isDomain, isIp } from '../../../core/net-address';
import { stripPort } from '../../../processors/indicators/extract';
import { urlHostname } from '../../../processors/indicators/go-url';
import { normalize } from '../schema/helpers';
import { rng } from '../../support/random';

type Rng = ReturnType<typeof rng>;

const ipv4 = (r: Rng) => [r.int(256), r.int(256), r.int(256), r.int(256)].join('.');
function ipv6(r: Rng): string {
  const groups = Array.from({ length: 8 }, () => r.int(0x10000).toString(16));
  if (r.next() < 0.5) {
    // Compress a run of groups with ::, as real addresses are written.
    const start = r.int(8);
    const len = 1 + r.int(8 - start);
    return `${groups.slice(0, start).join(':')}::${groups.slice(start + len).join(':')}`;
  }
  return groups.join(':');
}
function hostname(r: Rng): string {
  const label = () => {
    const n = 1 + r.int(12);
    let s = r.pick('abcdefghijklmnopqrstuvwxyz'.split(''));
    for (let i = 1; i < n; i++) s += r.pick('abcdefghijklmnopqrstuvwxyz0123456789-'.split(''));
    return s.endsWith('-') ? `${s}x` : s;
  };
  return Array.from({ length: 1 + r.int(4) }, label).join('.');
}
const port = (r: Rng) => String(r.int(65536));
const pad = (r: Rng, s: string) => `${r.pick(['', ' ', '  '])}${s}${r.pick(['', ' ', '\t'])}`;

const TIME = '"event":"x","code":"T1I","time":"2024-01-01T00:00:00Z"';
function indicatorsOf(fields: Record<string, unknown>) {
  const line = `{${TIME},${JSON.stringify(fields).slice(1, -1)}}`;
  const { records, failed } = normalize([line]);
  assert.deepEqual(failed, []);
  const p = records[0].panther!;
  const a = records[0].attributes;
  for (const [k, v] of Object.entries(p)) if (k.startsWith('p_any_')) assert.deepEqual(a[k], v, `${k} mirrored to attributes`);
  return {
    ips: (p.p_any_ip_addresses as string[] | undefined) ?? [],
    domains: (p.p_any_domain_names as string[] | undefined) ?? [],
    all: p,
  };
}

function assertListInvariants(list: string[]) {
  assert.ok(list.length > 0, 'empty lists are omitted');
  assert.deepEqual(list, [...new Set(list)].sort(), 'deduplicated and sorted');
  for (const v of list) assert.equal(v, v.trim(), 'trimmed');
}

describe('indicators processor', () => {
  describe('properties (seeded, 300 cases each)', () => {
    const N = 300;

    it('IPv4 with or without a port, in net_addr fields, lands in the IP list only', () => {
      const r = rng(1);
      for (let i = 0; i < N; i++) {
        const ip = ipv4(r);
        const value = pad(r, r.next() < 0.5 ? `${ip}:${port(r)}` : ip);
        const { ips, domains } = indicatorsOf({ 'addr.remote': value });
        assert.deepEqual([ips, domains], [[ip], []], `seed 1 case ${i}: ${JSON.stringify(value)}`);
      }
    });

    it('IPv6 bare, bracketed, and bracketed with a port lands in the IP list as the bare address', () => {
      const r = rng(2);
      for (let i = 0; i < N; i++) {
        const ip = ipv6(r);
        assert.equal(net.isIPv6(ip), true, ip);
        const form = r.int(3);
        const value = form === 0 ? ip : form === 1 ? `[${ip}]` : `[${ip}]:${port(r)}`;
        const { ips, domains } = indicatorsOf({ server_addr: value });
        assert.deepEqual([ips, domains], [[ip], []], `seed 2 case ${i}: ${value}`);
      }
    });

    it('host names with or without a port land in the domain list only; hostname fields keep ports off', () => {
      const r = rng(3);
      for (let i = 0; i < N; i++) {
        const host = hostname(r);
        const addr = r.next() < 0.5 ? `${host}:${port(r)}` : host;
        const { ips, domains } = indicatorsOf({ 'addr.local': addr, server_hostname: host });
        // A random name may look like a dotted IPv4 only if all labels are digits: never, labels start with a letter.
        assert.deepEqual([ips, domains], [[], [host]], `seed 3 case ${i}: ${addr}`);
      }
    });

    it('URLs with a scheme give their host, IP or name, with or without port, credentials and path; without one, nothing', () => {
      const r = rng(4);
      for (let i = 0; i < N; i++) {
        const kind = r.int(3);
        const host = kind === 0 ? ipv4(r) : kind === 1 ? ipv6(r) : hostname(r);
        const hostPart = kind === 1 ? `[${host}]` : host;
        const scheme = r.pick(['https://', 'postgres://', 'mongodb://', '']);
        const creds = scheme !== '' && r.next() < 0.3 ? 'user:pw@' : '';
        const value = `${scheme}${creds}${hostPart}${r.next() < 0.5 ? `:${port(r)}` : ''}${r.pick(['', '/', '/db?x=1', '#f'])}`;
        const { ips, domains } = indicatorsOf({ db_uri: value });
        const expected = scheme === '' ? [[], []] : kind === 2 ? [[], [host]] : [[host], []];
        assert.deepEqual([ips, domains], expected, `seed 4 case ${i}: ${value}`);
      }
    });

    it('junk never becomes an IP, never crashes, and every list keeps its invariants', () => {
      const r = rng(5);
      const alphabet = 'ab:.[]%/ @#-_1:9ff::'.split('').concat(['é', '\u0000', '999', '::1', '256', '\n']);
      for (let i = 0; i < N; i++) {
        const junk = Array.from({ length: r.int(16) }, () => r.pick(alphabet)).join('');
        const fields = { 'addr.local': junk, server_hostname: junk, src_addr: junk, db_uri: junk, sid: junk, db_user: junk };
        const { ips, domains, all } = indicatorsOf(fields);
        for (const ip of ips) assert.notEqual(net.isIP(ip), 0, `seed 5 case ${i}: ${JSON.stringify(junk)} gave IP ${ip}`);
        for (const d of domains) {
          assert.ok(isDomain(d), `seed 5 case ${i}: ${JSON.stringify(d)} is no domain`);
          assert.ok(!ips.includes(d));
        }
        for (const [k, v] of Object.entries(all)) if (k.startsWith('p_any_')) assertListInvariants(v as string[]);
      }
    });

    it('values from many fields are merged, deduplicated and sorted byte-wise', () => {
      const r = rng(6);
      for (let i = 0; i < N; i++) {
        const a = ipv4(r);
        const b = ipv4(r);
        const { ips } = indicatorsOf({ 'addr.local': `${a}:1`, 'addr.remote': `${b}:2`, server_addr: `${a}:3`, src_addr: b, dst_addr: a });
        assert.deepEqual(ips, [...new Set([a, b])].sort(), `seed 6 case ${i}`);
      }
    });
  });

  describe('rules, case by case', () => {
    const cases: [Record<string, unknown>, string[], string[]][] = [
      [{ 'addr.local': '[::1]:3022' }, ['::1'], []],
      [{ 'addr.local': '[::]:3022' }, ['::'], []],
      [{ 'addr.local': '::ffff:10.0.0.1' }, ['::ffff:10.0.0.1'], []],
      [{ 'addr.local': 'fe80::1%eth0' }, [], []],
      [{ 'addr.local': '1.2.3.999:22' }, [], []],
      [{ 'addr.local': '[::1]x' }, [], []],
      [{ 'addr.local': 'proxy.example.com:3080' }, [], ['proxy.example.com']],
      [{ server_hostname: '10.1.2.3' }, ['10.1.2.3'], []],
      [{ server_hostname: 'node-1' }, [], ['node-1']],
      [{ src_addr: 'not-an-ip', dst_addr: ' 8.8.8.8 ' }, ['8.8.8.8'], []],
      [{ db_uri: 'localhost:5432' }, [], []],
      [{ app_uri: 'http://[2001:db8::1]:8080/x', public_addr: 'grafana.teleport.example.com' }, ['2001:db8::1'], []],
      [{ app_uri: 'http://[2001:db8::1]:8080/x', public_addr: 'https://grafana.teleport.example.com' }, ['2001:db8::1'], ['grafana.teleport.example.com']],
    ];
    for (const [fields, ips, domains] of cases) {
      it(`${JSON.stringify(fields)} -> ips ${JSON.stringify(ips)}, domains ${JSON.stringify(domains)}`, () => {
        const got = indicatorsOf(fields);
        assert.deepEqual([got.ips, got.domains], [ips, domains]);
      });
    }

    it('trace ids and usernames are trimmed; empty lists are omitted entirely', () => {
      const { all } = indicatorsOf({ sid: ' abc ', db_user: 'postgres', updated_by: 'postgres' });
      assert.deepEqual(all.p_any_trace_ids, ['abc']);
      assert.deepEqual(all.p_any_usernames, ['postgres']);
      assert.ok(!('p_any_ip_addresses' in all) && !('p_any_domain_names' in all));
    });

    it('aws_arn and aws_account_id only take well-formed values', () => {
      assert.deepEqual(indicatorsOf({ aws_role_arn: 'arn:aws:iam::123456789012:role/x', account_id: '123456789012' }).all.p_any_aws_arns, ['arn:aws:iam::123456789012:role/x']);
      assert.deepEqual(indicatorsOf({ account_id: '123456789012' }).all.p_any_aws_account_ids, ['123456789012']);
      assert.ok(!('p_any_aws_account_ids' in indicatorsOf({ account_id: '12345' }).all));
    });

    it('helpers: isIp, isDomain and stripPort equal their regex definitions on 20000 seeded strings', () => {
      // The definitions the hand-written scanners replace: Node's own IPv4 check, Panther's host-name
      // rule, and host:port split by regex after ruling out a bare IP.
      const domainText = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_][A-Za-z0-9_-]{0,62})*\.?$/;
      const numericLastLabel = /(?:^|\.)\d+\.?$/;
      const refDomain = (t: string) => domainText.test(t) && !numericLastLabel.test(t);
      const refIp = (t: string) => net.isIPv4(t) || (net.isIPv6(t) && !t.includes('%'));
      const port = /^\d{0,5}$/;
      const refStripPort = (t: string): string => {
        if (t.startsWith('[')) {
          const close = t.indexOf(']');
          if (close < 0) return '';
          const rest = t.slice(close + 1);
          if (rest !== '' && !(rest[0] === ':' && port.test(rest.slice(1)))) return '';
          return t.slice(1, close);
        }
        const colon = t.indexOf(':');
        if (colon < 0 || refIp(t)) return t;
        if (colon !== t.lastIndexOf(':')) return t;
        return port.test(t.slice(colon + 1)) ? t.slice(0, colon) : t;
      };
      const r = rng(21);
      const pieces = ['a', 'Z', '_', '-', '.', '0', '1', '9', '25', '255', '256', '00', ':', '::', '[', ']', 'f', 'é', ' ', '\u0010', '\u0019', '\u000e', '%', 'x'.repeat(63), '1.2.3.4', '10.0.0.1', '2001:db8::1'];
      for (let i = 0; i < 20000; i++) {
        const t = Array.from({ length: r.int(9) }, () => r.pick(pieces)).join('');
        assert.equal(isDomain(t), refDomain(t), `isDomain(${JSON.stringify(t)})`);
        assert.equal(isIp(t), refIp(t), `isIp(${JSON.stringify(t)})`);
        assert.equal(stripPort(t), refStripPort(t), `stripPort(${JSON.stringify(t)})`);
      }
      for (const t of ['a'.repeat(253), 'a'.repeat(254), `${'a'.repeat(63)}.b`, `${'a'.repeat(64)}.b`, `${'a.'.repeat(126)}b`, '1.2.3', '1.2.3.4.', '01.2.3.4', '1.2.3.04', '0.0.0.0', '255.255.255.255']) {
        assert.equal(isDomain(t), refDomain(t), `isDomain(${t})`);
        assert.equal(isIp(t), refIp(t), `isIp(${t})`);
      }
    });

    it('helpers: stripPort and urlHostname on edge forms', () => {
      assert.equal(stripPort('[2001:db8::1]:443'), '2001:db8::1');
      assert.equal(stripPort('2001:db8::1'), '2001:db8::1');
      assert.equal(stripPort('host:'), 'host');
      assert.equal(stripPort('host:abc'), 'host:abc');
      assert.equal(urlHostname('db.example:5432/name'), '');
      assert.equal(urlHostname('https://user@HOST.example/x'), 'HOST.example');
      assert.equal(urlHostname('http://'), '');
    });
  });

  it('without a schema processor, reads the decoded event under its input names', async () => {
    const { IndicatorsProcessor } = await import('../../../processors/indicators/indicators-processor');
    const { ctx } = await import('../schema/helpers');
    const { newRecord } = await import('../../../core/record');
    const record = newRecord('', { source: 't' }, 0n);
    record.event = { 'addr.remote': '1.1.1.1:5', sid: 's' };
    new IndicatorsProcessor({ schema_file: undefined }, ctx('indicators')).process([record]);
    assert.deepEqual(record.attributes.p_any_ip_addresses, ['1.1.1.1']);
    assert.deepEqual(record.attributes.p_any_trace_ids, ['s']);
    assert.equal(record.panther, undefined);
  });
});
