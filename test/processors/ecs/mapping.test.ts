/** The ECS field mapping and outcome, on hand-made events and on every Teleport sample. */
import assert from 'node:assert/strict';
import { splitAddress } from '../../../processors/ecs/address';
import { outcomeOf } from '../../../processors/ecs/mapping';
import { combinationProblems, ECS_OUTCOMES } from '../../../processors/ecs/ecs-values';
import type { AttributeValue } from '../../../core/record';
import { attrsOf, ecsOf, fixtureLines, harness, unknownCount } from './helpers';

/** Outcome as the issue states it, derived here independently of the processor's code. */
function expectedOutcome(e: Record<string, unknown>): string {
  if (typeof e.success === 'boolean') return e.success ? 'success' : 'failure';
  const status = e.status as Record<string, unknown> | undefined;
  if (status && typeof status === 'object' && typeof status.success === 'boolean') return status.success ? 'success' : 'failure';
  const letter = typeof e.code === 'string' ? e.code.slice(-1) : '';
  return letter === 'I' ? 'success' : letter === 'W' || letter === 'E' ? 'failure' : 'unknown';
}

function assertNoNulls(v: AttributeValue, where: string): void {
  assert.notEqual(v, null, where);
  assert.notEqual(v, undefined, where);
  if (Array.isArray(v)) v.forEach((x, i) => assertNoNulls(x, `${where}[${i}]`));
  else if (typeof v === 'object') for (const [k, x] of Object.entries(v)) assertNoNulls(x, `${where}.${k}`);
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

describe('ecs processor: field mapping', () => {
  it('splits addresses into ip/domain/port, keeping the text as .address', () => {
    const cases: [string, object | undefined][] = [
      ['10.0.0.1:3022', { address: '10.0.0.1:3022', ip: '10.0.0.1', port: 3022 }],
      ['10.0.0.1', { address: '10.0.0.1', ip: '10.0.0.1' }],
      ['[::1]:3022', { address: '[::1]:3022', ip: '::1', port: 3022 }],
      ['[2001:db8::7]', { address: '[2001:db8::7]', ip: '2001:db8::7' }],
      ['2001:db8::7', { address: '2001:db8::7', ip: '2001:db8::7' }],
      ['::1', { address: '::1', ip: '::1' }],
      ['db.example.com:5432', { address: 'db.example.com:5432', domain: 'db.example.com', port: 5432 }],
      ['localhost', { address: 'localhost', domain: 'localhost' }],
      ['1.2.3.999:22', { address: '1.2.3.999:22' }],
      ['host:99999', { address: 'host:99999' }],
      ['[::1]x', { address: '[::1]x' }],
      ['[nothost]:22', { address: '[nothost]:22' }],
      ['not a host:1', { address: 'not a host:1' }],
      ['', undefined],
      ['  ', undefined],
    ];
    for (const [input, want] of cases) assert.deepEqual(splitAddress(input), want, JSON.stringify(input));
  });

  it('derives one outcome keyword: success field first, then status.success, then the code letter', () => {
    assert.equal(outcomeOf(true, undefined, 'T1000W'), 'success', 'success wins over a W code');
    assert.equal(outcomeOf(false, undefined, 'T1000I'), 'failure', 'success=false wins over an I code');
    assert.equal(outcomeOf('false', undefined, 'T1000I'), 'failure');
    assert.equal(outcomeOf(undefined, { success: true }, 'TV005W'), 'success');
    assert.equal(outcomeOf(undefined, 'Success', 'TDS00W'), 'failure', 'a status string is not the success flag');
    assert.equal(outcomeOf(undefined, undefined, 'T3007W'), 'failure');
    assert.equal(outcomeOf(undefined, undefined, 'TCC00E'), 'failure');
    assert.equal(outcomeOf(undefined, undefined, 'T2000I'), 'success');
    assert.equal(outcomeOf(undefined, undefined, 'T3003S'), 'unknown');
    assert.equal(outcomeOf(undefined, undefined, 'TJ001L'), 'unknown');
    assert.equal(outcomeOf(undefined, undefined, undefined), 'unknown');
    assert.equal(outcomeOf('yes', undefined, ''), 'unknown');
  });

  it('maps an SFTP event: client/server, user, host, file, error, related, the rest under teleport.audit', () => {
    const a = attrsOf({
      action: 1, 'addr.local': '[::1]:3022', 'addr.remote': '127.0.0.1:41106', cluster_name: 'c1', code: 'TS001E', ei: 3,
      error: 'EOF', event: 'sftp', login: 'root', path: '/tmp/file', server_hostname: 'node-1', server_id: 'e106', sid: '',
      time: '2019-04-22T19:41:23Z', uid: 'u-1', user: 'alice@example.com', working_directory: '/root',
    });
    assert.deepEqual(a, {
      'teleport.audit.action': 1,
      'server.address': '[::1]:3022', 'server.ip': '::1', 'server.port': 3022,
      'client.address': '127.0.0.1:41106', 'client.ip': '127.0.0.1', 'client.port': 41106,
      'orchestrator.cluster.name': 'c1',
      'event.code': 'TS001E', 'event.sequence': 3, 'error.message': 'EOF', 'process.user.name': 'root',
      'file.path': '/tmp/file', 'host.hostname': 'node-1', 'host.id': 'e106', 'teleport.audit.sid': '',
      '@timestamp': '2019-04-22T19:41:23Z', 'event.id': 'u-1',
      'user.name': 'alice@example.com', 'user.email': 'alice@example.com', 'user.domain': 'example.com',
      'teleport.audit.working_directory': '/root',
      'event.kind': 'event', 'event.category': ['file', 'network'], 'event.type': ['access'], 'event.action': 'sftp',
      'event.outcome': 'failure',
      'related.ip': ['127.0.0.1', '::1'], 'related.user': ['alice@example.com', 'root'], 'related.hosts': ['node-1'],
    });
  });

  it('maps Kubernetes requests to orchestrator.*, http.* and url.*, keeping Teleport\'s cluster name under audit', () => {
    const a = attrsOf({
      'addr.local': '127.0.0.1:3027', 'addr.remote': '[::1]:43026', cluster_name: 'root', code: 'T3009I', event: 'kube.request',
      kubernetes_cluster: 'gke-a', proto: 'kube', request_path: '/api/v1/namespaces/t/pods/p', resource_api_group: 'core/v1',
      resource_kind: 'pods', resource_name: 'p', resource_namespace: 't', response_code: 200, user: 'alex', verb: 'GET',
    });
    assert.equal(a['orchestrator.cluster.name'], 'gke-a');
    assert.equal(a['orchestrator.type'], 'kubernetes');
    assert.equal(a['orchestrator.namespace'], 't');
    assert.equal(a['orchestrator.resource.name'], 'p');
    assert.equal(a['orchestrator.resource.type'], 'pods');
    assert.equal(a['http.request.method'], 'GET');
    assert.equal(a['url.path'], '/api/v1/namespaces/t/pods/p');
    assert.equal(a['http.response.status_code'], 200);
    assert.equal(a['network.protocol'], 'kube');
    assert.equal(a['teleport.audit.cluster_name'], 'root');
    assert.equal(a['teleport.audit.resource_api_group'], 'core/v1');
    for (const k of ['resource_kind', 'resource_name', 'resource_namespace', 'kubernetes_cluster', 'verb']) assert.equal(a[`teleport.audit.${k}`], undefined, k);
  });

  it('maps enhanced-recording network events to source/destination and process fields', () => {
    const a = attrsOf({
      event: 'session.network', code: 'T4002I', pid: 319267, cgroup_id: 10863, program: 'curl', src_addr: '10.1.1.1',
      dst_addr: '216.58.194.206', dst_port: 80, 'addr.local': '10.1.1.1:3022', server_addr: '10.1.1.1:3022', login: 'demo', user: 'demo',
    });
    assert.equal(a['source.ip'], '10.1.1.1');
    assert.equal(a['destination.ip'], '216.58.194.206');
    assert.equal(a['destination.port'], 80);
    assert.equal(a['process.pid'], 319267);
    assert.equal(a['process.name'], 'curl');
    assert.equal(a['server.ip'], '10.1.1.1', 'server_addr fills server.*');
    assert.equal(a['teleport.audit.addr.local'], '10.1.1.1:3022', 'server and destination taken: addr.local stays under audit');
    assert.equal(a['teleport.audit.cgroup_id'], 10863);
    assert.deepEqual(a['related.ip'], ['10.1.1.1', '216.58.194.206']);
    assert.deepEqual(a['related.user'], ['demo']);
  });

  it('puts addr.local under destination.* when server.* is already taken', () => {
    const a = attrsOf({ event: 'session.start', code: 'T2000I', server_addr: 'node.example.com:3022', 'addr.local': '10.0.0.5:3022' });
    assert.equal(a['server.domain'], 'node.example.com');
    assert.equal(a['server.port'], 3022);
    assert.equal(a['destination.ip'], '10.0.0.5');
    assert.deepEqual(a['related.hosts'], ['node.example.com']);
  });

  it('maps app session HTTP requests to http.* and url.*, and only there reads method/path as HTTP', () => {
    const a = attrsOf({ event: 'app.session.request', code: 'T2009I', status_code: 404, method: 'POST', path: '/x', raw_query: 'a=1' });
    assert.equal(a['http.request.method'], 'POST');
    assert.equal(a['url.path'], '/x');
    assert.equal(a['url.query'], 'a=1');
    assert.equal(a['http.response.status_code'], 404);
    const login = attrsOf({ event: 'user.login', code: 'T1000I', method: 'local', success: true, user: 'bob' });
    assert.equal(login['teleport.audit.method'], 'local', 'a login method is no HTTP method');
    assert.equal(login['http.request.method'], undefined);
  });

  it('maps process fields of command events, argv as a list and string exit codes as numbers', () => {
    const a = attrsOf({ event: 'exec', code: 'T3002E', command: 'ls -l', exitCode: '2', exitError: 'exit status 2', ppid: 1, argv: ['-l'] });
    assert.equal(a['process.command_line'], 'ls -l');
    assert.equal(a['process.exit_code'], 2);
    assert.equal(a['process.parent.pid'], 1);
    assert.deepEqual(a['process.args'], ['-l']);
    assert.equal(a['teleport.audit.exitError'], 'exit status 2');
    const cmd = attrsOf({ event: 'session.command', code: 'T4000I', return_code: 0, program: 'ls' });
    assert.equal(cmd['process.exit_code'], 0);
    const disk = attrsOf({ event: 'session.disk', code: 'T4001I', return_code: -2, path: '/etc/passwd' });
    assert.equal(disk['teleport.audit.return_code'], -2, 'an open() result is no exit code');
    assert.equal(disk['file.path'], '/etc/passwd');
  });

  it('drops nulls (OTLP cannot carry them) without touching the event, which may be frozen and shared', () => {
    const line = JSON.stringify({ event: 'windows.desktop.session.start', code: 'TDP00I', desktop_labels: null, roles: null,
      nested: { a: null, b: [1, null, { c: null, d: 'x' }] }, dns_sans: null });
    const h = harness();
    const [record] = ecsOf([line], h);
    const before = JSON.stringify(record.event);
    deepFreeze(record.event);
    record.attributes = {};
    h.processor.process([record]);
    assert.equal(JSON.stringify(record.event), before);
    const a = record.attributes;
    assert.equal('teleport.audit.roles' in a, false);
    assert.deepEqual(a['teleport.audit.nested'], { b: [1, { d: 'x' }] });
    for (const [k, v] of Object.entries(a)) assertNoNulls(v, k);
  });

  it('keeps the fields under their own names with an empty audit_prefix', () => {
    const [r] = ecsOf([JSON.stringify({ event: 'resize', code: 'T2002I', size: '80:25' })], harness({ audit_prefix: '' }));
    assert.equal(r.attributes.size, '80:25');
    assert.deepEqual(r.attributes['event.category'], ['process']);
  });

  it('maps unknown types with event.kind=event and no category, counts them and logs each name once', async () => {
    const h = harness();
    const lines = [
      JSON.stringify({ event: 'teleport.future.thing', code: 'TFU01I', uid: 'a', user: 'x' }),
      JSON.stringify({ event: 'teleport.future.thing', code: 'TFU01W', uid: 'b' }),
      JSON.stringify({ event: '', uid: 'c' }),
      JSON.stringify({ code: 'T0000I', uid: 'd' }),
      JSON.stringify({ event: 42, uid: 'e' }),
      JSON.stringify({ event: 'session.start', code: 'T2000I', uid: 'f' }),
    ];
    const records = ecsOf(lines, h);
    assert.equal(records.length, 6, 'nothing dropped');
    for (const r of records.slice(0, 5)) {
      assert.equal(r.attributes['event.kind'], 'event');
      assert.equal(r.attributes['event.category'], undefined);
      assert.equal(r.attributes['event.type'], undefined);
    }
    assert.equal(records[0].attributes['event.action'], 'teleport.future.thing');
    assert.equal(records[0].attributes['user.name'], 'x', 'the common mapping still applies');
    assert.equal(records[1].attributes['event.outcome'], 'failure');
    assert.equal(records[3].attributes['event.outcome'], 'success');
    assert.equal(records[4].attributes['teleport.audit.event'], 42, 'a non-string event is kept');
    assert.deepEqual(records[5].attributes['event.category'], ['session']);
    assert.equal(await unknownCount(h), 5);
    assert.equal(h.logLines.length, 2, `one line per distinct unknown name: ${h.logLines.join(' | ')}`);
    assert.match(h.logLines[0], /event type "teleport.future.thing": not in the ECS categorization table/);
  });

  it('gives every Teleport sample event one valid outcome, ECS-valid categories and no null attributes', async () => {
    const lines = fixtureLines('teleport-samples.jsonl');
    assert.equal(lines.length, 176);
    const h = harness();
    const records = ecsOf(lines, h);
    assert.equal(records.length, lines.length);
    let unknown = 0;
    for (const r of records) {
      const e = r.event as Record<string, unknown>;
      const a = r.attributes;
      const where = `${e.event} ${e.uid}`;
      assert.equal(a['event.kind'], 'event', where);
      assert.ok((ECS_OUTCOMES as readonly string[]).includes(a['event.outcome'] as string), where);
      assert.equal(a['event.outcome'], expectedOutcome(e), where);
      if (a['event.category'] === undefined) unknown++;
      else assert.deepEqual(combinationProblems(a['event.category'] as string[], a['event.type'] as string[]), [], where);
      if (typeof e.time === 'string') assert.equal(a['@timestamp'], e.time, where);
      if (typeof e.uid === 'string' && e.uid !== '') assert.equal(a['event.id'], e.uid, where);
      for (const [k, v] of Object.entries(a)) assertNoNulls(v, `${where} ${k}`);
    }
    // Only the three events with an empty type are unknown; print and every catalogue type are listed.
    assert.equal(unknown, 3);
    assert.equal(await unknownCount(h), 3);
  });

  it('maps events of one type the same whatever their key order, in one batch (the plan learns orders by position)', () => {
    const fields: [string, unknown][] = [
      ['event', 'sftp'], ['code', 'TS001E'], ['user', 'alice@example.com'], ['addr.remote', '10.0.0.9:41106'],
      ['addr.local', '[::1]:3022'], ['path', '/tmp/x'], ['event', 'sftp'], ['sid', 's-1'], ['nested', { a: null, b: 1 }],
      ['success', 'false'], ['return_code', '7'], ['login', 'root'],
    ];
    const orders = [fields, [...fields].reverse(), [...fields.slice(5), ...fields.slice(0, 5)], fields];
    const lines = orders.map((o) => JSON.stringify(Object.fromEntries(o)));
    // A different type between them must not reuse this type's key positions.
    lines.splice(2, 0, JSON.stringify({ user: 'bob', path: '/etc/passwd', event: 'session.command', return_code: '3' }));
    const out = ecsOf(lines).map((r) => r.attributes);
    const sorted = (a: Record<string, unknown>) => Object.fromEntries(Object.entries(a).sort(([x], [y]) => (x < y ? -1 : 1)));
    const first = sorted(out[0]);
    assert.equal(first['file.path'], '/tmp/x');
    assert.equal(first['client.port'], 41106);
    assert.equal(first['teleport.audit.return_code'], '7');
    for (const i of [1, 3, 4]) assert.deepEqual(sorted(out[i]), first, `order ${i}`);
    assert.equal(out[2]['process.exit_code'], 3);
    assert.equal(out[2]['teleport.audit.path'], '/etc/passwd');
    assert.equal(out[2]['file.path'], undefined);
  });
});
