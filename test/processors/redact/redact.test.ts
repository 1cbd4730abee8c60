/**
 * The redact processor end to end: events carrying values that must not leave go through three
 * pipelines (redact last, after schema/indicators/ecs derived fields from them; redact first; and
 * redact last on worker threads) to every kind of exporter: OTLP/JSON files, OTLP/protobuf to a
 * real HTTP sink, Panther gzip files, and dead letters (a line that is not JSON, an event the
 * schema refuses before redact ran). For each action, the bytes of every output are searched for
 * every clear value. Hashes are checked against an HMAC computed here, across two runs and keys.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { parseConfig } from '../../../core/config/load';
import { UserError } from '../../../core/errors';
import { OtlpSink } from '../../support/otlp-sink';
import { startService, tmpDir } from '../../support/service';
import { testRegistry } from '../../support/test-registry';

const KEY = 'test-key-0123456789abcdef';
const OTHER_KEY = 'another-key-0123456789abcdef';

/** Values that appear nowhere else, so finding one in an output can only be a leak. */
const SECRET = {
  email: 'carol.q7x@example.com',
  query: "SELECT secret_column_q7x FROM accounts WHERE owner = 'carol.q7x@example.com'",
  param1: 'param-q7x-alpha',
  param2: 'param-q7x-beta',
  remote: '203.0.113.77:51234',
  ip: '203.0.113.77',
  command: 'cat /etc/secret-q7x.conf',
  unparsed: 'DROP TABLE q7x_unparsed_secret',
  refused: 'q7x-refused-by-schema-secret',
  /** Not an integer, so the schema refuses it, quoting the value cut short in its reason. */
  badEi: 'q7x-not-an-integer-and-longer-than-what-a-reason-quotes-of-a-value-0123456789',
};

const LINES = [
  { code: 'T1000I', event: 'user.login', time: '2024-02-22T10:00:00.000Z', uid: 'u-1', user: SECRET.email, method: 'local', success: true, 'addr.remote': SECRET.remote, cluster_name: 'c1' },
  { code: 'TDB02I', event: 'db.session.query', time: '2024-02-22T10:00:01.000Z', uid: 'u-2', user: SECRET.email, db_query: SECRET.query, db_query_parameters: [SECRET.param1, SECRET.param2], db_service: 'postgres', sid: 's-2', cluster_name: 'c1' },
  { code: 'T3002I', event: 'exec', time: '2024-02-22T10:00:02.000Z', uid: 'u-3', user: 'bob', login: 'root', command: SECRET.command, 'addr.remote': SECRET.remote, 'addr.local': '10.0.0.1:3022', exitCode: '0', cluster_name: 'c1', big: 123456789012345678901234567890 },
].map((e) => JSON.stringify(e).replace('1.2345678901234568e+29', '123456789012345678901234567890'));
/** Not JSON (truncated): dead-lettered by decoding, before any processor. */
const UNPARSED = `{"code":"TDB02I","event":"db.session.query","user":"${SECRET.email}","db_query":"${SECRET.unparsed}`;
/** No `code`: the schema processor refuses it, before redact in the redact-last pipelines. */
const REFUSED = JSON.stringify({ event: 'db.session.query', time: '2024-02-22T10:00:03.000Z', uid: 'u-4', user: SECRET.email, db_query: SECRET.refused });

/** `ei` is not an integer: the schema refuses it, quoting the value in its reason. */
const BAD_EI = JSON.stringify({ code: 'T1000I', event: 'user.login', time: '2024-02-22T10:00:04.000Z', uid: 'u-5', user: 'dave', ei: SECRET.badEi });

/** Each value, and for the long ones their first 40 characters (a reason may quote a value cut short). */
const CLEAR = Object.values(SECRET).flatMap((v) => (v.length > 40 ? [v, v.slice(0, 40)] : [v]));

interface Run { readonly out: string; readonly sink: Buffer[]; readonly records: Map<string, Record<string, unknown>[]> }

