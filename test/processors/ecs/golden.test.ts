/**
 * Golden files: the complete ECS attributes of a representative event of every family. Written
 * with UPDATE_GOLDEN=1 (then reviewed in the diff), compared exactly otherwise.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ecsOf, fixtureLines, FIXTURES } from './helpers';

const GOLDEN = path.join(FIXTURES, 'golden');

/** family -> [fixture file, event type, index among that type's events (default 0)]. */
const CASES: Record<string, [string, string, number?]> = {
  'session': ['teleport-samples.jsonl', 'session.start'],
  'session-network': ['teleport-samples.jsonl', 'session.network'],
  'exec': ['teleport-samples.jsonl', 'exec'],
  'scp': ['teleport-samples.jsonl', 'scp'],
  'sftp': ['teleport-samples.jsonl', 'sftp'],
  'user': ['teleport-samples.jsonl', 'user.create'],
  'user-login-failed': ['elastic-teleport-all-events.log', 'user.login', 1],
  'role': ['elastic-teleport-generated.log', 'role.created'],
  'access-request': ['teleport-samples.jsonl', 'access_request.create'],
  'db': ['teleport-samples.jsonl', 'db.session.query'],
  'kube': ['teleport-samples.jsonl', 'kube.request'],
  'app': ['teleport-samples.jsonl', 'app.session.start'],
  'app-request': ['teleport-samples.jsonl', 'app.session.request'],
  'desktop': ['teleport-samples.jsonl', 'windows.desktop.session.start'],
  'desktop-directory': ['teleport-samples.jsonl', 'desktop.directory.write'],
  'cert': ['teleport-samples.jsonl', 'cert.create'],
  'mfa': ['teleport-samples.jsonl', 'mfa.add'],
  'mfa-challenge': ['teleport-samples.jsonl', 'mfa_auth_challenge.create'],
  'bot': ['teleport-samples.jsonl', 'bot.join'],
  'device': ['teleport-samples.jsonl', 'device.authenticate.confirm'],
  'device-legacy': ['teleport-samples.jsonl', 'device'],
  'okta': ['teleport-samples.jsonl', 'okta.user.sync'],
  'access-list': ['teleport-samples.jsonl', 'access_list.member.create'],
  'saml': ['teleport-samples.jsonl', 'saml.idp.auth'],
  'oidc': ['elastic-teleport-all-events.log', 'oidc.created'],
  'github': ['teleport-samples.jsonl', 'github.updated'],
  'lock': ['teleport-samples.jsonl', 'lock.created'],
  'ssm': ['teleport-samples.jsonl', 'ssm.run'],
  'unknown': ['teleport-samples.jsonl', 'unknown'],
  'empty-type': ['teleport-samples.jsonl', ''],
};

/** A type no table entry or prefix knows: the common mapping only. */
const FUTURE = '{"event":"teleport.future.thing","code":"TFU01I","time":"2030-01-01T00:00:00Z","uid":"f-1","user":"eve","addr.remote":"192.0.2.7:5000","cluster_name":"c1"}';

function pick(file: string, type: string, index = 0): string {
  const lines = fixtureLines(file).filter((l) => (JSON.parse(l) as { event?: string }).event === type);
  assert.ok(lines.length > index, `${file} has ${index + 1} ${JSON.stringify(type)} events`);
  return lines[index];
}

describe('ecs processor: golden files', () => {
  const update = process.env.UPDATE_GOLDEN === '1';
  const cases: [string, string][] = [...Object.entries(CASES).map(([name, [file, type, i]]): [string, string] => [name, pick(file, type, i)]), ['future-type', FUTURE]];

  for (const [name, line] of cases) {
    it(`${name}`, () => {
      const [record] = ecsOf([line]);
      const actual = { input: JSON.parse(line), attributes: record.attributes };
      const file = path.join(GOLDEN, `${name}.json`);
      if (update) fs.writeFileSync(file, JSON.stringify(actual, null, 2) + '\n');
      assert.ok(fs.existsSync(file), `${file} missing: run with UPDATE_GOLDEN=1 and review`);
      const expected = JSON.parse(fs.readFileSync(file, 'utf8'));
      assert.deepEqual(JSON.parse(JSON.stringify(actual)), expected);
    });
  }

  it('covers every family the issue names, with the outcome its success/code says', () => {
    const outcomes = Object.fromEntries(cases.map(([name, line]) => [name, ecsOf([line])[0].attributes['event.outcome']]));
    assert.equal(outcomes['user-login-failed'], 'failure');
    assert.equal(outcomes['unknown'], 'failure', 'TCC00E');
    assert.equal(outcomes['empty-type'], 'unknown', 'no code, no success');
    assert.equal(outcomes['session'], 'unknown', 'this sample has neither code nor success');
    assert.equal(outcomes['ssm'], 'success');
    assert.equal(outcomes['device-legacy'], 'success', 'status.success');
  });
});
