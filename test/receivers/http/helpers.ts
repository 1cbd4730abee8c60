/**
 * Helpers for the http receiver tests: certificates made with the openssl CLI (a CA, a server
 * certificate for 127.0.0.1 and localhost, a client certificate, and a client certificate from
 * another CA), a keep-alive HTTPS client that plays the Event Handler, and readers of the output.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { decode } from '../../support/otlp-sink';
import { completeLines } from '../../support/output-file';
import { tmpDir } from '../../support/service';
export { freePort } from '../../support/cli-process';

export { delay, startService, tmpDir } from '../../support/service';

export interface Certs {
  readonly dir: string;
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** Signed by another CA: must be refused. */
  readonly otherCert: string;
  readonly otherKey: string;
}

let made: Certs | undefined;

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Once per test run: EC P-256 keys, so the whole set takes a few tens of ms. */
export function certs(): Certs {
  if (made !== undefined && fs.existsSync(made.caCert)) return made;
  const dir = tmpDir('teleport-otel-certs-');
  const key = (name: string) => openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`]);
  const ca = (name: string, cn: string) => {
    key(name);
    openssl(dir, ['req', '-x509', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-days', '2', '-out', `${name}.crt`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  };
  const leaf = (name: string, cn: string, signer: string, ext: string) => {
    key(name);
    openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`]);
    fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${signer}.crt`, '-CAkey', `${signer}.key`, '-CAcreateserial',
      '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`]);
  };
  ca('ca', 'teleport-otel test CA');
  ca('other-ca', 'some other CA');
  leaf('server', 'localhost', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'teleport-event-handler', 'ca', 'extendedKeyUsage=clientAuth\n');
  leaf('other', 'teleport-event-handler', 'other-ca', 'extendedKeyUsage=clientAuth\n');
  const f = (n: string) => path.join(dir, n);
  made = {
    dir, caCert: f('ca.crt'), serverCert: f('server.crt'), serverKey: f('server.key'),
    clientCert: f('client.crt'), clientKey: f('client.key'), otherCert: f('other.crt'), otherKey: f('other.key'),
  };
  return made;
}

/** A free loopback port (for a child process that must listen on a known one). */

/** The receiver's tls block for mutual TLS with `c`. */
export function tlsBlock(c: Certs): Record<string, string> {
  return { cert_file: c.serverCert, key_file: c.serverKey, client_ca_file: c.caCert };
}

export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export interface PostOptions {
  readonly path?: string;
  readonly headers?: Record<string, string>;
  readonly method?: string;
}

/** A client as the Event Handler is: keep-alive HTTPS with a client certificate (or none). */
export class Client {
  readonly agent: https.Agent;

  constructor(readonly port: number, tls: { ca: string; cert?: string; key?: string }, sockets = 4) {
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: sockets,
      ca: fs.readFileSync(tls.ca),
      cert: tls.cert === undefined ? undefined : fs.readFileSync(tls.cert),
      key: tls.key === undefined ? undefined : fs.readFileSync(tls.key),
    });
  }

  static mutual(port: number, c: Certs, sockets?: number): Client {
    return new Client(port, { ca: c.caCert, cert: c.clientCert, key: c.clientKey }, sockets);
  }

  post(body: string | Buffer, options: PostOptions = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = https.request({
        host: '127.0.0.1', port: this.port, path: options.path ?? '/events.log', method: options.method ?? 'POST', agent: this.agent,
        headers: { 'Content-Type': 'application/json', ...options.headers },
        timeout: 30_000,
      }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => { text += d; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('client timeout')));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Distinct Teleport-like events (uid `tag-n`), one compact JSON object each, as the plugin sends. */
export function events(tag: string, n: number, from = 0): string[] {
  const out: string[] = [];
  for (let i = from; i < from + n; i++) {
    out.push(JSON.stringify({ code: 'T1000I', event: 'user.login', time: '2024-02-22T10:00:00.000Z', uid: `${tag}-${i}`, user: 'alice', success: true, ei: 0 }));
  }
  return out;
}

export interface OutputRecord {
  readonly body: unknown;
  readonly attributes: Record<string, unknown>;
}

/** What the file exporter wrote (OTLP/JSON lines). */
export function fileRecords(file: string): OutputRecord[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '')
    .flatMap((l) => decode(Buffer.from(l), false)).map((r) => ({ body: r.body, attributes: r.attributes }));
}

/** Lines the test exporter wrote (each accepted record's raw text); a torn last line is ignored. */
export const rawLines = completeLines;

export function receiverYaml(receiver: Record<string, unknown>, exporters: string, dead: string): string {
  return `
receivers:
  http: ${JSON.stringify(receiver)}
exporters:
${exporters}
  file/dead-letter: {path: ${JSON.stringify(dead)}, append: true}
service:
  pipelines:
    logs: {receivers: [http], exporters: [${exportersIds(exporters).join(', ')}], dead_letter: [file/dead-letter]}
`;
}

function exportersIds(block: string): string[] {
  return [...block.matchAll(/^ {2}([\w/-]+):/gm)].map((m) => m[1]);
}
