/**
 * The http receiver over real mutual TLS on loopback: events POSTed one per request arrive with
 * their tag; clients without a certificate, or with one from another CA, are refused at the
 * handshake; and each kind of bad request gets its answer (401, 405, 413; 200 + dead letter).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Service } from '../../../core/pipeline/service';
import { deadLetters } from '../awss3/helpers';
import { certs, Client, events, fileRecords, freePort, receiverYaml, startService, tlsBlock, tmpDir, type Certs } from './helpers';

describe('http receiver: mutual TLS round trip', function () {
  this.timeout(20_000);
  let c: Certs;
  let service: Service;
  let port: number;
  let out: string;
  let dead: string;
  let client: Client;

  before(async () => {
    c = certs();
    port = await freePort();
    const dir = tmpDir();
    out = path.join(dir, 'out.jsonl');
    dead = path.join(dir, 'dead.jsonl');
    const yaml = receiverYaml(
      { endpoint: `127.0.0.1:${port}`, tls: tlsBlock(c), auth: { bearer_token: 'open-sesame' }, max_body_size: '64KiB' },
      `  file: {path: ${JSON.stringify(out)}}`, dead,
    );
    service = await startService(yaml, { once: false });
    client = Client.mutual(port, c);
  });

  after(async () => {
    client.close();
    await service.shutdown(5000);
  });

  const auth = { Authorization: 'Bearer open-sesame' };
  const refusedHandshakes = async () => (await service.telemetry.registry.getSingleMetric('teleport_otel_http_handshakes_refused_total')?.get())?.values[0]?.value ?? 0;

  it('events POSTed one per request are answered 200 once written, with their tag and uid', async () => {
    const sent = events('rt', 40);
    // Concurrent, as the plugin's several connections are: answered only after the fsync.
    const answers = await Promise.all(sent.map((e, i) => client.post(e, { path: i % 2 === 0 ? '/events.log' : '/session.events', headers: auth })));
    assert.deepEqual(answers.map((a) => a.status), sent.map(() => 200));
    const records = fileRecords(out);
    const byUid = new Map(records.map((r) => [r.attributes['log.record.uid'], r]));
    for (const [i, e] of sent.entries()) {
      const r = byUid.get(JSON.parse(e).uid);
      assert.ok(r, `event ${i} answered 200 but not in the output`);
      assert.equal(r.body, e, 'the body is the event exactly as POSTed');
      assert.equal(r.attributes['http.tag'], i % 2 === 0 ? 'events.log' : 'session.events');
    }
  });

  it('a JSON array, newline-delimited events and a gzip body are each split into events', async () => {
    const [a, b, d, e, f] = events('multi', 5);
    assert.equal((await client.post(`[${a},\n ${b}]`, { headers: auth })).status, 200);
    assert.equal((await client.post(`${d}\n\n${e}\n`, { headers: auth })).status, 200);
    assert.equal((await client.post(zlib.gzipSync(f), { headers: { ...auth, 'Content-Encoding': 'gzip' } })).status, 200);
    const bodies = new Set(fileRecords(out).map((r) => r.body));
    for (const x of [a, b, d, e, f]) assert.ok(bodies.has(x), `missing ${x}`);
  });

  it('a client without a certificate is refused at the handshake', async () => {
    const anonymous = new Client(port, { ca: c.caCert });
    const before = await refusedHandshakes();
    try {
      await assert.rejects(anonymous.post(events('anon', 1)[0], { headers: auth }), (err: NodeJS.ErrnoException) => {
        // TLS 1.3: the alert arrives after the client's Finished, as a reset or a certificate alert.
        assert.match(`${err.code} ${err.message}`, /ECONNRESET|certificate|alert|socket hang up|EPIPE/i);
        return true;
      });
    } finally {
      anonymous.close();
    }
    assert.equal(await refusedHandshakes(), before + 1, 'the server refused the handshake');
    assert.ok(!fileRecords(out).some((r) => String(r.attributes['log.record.uid']).startsWith('anon-')));
  });

  it('a client whose certificate another CA signed is refused at the handshake', async () => {
    const stranger = new Client(port, { ca: c.caCert, cert: c.otherCert, key: c.otherKey });
    const before = await refusedHandshakes();
    try {
      await assert.rejects(stranger.post(events('stranger', 1)[0], { headers: auth }), (err: NodeJS.ErrnoException) => {
        assert.match(`${err.code} ${err.message}`, /ECONNRESET|certificate|alert|unknown ca|socket hang up|EPIPE/i);
        return true;
      });
    } finally {
      stranger.close();
    }
    assert.equal(await refusedHandshakes(), before + 1, 'the server refused the handshake');
    assert.ok(!fileRecords(out).some((r) => String(r.attributes['log.record.uid']).startsWith('stranger-')));
  });

  it('a wrong or missing bearer token gets 401, and nothing is kept', async () => {
    const [x] = events('badtoken', 1);
    const wrong = await client.post(x, { headers: { Authorization: 'Bearer open-sesam' } });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers['www-authenticate'], 'Bearer');
    assert.equal((await client.post(x)).status, 401);
    assert.ok(!fileRecords(out).some((r) => r.attributes['log.record.uid'] === 'badtoken-0'));
    assert.equal((await client.post(x, { headers: auth })).status, 200, 'the same event with the right token');
  });

  it('a malformed body is answered 200 and dead-lettered with the reason and its position', async () => {
    const good = events('mixed', 1)[0];
    assert.equal((await client.post('{"event": "user.login", "uid": ', { path: '/broken.log', headers: auth })).status, 200);
    // One bad line among good ones: only it is dead-lettered.
    assert.equal((await client.post(`${good}\nnot json at all\n`, { path: '/mixed.log', headers: auth })).status, 200);
    assert.equal((await client.post('', { headers: auth })).status, 200);
    const letters = deadLetters(dead);
    const broken = letters.find((l) => l.body === '{"event": "user.login", "uid":');
    assert.ok(broken, `dead letters: ${JSON.stringify(letters.map((l) => l.body))}`);
    assert.equal(broken.attributes['error.type'], 'json_invalid');
    assert.match(String(broken.attributes['teleport_otel.source.position']), /^http 127\.0\.0\.1:\d+ broken\.log #\d+:1$/);
    const line = letters.find((l) => l.body === 'not json at all');
    assert.ok(line);
    assert.equal(line.attributes['teleport_otel.source.line'], 2);
    assert.ok(letters.some((l) => l.attributes['error.type'] === 'http_body_invalid' && /empty body/.test(String(l.attributes['error.message']))));
    assert.ok(fileRecords(out).some((r) => r.body === good), 'the good event of the mixed body was exported');
  });

  it('a body over max_body_size gets 413, before and after gzip inflation', async () => {
    const big = JSON.stringify({ event: 'print', code: 'T2000I', uid: 'big-1', data: 'x'.repeat(70 * 1024) });
    const answer = await client.post(big, { headers: auth });
    assert.equal(answer.status, 413);
    const bomb = zlib.gzipSync(big); // ~ 100 bytes on the wire
    assert.equal((await client.post(bomb, { headers: { ...auth, 'Content-Encoding': 'gzip' } })).status, 413);
    assert.ok(!fileRecords(out).some((r) => r.attributes['log.record.uid'] === 'big-1'));
    assert.ok(!deadLetters(dead).some((l) => String(l.body).includes('big-1')));
  });

  it('the tag survives a pipeline on worker threads', async () => {
    const p = await freePort();
    const dir = tmpDir();
    const file = path.join(dir, 'out.jsonl');
    const yaml = receiverYaml({ endpoint: `127.0.0.1:${p}`, tls: tlsBlock(c) }, `  file: {path: ${JSON.stringify(file)}}`, path.join(dir, 'dead.jsonl'))
      .replace('dead_letter: [file/dead-letter]}', 'dead_letter: [file/dead-letter], workers: 1}');
    const onWorkers = await startService(yaml, { once: false });
    const other = Client.mutual(p, c);
    try {
      const [e] = events('workers', 1);
      assert.equal((await other.post(e, { path: '/session.abc.log' })).status, 200);
      const [r] = fileRecords(file);
      assert.equal(r.body, e);
      assert.equal(r.attributes['http.tag'], 'session.abc.log');
    } finally {
      other.close();
      await onWorkers.shutdown(5000);
    }
  });

  it('anything but POST gets 405 with Allow: POST', async () => {
    const answer = await client.post('', { method: 'GET', headers: auth });
    assert.equal(answer.status, 405);
    assert.equal(answer.headers.allow, 'POST');
  });
});