async function runPipelines(action: 'drop' | 'hash' | 'mask', key: string): Promise<Run> {
  const inputDir = tmpDir();
  const out = tmpDir();
  const input = path.join(inputDir, 'audit.log');
  fs.writeFileSync(input, [...LINES, UNPARSED, REFUSED, BAD_EI].join('\n') + '\n');
  const sink = await OtlpSink.start();
  const mask = action === 'mask' ? ', keep_first: 3, keep_last: 2' : '';
  const redact = `{hash_key: ${JSON.stringify(key)}, fields: [{paths: [user, db_query, db_query_parameters, addr.remote, command, ei], action: ${action}${mask}}]}`;
  const file = (name: string) => JSON.stringify(path.join(out, name));
  try {
    const service = await startService(`
receivers:
  filelog: {include: [${JSON.stringify(input)}], start_at: beginning, storage: ${JSON.stringify(path.join(inputDir, 'checkpoints'))}}
processors:
  schema: {}
  indicators: {}
  ecs: {}
  redact: ${redact}
exporters:
  file/late: {path: ${file('late.otlp.jsonl')}}
  file/early: {path: ${file('early.otlp.jsonl')}}
  file/workers: {path: ${file('workers.otlp.jsonl')}}
  otlphttp: {endpoint: ${sink.url}, encoding: proto, compression: gzip}
  panther/late: {directory: ${file('panther-late')}}
  panther/early: {directory: ${file('panther-early')}}
  panther/workers: {directory: ${file('panther-workers')}}
  file/dead: {path: ${file('dead.jsonl')}}
service:
  pipelines:
    logs/late: {receivers: [filelog], processors: [schema, indicators, ecs, redact], exporters: [file/late, otlphttp, panther/late], dead_letter: [file/dead]}
    logs/early: {receivers: [filelog], processors: [redact, schema, indicators, ecs], exporters: [file/early, panther/early], dead_letter: [file/dead]}
    logs/workers: {receivers: [filelog], processors: [schema, indicators, ecs, redact], exporters: [file/workers, panther/workers], dead_letter: [file/dead], workers: 1}
`);
    await service.drained();
    await service.shutdown(5000);
    const records = new Map<string, Record<string, unknown>[]>();
    for (const name of ['late', 'early', 'workers']) records.set(name, otlpRecords(path.join(out, `${name}.otlp.jsonl`)));
    return { out, sink: [...sink.bodies], records };
  } finally {
    await sink.close();
  }
}

function otlpRecords(file: string): Record<string, unknown>[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)
    .flatMap((l) => JSON.parse(l).resourceLogs.flatMap((rl: any) => rl.scopeLogs.flatMap((sl: any) => sl.logRecords)));
}

/** Every output file's bytes (Panther's gunzipped), by path. */
function outputs(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const bytes = fs.readFileSync(file);
    files.set(file, file.endsWith('.gz') ? zlib.gunzipSync(bytes) : bytes);
  }
  return files;
}

function assertNoClearValue(run: Run): void {
  const files = outputs(run.out);
  assert.ok([...files.keys()].some((f) => f.endsWith('.json.gz')), 'Panther files were written');
  assert.ok(run.sink.length > 0, 'the OTLP sink received protobuf requests');
  const all: [string, Buffer][] = [...files, ...run.sink.map((b, i) => [`otlp request ${i}`, b] as [string, Buffer])];
  for (const [where, bytes] of all) {
    for (const clear of CLEAR) {
      assert.equal(bytes.indexOf(Buffer.from(clear, 'utf8')), -1, `${where} holds "${clear}" in clear`);
    }
  }
}

const hmac = (key: string, text: string) => createHmac('sha256', key).update(text).digest('hex');

const attribute = (r: Record<string, unknown>, key: string) => (r.attributes as { key: string; value: any }[]).find((a) => a.key === key)?.value;

function deadLetters(run: Run): { body: string; reason: string; pipeline: string }[] {
  return otlpRecords(path.join(run.out, 'dead.jsonl')).map((r) => ({
    body: (r.body as { stringValue: string }).stringValue,
    reason: attribute(r, 'error.message')?.stringValue,
    pipeline: attribute(r, 'teleport_otel.pipeline')?.stringValue,
  }));
}

