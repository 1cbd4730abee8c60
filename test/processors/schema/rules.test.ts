/**
 * Panther's Teleport detections read the normalized record. Their test events (panther-rule-tests.jsonl)
 * are rule inputs, not all raw logs: 9 carry Panther's output time form instead of RFC 3339 and one
 * uses the normalized `addr_remote`. Those are first shown to be dead letters as raw lines, then
 * turned back into the raw form Teleport writes (RFC 3339 `time`, `addr.remote`), normalized, and
 * checked: every field a rule reads is there with the name and value form the rule expects, and a
 * re-statement of each rule (from panther-teleport-rules.md) gives the test's expected verdict.
 */
import assert from 'node:assert/strict';
import { fixtureLines, normalize, PANTHER_TIME } from './helpers';

interface RuleTest { rule: string; test: string; expect: boolean; log: Record<string, unknown> }
type Event = Record<string, unknown>;

const domainOf = (user: unknown) => String(user ?? '').split('@')[1] ?? '';
const argvOf = (e: Event) => (e.argv as string[] | undefined) ?? [];
/** `YYYY-MM-DD HH:MM:SS.fffffffff` (Panther) or RFC 3339 to ms. */
const toMs = (t: unknown) => Date.parse(String(t).replace(' ', 'T').replace(/(\.\d{3})\d*/, '$1').replace(/(\d)$/, '$1Z'));

const RULES: Record<string, { reads: string[]; rule(e: Event): boolean }> = {
  'Teleport.AuthErrors': { reads: ['error', 'event', 'user', 'cluster_name'], rule: (e) => Boolean(e.error) && e.event === 'auth' },
  'Teleport.CompanyDomainLoginWithoutSAML': {
    reads: ['user', 'cluster_name', 'event', 'success', 'method'],
    rule: (e) => e.event === 'user.login' && e.success === true && String(e.cluster_name).endsWith(domainOf(e.user)) && e.method !== 'saml',
  },
  'Teleport.CreateUserAccounts': {
    reads: ['event', 'program', 'user', 'cluster_name'],
    rule: (e) => e.event === 'session.command' && /^(chage|passwd|user.*)$/.test(String(e.program)),
  },
  'Teleport.LocalUserLoginWithoutMFA': {
    reads: ['event', 'success', 'method', 'mfa_device', 'user', 'cluster_name'],
    // Compares `success` with the string "true": a normalized boolean never matches (see the rules notes).
    rule: (e) => e.event === 'user.login' && (e.success as unknown) === 'true' && e.method === 'local' && !e.mfa_device,
  },
  'Teleport.LockCreated': { reads: ['event', 'updated_by', 'target', 'cluster_name'], rule: (e) => e.event === 'lock.created' },
  'Teleport.LongLivedCerts': {
    reads: ['event', 'identity', 'cluster_name', 'time'],
    rule: (e) => e.event === 'cert.create' && toMs((e.identity as Event).expires) - toMs(e.time) > (12 * 3600 + 5) * 1000,
  },
  'Teleport.NetworkScanning': {
    reads: ['event', 'argv', 'program', 'user', 'cluster_name'],
    rule: (e) => !(e.event === 'session.command' && argvOf(e).length === 0) && ['arp', 'arp-scan', 'fping', 'nmap'].includes(String(e.program)),
  },
  'Teleport.RoleCreated': { reads: ['event', 'user', 'name', 'cluster_name'], rule: (e) => e.event === 'role.created' },
  'Teleport.RootLogin': { reads: ['event', 'login', 'user', 'server_hostname', 'cluster_name'], rule: (e) => e.event === 'session.start' && e.login === 'root' },
  'Teleport.SAMLCreated': { reads: ['event', 'user', 'cluster_name'], rule: (e) => e.event === 'saml.created' },
  'Teleport.SAMLLoginWithoutCompanyDomain': {
    reads: ['cluster_name', 'user', 'event', 'success', 'method'],
    rule: (e) => e.event === 'user.login' && e.success === true && e.method === 'saml' && !String(e.cluster_name).endsWith(domainOf(e.user)),
  },
  'Teleport.ScheduledJobs': {
    reads: ['event', 'argv', 'program', 'user', 'cluster_name'],
    rule: (e) => e.event === 'session.command' && !argvOf(e).includes('-l') && e.program === 'crontab',
  },
  'Teleport.SuspiciousCommands': {
    reads: ['event', 'argv', 'program', 'user', 'cluster_name'],
    rule: (e) => e.event === 'session.command' && argvOf(e).length > 0 && ['nc', 'wget'].includes(String(e.program)),
  },
};

