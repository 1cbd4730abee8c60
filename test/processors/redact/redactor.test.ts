/**
 * The redactor's details, record by record: paths (dotted keys, nesting, arrays, globs), each
 * action's output, values derived from redacted ones, and lines that are not JSON.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { decodeRecords } from '../../../core/decode';
import { recordTimeUnixNano } from '../../../core/otlp/log-record';
import { newRecord, type LogRecord } from '../../../core/record';
import { silentLogger } from '../../../core/telemetry/logger';
import { testTelemetry } from '../../../core/telemetry/metrics';
import { mask } from '../../../processors/redact/actions';
import type { RedactAction } from '../../../processors/redact/config';
import { RedactProcessor } from '../../../processors/redact/redact-processor';
import { CUT_MARK } from '../../../processors/redact/unparsed';

const KEY = 'unit-key-0123456789abcdef';
const hmac = (text: string) => createHmac('sha256', KEY).update(text).digest('hex');

function processor(paths: string[], action: RedactAction, keep: { first?: number; last?: number } = {}): RedactProcessor {
  return new RedactProcessor(
    { hash_key: KEY, fields: [{ paths, action, keep_first: keep.first ?? 0, keep_last: keep.last ?? 0 }] },
    { id: 'redact', logger: silentLogger, telemetry: testTelemetry('redact'), dataDir: '.' },
  );
}

function record(event: Record<string, unknown>): LogRecord {
  const r = newRecord(JSON.stringify(event), { source: 'unit', line: 1 }, 0n);
  decodeRecords([r]);
  return r;
}

describe('redact processor: paths, actions, derived values', () => {
  it('reaches dotted keys, nested fields, arrays of objects, and globs per segment', () => {
    const r = record({
      'addr.remote': '198.51.100.9:4242',
      identity: { user: 'erin', logins: ['root', 'erin'], kubernetes_groups: ['g1'] },
      members: [{ member_name: 'frank' }, { member_name: 'grace' }],
      user: 'keep-me',
    });
    processor(['addr.remote', 'identity.log*', 'members.member_name'], 'hash').process([r]);
    const e = JSON.parse(r.raw);
    assert.equal(e['addr.remote'], hmac('198.51.100.9:4242'));
    assert.deepEqual(e.identity, { user: 'erin', logins: [hmac('root'), hmac('erin')], kubernetes_groups: ['g1'] });
    assert.deepEqual(e.members, [{ member_name: hmac('frank') }, { member_name: hmac('grace') }]);
    assert.equal(e.user, 'keep-me');
    assert.deepEqual(r.event, e, 'the event and its line agree');
  });

  it('hashes an object as its JSON text, and drops whole fields', () => {
    const r = record({ request: { body: { secret: 's3cr3t-value' } }, tags: ['a'] });
    processor(['request'], 'hash').process([r]);
    assert.equal(JSON.parse(r.raw).request, hmac('{"body":{"secret":"s3cr3t-value"}}'));
    const d = record({ request_body: 'x', tags: ['a'] });
    processor(['request_body', 'tags'], 'drop').process([d]);
    assert.equal(d.raw, '{}');
  });

  it('masks by code point and never shows a short value whole', () => {
    assert.equal(mask('alice@example.com', 2, 4), 'al***********.com');
    assert.equal(mask('abc', 2, 1), '***');
    assert.equal(mask('😀secret😀', 1, 1), '😀******😀');
  });

  it('finds values derived before redact ran: equal, contained, containing', () => {
    const r = record({ user: 'heidi.q9@example.com', 'addr.remote': '192.0.2.44:3022', argv: ['--token', 'tok-q9-abcdef'] });
    r.attributes = {
      'user.name': 'heidi.q9@example.com',
      'related.user': ['heidi.q9@example.com', 'other'],
      'client.ip': '192.0.2.44',
      'client.port': 3022,
      'process.command_line': 'curl --token tok-q9-abcdef https://x',
      'teleport.audit.nested': { who: 'heidi.q9@example.com', n: 1 },
    };
    r.panther = { user: 'heidi.q9@example.com', p_any_ip_addresses: ['192.0.2.44'], p_event_time: '2024-01-01 00:00:00.000000000' };
    const shared = r.attributes['teleport.audit.nested'];
    processor(['user', 'addr.remote', 'argv'], 'hash').process([r]);
    assert.deepEqual(r.attributes, {
      'user.name': hmac('heidi.q9@example.com'),
      'related.user': [hmac('heidi.q9@example.com'), 'other'],
      'client.ip': hmac('192.0.2.44'),
      'client.port': 3022,
      // Every element of the listed argv is redacted, inside the joined command line too.
      'process.command_line': `curl ${hmac('--token')} ${hmac('tok-q9-abcdef')} https://x`,
      'teleport.audit.nested': { who: hmac('heidi.q9@example.com'), n: 1 },
    });
    assert.deepEqual(shared, { who: 'heidi.q9@example.com', n: 1 }, 'nested values shared with other pipelines are copied, not edited');
    assert.deepEqual(r.panther, { user: hmac('heidi.q9@example.com'), p_any_ip_addresses: [hmac('192.0.2.44')], p_event_time: '2024-01-01 00:00:00.000000000' });
  });

  it('leaves records no rule reaches untouched (same line, same event object)', () => {
    const r = record({ event: 'user.login', user: 'ivan' });
    const { raw, event } = r;
    processor(['db_query', 'identity.client_cert'], 'hash').process([r]);
    assert.equal(r.raw, raw);
    assert.equal(r.event, event);
  });

  it('redacts a line that is not JSON as text, and cuts it at a value it cannot delimit', () => {
    const p = processor(['db_query', 'identity'], 'hash');
    const line = '{"event":"db.session.query","db_query":"SELECT \\"x\\" FROM t","identity":{"user":"judy","logins":["root"';
    const view = p.deadLetterView(newRecord(line, { source: 'unit', line: 7 }, 0n), 'not valid JSON near SELECT "x" FROM t');
    assert.equal(view.raw, `{"event":"db.session.query","db_query":"${hmac('SELECT "x" FROM t')}","identity":${JSON.stringify(CUT_MARK)}`);
    assert.equal(view.reason, `not valid JSON near ${hmac('SELECT "x" FROM t')}`);
    const truncated = p.deadLetterView(newRecord('{"db_query":"SELECT secret_q9 FRO', { source: 'unit' }, 0n), 'truncated');
    assert.equal(truncated.raw, `{"db_query":"${hmac('SELECT secret_q9 FRO')}"`);
  });
});

describe('redact: the event time follows the rewritten event', () => {
  it('a dropped `time` is not carried on as the record\'s time; an untouched one is', () => {
    const event = { event: 'user.login', code: 'T1000I', time: '2026-03-01T12:00:00.123Z', user: 'alice' };
    const dropped = record(event);
    processor(['time'], 'drop').process([dropped]);
    assert.equal(dropped.event!.time, undefined);
    assert.equal(recordTimeUnixNano(dropped), 0n, 'the clear time would otherwise reach the OTLP record');
    const kept = record(event);
    processor(['user'], 'drop').process([kept]);
    assert.equal(recordTimeUnixNano(kept), 1_772_366_400_123_000_000n);
  });
});