describe('redact processor: no clear value reaches any exporter', function () {
  this.timeout(60_000);
  const runs = new Map<string, Run>();

  before(async () => {
    for (const action of ['drop', 'hash', 'mask'] as const) runs.set(action, await runPipelines(action, KEY));
  });

  for (const action of ['drop', 'hash', 'mask']) {
    it(`${action}: OTLP/JSON files, OTLP/protobuf requests, Panther files and dead letters hold none of the values`, () => {
      const run = runs.get(action)!;
      assertNoClearValue(run);
      // BAD_EI passes the schema only where redact dropped its `ei` before the schema ran.
      const eiDroppedEarly = action === 'drop';
      for (const [name, records] of run.records) {
        assert.equal(records.length, LINES.length + (name === 'early' && eiDroppedEarly ? 1 : 0), `${name}: every valid event exported`);
      }
      const dead = deadLetters(run);
      // The unparsed line and the event without a code, in all three pipelines; BAD_EI in the
      // two where the schema runs before redact, and in the third unless its ei was dropped.
      assert.equal(dead.length, eiDroppedEarly ? 8 : 9, JSON.stringify(dead));
      for (const d of dead.filter((x) => x.body.includes('u-4'))) assert.match(d.reason, /code/);
      const badEi = dead.filter((x) => x.body.includes('u-5'));
      for (const d of badEi) assert.match(d.reason, /not an integer/, 'the reason still says what is wrong');
    });
  }

  it('hash: the body, attributes and Panther view carry the HMAC of each value; lists keep their shape', () => {
    const run = runs.get('hash')!;
    for (const [name, records] of run.records) {
      const login = records.find((r) => r.eventName === 'user.login')!;
      const body = JSON.parse((login.body as { stringValue: string }).stringValue);
      assert.equal(body.user, hmac(KEY, SECRET.email), name);
      assert.equal(body['addr.remote'], hmac(KEY, SECRET.remote), name);
      const query = JSON.parse((records.find((r) => r.eventName === 'db.session.query')!.body as { stringValue: string }).stringValue);
      assert.deepEqual(query.db_query_parameters, [hmac(KEY, SECRET.param1), hmac(KEY, SECRET.param2)], name);
      if (name !== 'early') {
        // Derived before redact ran: found by value and given the same HMAC.
        assert.deepEqual(attribute(login, 'user.name'), { stringValue: hmac(KEY, SECRET.email) }, name);
        assert.deepEqual(attribute(login, 'client.ip'), { stringValue: hmac(KEY, SECRET.ip) }, name);
      }
    }
    const exec = JSON.parse((run.records.get('late')!.find((r) => r.eventName === 'exec')!.body as { stringValue: string }).stringValue);
    assert.equal(exec.user, hmac(KEY, 'bob'));
    assert.equal(exec.login, 'root', 'fields not listed are kept');
    assert.equal(exec['addr.local'], '10.0.0.1:3022');
    assert.ok((run.records.get('late')!.find((r) => r.eventName === 'exec')!.body as { stringValue: string }).stringValue.includes('"big":123456789012345678901234567890'), 'an integer beyond 2^53 keeps its digits');
  });

  it('drop: the fields are gone from the body, and derived copies with them', () => {
    const run = runs.get('drop')!;
    for (const [name, records] of run.records) {
      const login = records.find((r) => r.eventName === 'user.login')!;
      const body = JSON.parse((login.body as { stringValue: string }).stringValue);
      assert.equal('user' in body, false, name);
      assert.equal('addr.remote' in body, false, name);
      assert.equal(body.method, 'local');
      if (name !== 'early') assert.equal(attribute(login, 'user.name'), undefined, name);
    }
  });

  it('mask: keeps the first and last characters asked for', () => {
    const run = runs.get('mask')!;
    const login = run.records.get('late')!.find((r) => r.eventName === 'user.login')!;
    const body = JSON.parse((login.body as { stringValue: string }).stringValue);
    assert.equal(body.user, `car${'*'.repeat(SECRET.email.length - 5)}om`);
    assert.deepEqual(attribute(login, 'client.ip'), { stringValue: `203${'*'.repeat(SECRET.ip.length - 5)}77` });
  });

  it('dead letters: a line redact never saw as JSON is redacted as text; an event refused before redact, as JSON', () => {
    const run = runs.get('hash')!;
    const dead = deadLetters(run);
    const unparsed = dead.filter((d) => d.body.startsWith('{"code":"TDB02I"'));
    assert.equal(unparsed.length, 3);
    for (const d of unparsed) {
      assert.ok(d.body.includes(`"db_query":"${hmac(KEY, SECRET.unparsed)}"`), d.body);
      assert.ok(d.body.includes(`"user":"${hmac(KEY, SECRET.email)}"`), d.body);
    }
    const refused = dead.filter((d) => d.body.includes('u-4'));
    for (const d of refused) assert.equal(JSON.parse(d.body).db_query, hmac(KEY, SECRET.refused), d.pipeline);
    // The schema quoted the value (cut short) in its reason, before redact ran: replaced there too.
    const late = dead.find((d) => d.body.includes('u-5') && d.pipeline === 'logs/late')!;
    assert.match(late.reason, new RegExp(`not an integer: "${hmac(KEY, SECRET.badEi)}`), late.reason);
    assert.equal(JSON.parse(late.body).ei, hmac(KEY, SECRET.badEi));
  });

  it('hashes are the same on another run with the same key, and differ with another key', async () => {
    const again = await runPipelines('hash', KEY);
    const other = await runPipelines('hash', OTHER_KEY);
    const userOf = (run: Run) => Object.fromEntries(run.records.get('late')!.map((r) => [r.eventName, attribute(r, 'user.name')?.stringValue]));
    const first = userOf(runs.get('hash')!);
    const originals: Record<string, string> = { 'user.login': SECRET.email, 'db.session.query': SECRET.email, exec: 'bob' };
    assert.deepEqual(first, Object.fromEntries(Object.entries(originals).map(([k, v]) => [k, hmac(KEY, v)])));
    assert.deepEqual(userOf(again), first);
    const others = userOf(other);
    assert.deepEqual(others, Object.fromEntries(Object.entries(originals).map(([k, v]) => [k, hmac(OTHER_KEY, v)])));
    for (const k of Object.keys(originals)) assert.notEqual(others[k], first[k]);
    assertNoClearValue(other);
  });
});

