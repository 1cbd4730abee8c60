/** Config errors as one line with their path, `--once` refused, and how bodies and paths are read. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../../core/config/load';
import { UserError } from '../../../core/errors';
import { splitEvents } from '../../../receivers/http/body';
import { tagOf } from '../../../receivers/http/receiver';
import { testRegistry } from '../../support/test-registry';
import { execFileSync } from 'node:child_process';
import { certs, Client, freePort, startService, tmpDir } from './helpers';

function yaml(receiver: string): string {
  return `
receivers:
  http: ${receiver}
exporters:
  testexporter: {}
service:
  pipelines:
    logs: {receivers: [http], exporters: [testexporter]}
`;
}

function errorsOf(receiver: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(yaml(receiver), 'p.yaml', testRegistry, env);
  } catch (err) {
    assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
    return err.lines;
  }
  return [];
}

describe('http receiver: config', () => {
  it('refuses a non-loopback endpoint without TLS, unless insecure says so', () => {
    assert.deepEqual(errorsOf('{endpoint: "0.0.0.0:8888"}'), [
      'receivers.http.endpoint: 0.0.0.0:8888 is reachable from other hosts but tls is not set; set tls (cert_file, key_file, client_ca_file) or insecure: true',
    ]);
    assert.deepEqual(errorsOf('{endpoint: "0.0.0.0:8888", insecure: true}'), []);
    assert.deepEqual(errorsOf('{endpoint: "[::1]:8888"}'), []);
    assert.deepEqual(errorsOf('{endpoint: "0.0.0.0:8888", tls: {cert_file: a.crt, key_file: a.key}}'), []);
  });

  it('reports every error at once, each with its path', () => {
    assert.deepEqual(errorsOf('{endpoint: "localhost", max_body_size: "lots", tls: {cert_file: a.crt}}'), [
      'receivers.http.tls.key_file: required',
      'receivers.http.max_body_size: must be a size such as 64KiB, 1MiB or 500MB',
    ]);
    assert.deepEqual(errorsOf('{endpoint: "localhost"}'), ['receivers.http.endpoint: must be host:port, e.g. 0.0.0.0:8888 or [::]:8888 (got "localhost")']);
  });

  it('takes the bearer token from the environment, and an unset variable is an error', () => {
    assert.deepEqual(errorsOf('{auth: {bearer_token: "${env:HTTP_TOKEN}"}}', { HTTP_TOKEN: 'x' }), []);
    assert.match(errorsOf('{auth: {bearer_token: "${env:HTTP_TOKEN}"}}')[0], /^receivers\.http\.auth\.bearer_token: environment variable HTTP_TOKEN is not set/);
  });

  it('a TLS file that cannot be read fails the start with its config key', async () => {
    await assert.rejects(startService(yaml('{endpoint: "127.0.0.1:0", tls: {cert_file: /nonexistent/server.crt, key_file: /nonexistent/server.key}}'), { once: false }),
      { message: 'receivers.http.tls.cert_file: cannot read /nonexistent/server.crt: ENOENT' });
  });

  it('an encrypted key_file opens with key_passphrase; a wrong one fails the start in one line', async () => {
    const c = certs();
    const encrypted = path.join(tmpDir(), 'server.key');
    execFileSync('openssl', ['pkey', '-in', c.serverKey, '-aes256', '-passout', 'pass:correct horse', '-out', encrypted]);
    const tls = (pass: string) => JSON.stringify({ cert_file: c.serverCert, key_file: encrypted, key_passphrase: pass, client_ca_file: c.caCert });
    await assert.rejects(startService(yaml(`{endpoint: "127.0.0.1:0", tls: ${tls('wrong')}}`), { once: false }), (err: Error) => {
      assert.equal(err.message, `receivers.http.tls: cannot use ${c.serverCert} and ${encrypted}: bad decrypt`);
      return true;
    });
    const port = await freePort();
    const service = await startService(yaml(`{endpoint: "127.0.0.1:${port}", tls: ${tls('correct horse')}}`), { once: false });
    const client = Client.mutual(port, c);
    try {
      assert.equal((await client.post('{"event":"x","uid":"enc-1"}')).status, 200);
    } finally {
      client.close();
      await service.shutdown(1000);
    }
  });

  it('a port in use fails the start in one line', async () => {
    const port = await freePort();
    const first = await startService(yaml(`{endpoint: "127.0.0.1:${port}"}`), { once: false });
    try {
      await assert.rejects(startService(yaml(`{endpoint: "127.0.0.1:${port}"}`), { once: false }),
        { message: `receivers.http.endpoint: cannot listen on 127.0.0.1:${port}: EADDRINUSE` });
    } finally {
      await first.shutdown(1000);
    }
  });

  it('--once is refused with one line: a server has no end', () => {
    const dir = tmpDir();
    const config = path.join(dir, 'p.yaml');
    fs.writeFileSync(config, yaml('{endpoint: "127.0.0.1:0"}'));
    const r = spawnSync(process.execPath, [path.resolve(__dirname, '../../support/run-pipeline.js'), 'run', '--once', '-c', config], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim(), '--once: receivers http have no end; run without --once');
  });
});

describe('http receiver: bodies and tags', () => {
  it('splits a body into events without re-serializing them', () => {
    assert.deepEqual(splitEvents('{"a":1}'), ['{"a":1}']);
    assert.deepEqual(splitEvents(' [ {"a":"],"} , {"b":[1,2]} ]\n'), ['{"a":"],"}', '{"b":[1,2]}']);
    assert.deepEqual(splitEvents('{"a":1}\n{"b":2}\r\n\n{"c":"\\"}"}'), ['{"a":1}', '{"b":2}', '{"c":"\\"}"}']);
    assert.deepEqual(splitEvents('{"big":12345678901234567890}'), ['{"big":12345678901234567890}']);
    // A broken line is one piece of its own; the lines after it are still events.
    assert.deepEqual(splitEvents('{"a":1}\nnot json\n{"s":"unterminated\n{"b":2}'), ['{"a":1}', 'not json', '{"s":"unterminated', '{"b":2}']);
    assert.deepEqual(splitEvents('[1, 2'), ['[1, 2']);
    assert.deepEqual(splitEvents('  \n'), []);
  });

  it('the path is the Fluentd tag', () => {
    assert.equal(tagOf('/events.log'), 'events.log');
    assert.equal(tagOf('/session.events?x=1'), 'session.events');
    assert.equal(tagOf('/teleport/audit/'), 'teleport.audit');
    assert.equal(tagOf('/'), '');
    assert.equal(tagOf('/a%20b'), 'a b');
  });
});