/** The raw line Teleport would have written for a rule test event. */
function toRawLog(log: Record<string, unknown>): Record<string, unknown> {
  const raw = { ...log };
  const t = String(raw.time);
  const panther = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)$/.exec(t);
  if (panther) raw.time = `${panther[1]}T${panther[2]}Z`;
  if (t === '2023-09-20T23:00:000.000000Z') raw.time = '2023-09-20T23:00:00.000000Z';
  if ('addr_remote' in raw) { raw['addr.remote'] = raw.addr_remote; delete raw.addr_remote; }
  return raw;
}

describe("Panther's Teleport detections on normalized events (panther-rule-tests.jsonl)", () => {
  const tests = fixtureLines('panther-rule-tests.jsonl').map((l) => JSON.parse(l) as RuleTest);

  it('has the 26 tests of 13 rules', () => {
    assert.equal(tests.length, 26);
    assert.equal(new Set(tests.map((t) => t.rule)).size, 13);
  });

  it('dead-letters, as raw lines, exactly the 9 test events whose time is not RFC 3339', () => {
    const { failed } = normalize(tests.map((t) => JSON.stringify(t.log)));
    const reasons = failed.map((f) => `${tests[f.record.position.line! - 1].rule}: ${f.reason}`);
    assert.deepEqual(reasons, [
      'Teleport.CompanyDomainLoginWithoutSAML: time: not RFC3339: "2023-09-18 00:00:00"',
      'Teleport.CompanyDomainLoginWithoutSAML: time: not RFC3339: "2023-09-18 00:00:00"',
      'Teleport.LongLivedCerts: time: not RFC3339: "2023-09-17 21:00:00.000000"',
      'Teleport.LongLivedCerts: time: not RFC3339: "2023-09-17 21:00:00.000000"',
      'Teleport.RoleCreated: time: not RFC3339: "2023-09-20T23:00:000.000000Z"',
      'Teleport.RootLogin: time: not RFC3339: "2023-09-18 11:22:33"',
      'Teleport.SAMLCreated: time: not RFC3339: "2023-09-19 18:00:00"',
      'Teleport.SAMLLoginWithoutCompanyDomain: time: not RFC3339: "2023-09-18 00:00:00"',
      'Teleport.SAMLLoginWithoutCompanyDomain: time: not RFC3339: "2023-09-18 00:00:00"',
    ]);
  });

  for (const t of tests) {
    it(`${t.rule} / ${t.test}: fields present in the form the rule reads; verdict ${t.expect}`, () => {
      const { records, failed } = normalize([JSON.stringify(toRawLog(t.log))]);
      assert.deepEqual(failed, []);
      const e = records[0].panther!;
      const spec = RULES[t.rule];
      for (const field of spec.reads) {
        const given = t.log[field];
        const empty = given === undefined || given === null || given === '' || (Array.isArray(given) && given.length === 0);
        if (empty) assert.ok(!(field in e), `${field} absent as in the test event`);
        else assert.ok(field in e, `${field} present`);
      }
      assert.match(String(e.time), PANTHER_TIME, 'time in Panther form, as panther_nanotime_to_python_datetime needs');
      if ('success' in t.log) assert.equal(typeof e.success, 'boolean');
      if ('argv' in e) assert.ok(Array.isArray(e.argv) && (e.argv as unknown[]).every((a) => typeof a === 'string'));
      if ('identity' in t.log) assert.match(String((e.identity as Event).expires), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z$/, 'identity.expires stays RFC3339Nano');
      if ('mfa_device' in t.log) assert.equal(typeof e.mfa_device, 'object');
      assert.equal(spec.rule(e), t.expect);
    });
  }
});