describe('redact processor: config errors', () => {
  function errorsOf(redact: string): string[] {
    try {
      parseConfig(`
receivers: {testreceiver: {}}
processors: {redact: ${redact}}
exporters: {testexporter: {}}
service: {pipelines: {logs: {receivers: [testreceiver], processors: [redact], exporters: [testexporter]}}}
`, 'p.yaml', testRegistry, {});
    } catch (err) {
      assert.ok(err instanceof UserError, String(err));
      return err.lines;
    }
    return [];
  }

  it('the default redacts nothing and needs no key', () => {
    assert.deepEqual(errorsOf('{}'), []);
  });

  it('reports every error with its path', () => {
    assert.deepEqual(errorsOf(`{fields: [{paths: [user, 'a..b'], action: hash}, {paths: [user], action: drop, keep_first: 2}, {paths: [], action: erase}]}`), [
      'processors.redact.fields[2].paths: must list at least 1',
      'processors.redact.fields[2].action: must be one of drop, hash, mask',
    ]);
    assert.deepEqual(errorsOf(`{hash_key: short, fields: [{paths: [user, 'a..b'], action: hash}, {paths: [user], action: drop, keep_first: 2}]}`), [
      'processors.redact.fields[0].paths[1]: "a..b" has an empty segment (two dots, or a dot at an end)',
      'processors.redact.fields[1].paths[0]: "user" is listed already at fields[0].paths[0]',
      'processors.redact.fields[1]: keep_first and keep_last only go with action: mask',
      'processors.redact.hash_key: must be at least 16 characters (it is 5)',
    ]);
    assert.deepEqual(errorsOf(`{fields: [{paths: [user], action: hash}]}`), [
      'processors.redact.hash_key: required by action: hash; set it from the environment, e.g. hash_key: ${env:TELEPORT_OTEL_REDACT_KEY}',
    ]);
  });
});
