/**
 * TLS and SASL on the wire: the receiver reaches the mock cluster through a test-only front
 * (test/support/kafka-front.ts) that performs the TLS handshake (server certificate checked against
 * `ca_file` and the broker's name; client certificate when the front asks for one) and the SASL
 * exchange (PLAIN, and SCRAM-SHA-256/512 against a salted password). Events make the round trip
 * through each. Refusals (untrusted chain, wrong name, missing client certificate, wrong password)
 * give one line naming the broker and the reason or mechanism, are retried with backoff and
 * counted, and /healthz says the receiver is failing; the password never shows in the log.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../../core/config/load';
import { Service } from '../../../core/pipeline/service';
import { createLogger } from '../../../core/telemetry/logger';
import { KafkaFront, type FrontOptions } from '../../support/kafka-front';
import { kafkaMock, type KafkaMock } from '../../support/kafka-mock';
import { testRegistry } from '../../support/test-registry';
import { events, fileYaml, kafkaReceiver, outputLines, tmpDir, uidOf, waitFor } from './helpers';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'kafka-tls');
const pem = (name: string) => fs.readFileSync(path.join(FIXTURES, `${name}.pem`), 'utf8');
const file = (name: string) => path.join(FIXTURES, `${name}.pem`);
const PASSWORD = 'correct horse battery staple';
const USERS = { 'teleport-otel': PASSWORD };

interface Run { service: Service; lines: string[]; output: string }

describe('kafka receiver: TLS and SASL through a real handshake', function () {
  this.timeout(60_000);
  let kafka: KafkaMock;
  const fronts: KafkaFront[] = [];

  before(async () => { kafka = await kafkaMock(); });
  afterEach(async () => { for (const f of fronts.splice(0)) await f.stop(); });

  async function front(options: Omit<FrontOptions, 'upstream'>): Promise<KafkaFront> {
    const f = new KafkaFront({ upstream: kafka.bootstrap, advertisedHost: 'localhost', ...options });
    await f.start();
    fronts.push(f);
    return f;
  }

  async function start(f: KafkaFront, topic: string, extra: Record<string, unknown>, once: boolean): Promise<Run> {
    const dir = tmpDir();
    const output = path.join(dir, 'out.jsonl');
    const receiver = kafkaReceiver(kafka, [topic], kafka.unique('g'), { brokers: [f.address], ...extra });
    const config = parseConfig(fileYaml(receiver, output, path.join(dir, 'dead.jsonl')), 'test.yaml', testRegistry, { KAFKA_TEST_PASSWORD: PASSWORD, KAFKA_WRONG_PASSWORD: 'Tr0ub4dor&3' });
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', write: (l) => { lines.push(l); if (process.env.TEST_LOG) process.stderr.write(l + '\n'); } });
    const service = new Service(config, { logger, dataDir: path.join(dir, 'data'), once, registry: testRegistry, logLevel: 'info' });
    await service.start();
    return { service, lines, output };
  }

  async function roundTrip(f: KafkaFront, extra: Record<string, unknown>): Promise<void> {
    const topic = kafka.unique('secure');
    const sent = events(topic, 0, 120);
    await kafka.produce(topic, sent.map((value) => ({ value })));
    const run = await start(f, topic, extra, true);
    try {
      await run.service.drained();
    } finally {
      await run.service.shutdown(5000);
    }
    const got = outputLines(run.output).map(uidOf);
    assert.equal(got.length, sent.length, 'each event once');
    assert.deepEqual(new Set(got), new Set(sent.map(uidOf)));
    assert.ok(run.lines.every((l) => !l.includes(PASSWORD)), 'the password is never logged');
  }

  async function metric(service: Service, name: string): Promise<number> {
    const m = new RegExp(`^teleport_otel_${name}\\{[^}]*\\} (\\d+)`, 'm').exec(await service.telemetry.registry.metrics());
    return m ? Number(m[1]) : 0;
  }

  /** A long-running receiver the front refuses: one line naming the broker and the reason, retried and counted, health failing. */
  async function refused(f: KafkaFront, extra: Record<string, unknown>, reason: RegExp, attempts = 1): Promise<string> {
    const run = await start(f, kafka.unique('refused'), extra, false);
    try {
      await waitFor(`${attempts} failed connects`, async () => (await metric(run.service, 'kafka_connect_failures_total')) >= attempts, 50_000);
      const health = run.service.health();
      assert.equal(health.status, 'failing');
      const why = JSON.stringify(health.components);
      assert.match(why, reason);
      assert.ok(why.includes(f.address), `health names the broker: ${why}`);
      const line = run.lines.find((l) => /ERROR .*cannot connect to/.test(l));
      assert.ok(line !== undefined, run.lines.join('\n'));
      assert.ok(line.includes(f.address), line);
      assert.match(line, reason);
      assert.match(line, /retrying in \d/);
      assert.ok(run.lines.every((l) => !l.includes(PASSWORD) && !l.includes('Tr0ub4dor')), 'no password in the log');
      const multi = run.lines.filter((l) => /\n|^\s+at /.test(l));
      assert.deepEqual(multi, [], 'one line each, no stack');
      return line;
    } finally {
      await run.service.shutdown(5000);
    }
  }

  const tlsServer = { cert: pem('broker'), key: pem('broker-key') };

  it('TLS, server certificate checked against ca_file and the broker name: round trip', async () => {
    const f = await front({ tls: tlsServer });
    await roundTrip(f, { tls: { ca_file: file('ca') } });
  });

  it('mutual TLS: the front asks for a client certificate, cert_file/key_file answer it: round trip', async () => {
    const f = await front({ tls: { ...tlsServer, ca: pem('ca'), requestCert: true } });
    await roundTrip(f, { tls: { ca_file: file('ca'), cert_file: file('client'), key_file: file('client-key') } });
  });

  for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
    it(`SASL ${mechanism} over TLS, password from \${env:}: round trip, the front saw the exchange succeed`, async () => {
      const f = await front({ tls: tlsServer, sasl: { mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'], users: USERS } });
      await roundTrip(f, { tls: { ca_file: file('ca') }, sasl: { mechanism, username: 'teleport-otel', password: '${env:KAFKA_TEST_PASSWORD}' } });
      assert.ok(f.authenticated.includes(`${mechanism.toUpperCase()}:teleport-otel`), f.authenticated.join());
      assert.deepEqual(f.refused, []);
    });
  }

  it('an untrusted broker certificate: one line naming the broker and the reason, retried, counted, health failing', async () => {
    const f = await front({ tls: tlsServer });
    await refused(f, { tls: { ca_file: file('other-ca') } }, /certificate/i, 2);
  });

  it('a broker certificate for another name: refused by the name check', async () => {
    const f = await front({ tls: { cert: pem('wrong-name'), key: pem('wrong-name-key') } });
    await refused(f, { tls: { ca_file: file('ca') } }, /altnames|does not match|hostname/i);
  });

  it('insecure_skip_verify accepts that certificate (off by default, as the tests above show)', async () => {
    const f = await front({ tls: { cert: pem('wrong-name'), key: pem('wrong-name-key') } });
    await roundTrip(f, { tls: { insecure_skip_verify: true } });
  });

  it('no client certificate where the broker asks for one: refused, one line', async () => {
    const f = await front({ tls: { ...tlsServer, ca: pem('ca'), requestCert: true } });
    await refused(f, { tls: { ca_file: file('ca') } }, /certificate|handshake|socket|ECONNRESET|closed|disconnected/i);
    assert.ok(f.tlsErrors.length > 0, 'the front refused the handshake');
  });

  it('a wrong SCRAM password: one line naming the broker and the mechanism, retried, counted, health failing', async () => {
    const f = await front({ tls: tlsServer, sasl: { mechanisms: ['SCRAM-SHA-256'], users: USERS } });
    await refused(f, { tls: { ca_file: file('ca') }, sasl: { mechanism: 'scram-sha-256', username: 'teleport-otel', password: '${env:KAFKA_WRONG_PASSWORD}' } }, /SCRAM-SHA-256/, 3);
    assert.ok(f.refused.length >= 2, 'the front refused each attempt');
  });
});
