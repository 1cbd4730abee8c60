/**
 * The OTLP/gRPC transport against a real grpc-js server on loopback (test/support/otlp-grpc-sink),
 * which decodes with the official OTLP definitions: requests encoded by core/otlp arrive intact,
 * each gRPC status lands in the class the OTLP spec gives it, RetryInfo is honoured, partial
 * success is read, gzip is on the wire, and TLS / mutual TLS / a wrong CA behave.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import { status } from '@grpc/grpc-js';
import { OtlpProtoEncoder } from '../../../core/otlp/proto';
import { newRecord, type LogRecord } from '../../../core/record';
import { DEFAULT_GRPC_PORT, GrpcTransport, parseGrpcEndpoint, type GrpcSendOutcome, type GrpcTransportOptions } from '../../../exporters/otlp/grpc-transport';
import { OtlpGrpcSink } from '../../support/otlp-grpc-sink';
import { decode } from '../../support/otlp-sink';
import { certs, type Certs } from '../../receivers/http/helpers';
import { parsedSamples, syntheticLines } from '../otlphttp/helpers';

const RESOURCE = { attributes: { 'service.name': 'teleport' }, scopeName: 'teleport-otel', scopeVersion: '0.1.0' };
const encoder = new OtlpProtoEncoder(RESOURCE);

function records(lines: string[]): LogRecord[] {
  return lines.map((raw, i) => {
    const r = newRecord(raw, { source: 'test', line: i + 1 }, 1718000000123456789n + BigInt(i));
    r.event = JSON.parse(raw) as Record<string, unknown>;
    return r;
  });
}

/** A protobuf ExportLogsServiceRequest of `n` synthetic events, as otlphttp would send it. */
const request = (n: number, tag = 'x'): Buffer => encoder.encode(records(syntheticLines(n, tag)));

const uids = (sink: OtlpGrpcSink) => sink.records.map((r) => r.attributes['log.record.uid']);

function options(sink: OtlpGrpcSink, extra: Partial<GrpcTransportOptions> = {}): GrpcTransportOptions {
  return {
    endpoint: sink.endpoint, insecure: true, headers: {}, compression: 'none', timeoutMs: 5_000,
    tls: { insecure_skip_verify: false }, configPath: 'exporters.otlp', ...extra,
  };
}

describe('otlp gRPC transport', function () {
  this.timeout(20_000);
  const open: GrpcTransport[] = [];
  const transport = (o: GrpcTransportOptions) => {
    const t = new GrpcTransport(o);
    open.push(t);
    return t;
  };
  afterEach(() => { for (const t of open.splice(0)) t.close(); });

  describe('over plaintext HTTP/2', () => {
    let sink: OtlpGrpcSink;
    before(async () => { sink = await OtlpGrpcSink.start(); });
    after(async () => { await sink.close(); });
    beforeEach(() => sink.reset());

    it('delivers the encoder\'s bytes unchanged, and the official definitions read them as the encoder meant', async () => {
      const samples = parsedSamples().slice(0, 60);
      assert.ok(samples.length >= 50, 'the bundled samples are there');
      const body = encoder.encode(records(samples.map((s) => s.raw)));
      const outcome = await transport(options(sink)).send(body);
      assert.deepEqual(outcome, { kind: 'success', rejectedLogRecords: 0, errorMessage: '' });
      // The same size on arrival: passed through, not decoded and re-encoded on the way.
      assert.equal(sink.requests[0].bytes, body.length);
      assert.equal(sink.streams[0].path, '/opentelemetry.proto.collector.logs.v1.LogsService/Export');
      // Decoded with the official protos, the request says what the HTTP sink's subset says...
      assert.deepEqual(sink.records, decode(body, true));
      // ...and what the events say (records are grouped by cluster, so compared without order).
      const pairs = (list: [unknown, unknown][]) => list.map((p) => JSON.stringify(p)).sort();
      assert.deepEqual(pairs(sink.records.map((r) => [r.eventName, r.body])), pairs(samples.map((s) => [String(s.event.event ?? ''), s.raw])));
    });

    it('multiplexes concurrent calls on one transport', async () => {
      const t = transport(options(sink));
      const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => t.send(request(25, `c${i}`))));
      assert.ok(outcomes.every((o) => o.kind === 'success'));
      assert.equal(new Set(uids(sink)).size, 200);
    });

    it('classes every status the OTLP spec names, with RetryInfo where sent', async () => {
      // The OTLP spec's table: retryable codes, RESOURCE_EXHAUSTED only with RetryInfo; the request-level
      // refusals this project retries loudly (endpoint); the rest not retryable (permanent: the exporter splits).
      const retryable = [status.CANCELLED, status.DEADLINE_EXCEEDED, status.ABORTED, status.OUT_OF_RANGE, status.UNAVAILABLE, status.DATA_LOSS];
      const endpoint = [status.UNAUTHENTICATED, status.PERMISSION_DENIED, status.UNIMPLEMENTED, status.NOT_FOUND];
      const permanent = [status.UNKNOWN, status.INVALID_ARGUMENT, status.ALREADY_EXISTS, status.FAILED_PRECONDITION, status.INTERNAL];
      const t = transport(options(sink));
      for (const [codes, kind] of [[retryable, 'retryable'], [endpoint, 'endpoint'], [permanent, 'permanent']] as const) {
        for (const code of codes) {
          sink.setFault({ code, times: 1, message: `no luck ${code}`, retryDelayMs: 1_250 });
          const outcome = await t.send(request(3));
          assert.equal(outcome.kind, kind, `${status[code]}: ${JSON.stringify(outcome)}`);
          assert.equal((outcome as { message: string }).message, `http://${sink.endpoint}: ${status[code]}: no luck ${code}`);
          if (outcome.kind === 'retryable' || outcome.kind === 'endpoint') assert.equal(outcome.retryAfterMs, 1_250, status[code]);
          if (outcome.kind === 'permanent' || outcome.kind === 'endpoint') assert.equal(outcome.status, code);
        }
      }
      assert.equal(sink.records.length, 0);
    });

    it('retries UNAVAILABLE until the server recovers: the records arrive once, intact', async () => {
      sink.setFault({ code: status.UNAVAILABLE, times: 3 });
      const t = transport(options(sink));
      const body = request(10, 'u');
      const kinds: string[] = [];
      for (let attempt = 0; attempt < 10; attempt++) {
        const outcome = await t.send(body);
        kinds.push(outcome.kind);
        if (outcome.kind === 'success') break;
        assert.equal(outcome.kind, 'retryable');
        assert.equal((outcome as Extract<GrpcSendOutcome, { kind: 'retryable' }>).retryAfterMs, undefined, 'no RetryInfo, no server delay');
      }
      assert.deepEqual(kinds, ['retryable', 'retryable', 'retryable', 'success']);
      assert.deepEqual(uids(sink), syntheticLines(10, 'u').map((l) => (JSON.parse(l) as { uid: string }).uid));
      assert.deepEqual(sink.records, decode(body, true));
    });

    it('takes RESOURCE_EXHAUSTED as retryable only with RetryInfo, honouring its delay to the millisecond', async () => {
      const t = transport(options(sink));
      sink.setFault({ code: status.RESOURCE_EXHAUSTED, times: 1, retryDelayMs: 2_345 });
      assert.deepEqual(await t.send(request(2)), { kind: 'retryable', message: `http://${sink.endpoint}: RESOURCE_EXHAUSTED: injected RESOURCE_EXHAUSTED`, retryAfterMs: 2_345 });
      sink.setFault({ code: status.RESOURCE_EXHAUSTED, times: 1 });
      const outcome = await t.send(request(2));
      assert.equal(outcome.kind, 'permanent');
      assert.equal(sink.records.length, 0);
      assert.equal((await t.send(request(2))).kind, 'success', 'and the same records go through once the server takes them');
    });

    it('refuses only the request holding a bad record (INVALID_ARGUMENT, permanent): its neighbours go through', async () => {
      sink.refuse = (r) => r.attributes['log.record.uid'] === 'bad-1';
      const t = transport(options(sink));
      const bad = await t.send(request(3, 'bad'));
      assert.equal(bad.kind, 'permanent');
      assert.equal(bad.kind === 'permanent' && bad.status, status.INVALID_ARGUMENT);
      assert.equal((await t.send(request(3, 'good'))).kind, 'success');
      assert.deepEqual(uids(sink), ['good-0', 'good-1', 'good-2']);
    });

    it('makes a request over the server\'s size limit permanent, so the exporter splits it rather than retrying forever', async () => {
      const small = await OtlpGrpcSink.start({ maxReceiveMessageLength: 4_096 });
      try {
        const t = transport(options(small));
        const big = request(40, 'big');
        assert.ok(big.length > 4_096);
        const outcome = await t.send(big);
        assert.equal(outcome.kind, 'permanent', JSON.stringify(outcome));
        assert.equal(outcome.kind === 'permanent' && outcome.status, status.RESOURCE_EXHAUSTED);
        assert.equal((await t.send(request(3, 'fits'))).kind, 'success');
        assert.equal(small.records.length, 3);
      } finally {
        await small.close();
      }
    });

    it('sends headers as metadata, and is refused (endpoint, not a record\'s fault) without the right one', async () => {
      sink.requireHeader = { name: 'authorization', value: 'Bearer s3cret' };
      const denied = await transport(options(sink, { headers: { Authorization: 'Bearer wrong' } })).send(request(2));
      assert.equal(denied.kind, 'endpoint');
      assert.equal(denied.kind === 'endpoint' && denied.status, status.UNAUTHENTICATED);
      assert.equal(denied.kind === 'endpoint' && denied.message, `http://${sink.endpoint}: UNAUTHENTICATED: missing or wrong authorization`);
      const ok = await transport(options(sink, { headers: { Authorization: 'Bearer s3cret', 'X-Scope-OrgID': 'tenant-1' } })).send(request(2));
      assert.equal(ok.kind, 'success');
      const seen = sink.requests.at(-1)!.metadata;
      assert.equal(seen['x-scope-orgid'], 'tenant-1');
      assert.match(seen['user-agent'], /^teleport-otel\/\d+\.\d+\.\d+ grpc-node-js\//);
      assert.equal(sink.records.length, 2);
    });

    it('reads a partial success from the answer', async () => {
      sink.partialSuccess = { rejectedLogRecords: 3, errorMessage: '3 records too old' };
      assert.deepEqual(await transport(options(sink)).send(request(7)), { kind: 'success', rejectedLogRecords: 3, errorMessage: '3 records too old' });
    });

    it('compresses with gzip on the wire when told to, and only then', async () => {
      await transport(options(sink, { compression: 'gzip' })).send(request(30, 'z'));
      await transport(options(sink, { compression: 'none' })).send(request(30, 'n'));
      assert.deepEqual(sink.streams.map((s) => s.encoding), ['gzip', '']);
      assert.equal(sink.records.length, 60, 'both decoded');
      assert.deepEqual(sink.records.slice(0, 30), decode(request(30, 'z'), true));
    });

    it('gives up a call at its deadline, as retryable, and the late server does not block the next call', async () => {
      sink.delayMs = 1_000;
      const t = transport(options(sink, { timeoutMs: 150 }));
      const late = await t.send(request(2, 'late'));
      assert.equal(late.kind, 'retryable');
      assert.match(late.kind === 'retryable' ? late.message : '', /: DEADLINE_EXCEEDED: /);
      sink.delayMs = 0;
      assert.equal((await t.send(request(2, 'next'))).kind, 'success');
    });

    it('takes a backend that is not listening as retryable (an outage), naming the target', async () => {
      const gone = await OtlpGrpcSink.start();
      const endpoint = gone.endpoint;
      await gone.close();
      const outcome = await transport(options(gone, { endpoint })).send(request(1));
      assert.equal(outcome.kind, 'retryable', JSON.stringify(outcome));
      assert.match(outcome.kind === 'retryable' ? outcome.message : '', new RegExp(`^http://${endpoint}: cannot connect: .*ECONNREFUSED`));
      assert.ok(!(outcome as { message: string }).message.includes('\n'));
    });

    it('reaches a backend that comes back after an outage on the same channel, the records intact', async () => {
      const first = await OtlpGrpcSink.start();
      const endpoint = first.endpoint;
      const t = transport(options(first, { endpoint }));
      assert.equal((await t.send(request(2, 'before'))).kind, 'success');
      await first.close();
      const body = request(5, 'after');
      assert.equal((await t.send(body)).kind, 'retryable', 'down');
      const back = await OtlpGrpcSink.start({ port: Number(endpoint.split(':')[1]) });
      try {
        // The exporter retries on its own schedule; the channel must not keep it waiting for
        // grpc-js's reconnect backoff (up to 120 s by default, 5 s here).
        let outcome: GrpcSendOutcome | undefined;
        for (let attempt = 0; attempt < 40 && outcome?.kind !== 'success'; attempt++) {
          if (attempt > 0) await new Promise((r) => setTimeout(r, 250));
          outcome = await t.send(body);
        }
        assert.equal(outcome?.kind, 'success', JSON.stringify(outcome));
        assert.deepEqual(back.records, decode(body, true));
      } finally {
        await back.close();
      }
    });

    it('retries a stream reset or a connection going away mid-call (INTERNAL from grpc-js, no record\'s fault)', async () => {
      const t = transport(options(sink));
      for (const how of ['rst', 'goaway'] as const) {
        sink.reset();
        sink.breakStreams(2, how);
        const body = request(6, how);
        const outcomes: GrpcSendOutcome[] = [];
        for (let attempt = 0; attempt < 10 && outcomes.at(-1)?.kind !== 'success'; attempt++) outcomes.push(await t.send(body));
        assert.deepEqual(outcomes.map((o) => o.kind), ['retryable', 'retryable', 'success'], `${how}: ${JSON.stringify(outcomes)}`);
        assert.deepEqual(sink.records, decode(body, true), how);
      }
    });

    it('tells a port that is not HTTP/2 (an OTLP/HTTP one) as a setting to fix', async () => {
      const h1 = http.createServer((_req, res) => { res.statusCode = 404; res.end(); });
      await new Promise<void>((r) => h1.listen(0, '127.0.0.1', r));
      try {
        const endpoint = `127.0.0.1:${(h1.address() as AddressInfo).port}`;
        const outcome = await transport(options(sink, { endpoint })).send(request(1));
        assert.deepEqual(outcome, { kind: 'endpoint', status: status.UNAVAILABLE, retryAfterMs: undefined,
          message: `http://${endpoint}: cannot connect: the server does not speak HTTP/2 (an HTTP/1.1 port, such as OTLP/HTTP's 4318?)` });
      } finally {
        h1.closeAllConnections();
        await new Promise((r) => h1.close(r));
      }
    });

    it('sends a pre-gzipped body (an otlphttp queue batch) unzipped; refuses OTLP/JSON for good, without a call', async () => {
      const t = transport(options(sink));
      const body = request(3, 'gz');
      assert.equal((await t.send({ body: zlib.gzipSync(body), encoding: 'proto', compression: 'gzip' })).kind, 'success');
      assert.deepEqual(sink.records, decode(body, true));
      const calls = sink.requests.length;
      const json = await t.send({ body: Buffer.from('{}'), encoding: 'json', compression: 'none' });
      assert.equal(json.kind, 'permanent');
      assert.equal(json.kind === 'permanent' && json.splittable, false, 'no part of it could go either');
      assert.equal(sink.requests.length, calls);
    });
  });

  describe('over TLS', () => {
    const tls = (extra: Partial<GrpcTransportOptions['tls']>) => ({ insecure_skip_verify: false, ...extra });
    let c: Certs;
    let otherCa: string;
    let sink: OtlpGrpcSink;
    let mtls: OtlpGrpcSink;
    before(async () => {
      c = certs();
      otherCa = path.join(c.dir, 'other-ca.crt');
      const read = (f: string) => fs.readFileSync(f);
      sink = await OtlpGrpcSink.start({ tls: { cert: read(c.serverCert), key: read(c.serverKey) } });
      mtls = await OtlpGrpcSink.start({ tls: { cert: read(c.serverCert), key: read(c.serverKey), clientCa: read(c.caCert) } });
    });
    after(async () => { await sink.close(); await mtls.close(); });
    beforeEach(() => { sink.reset(); mtls.reset(); });

    it('delivers with the private CA, gzip included', async () => {
      const t = transport(options(sink, { insecure: false, compression: 'gzip', tls: tls({ ca_file: c.caCert }) }));
      assert.equal(t.target, `https://${sink.endpoint}`);
      assert.equal((await t.send(request(5, 't'))).kind, 'success');
      assert.deepEqual(sink.streams.map((s) => s.encoding), ['gzip']);
      assert.equal(sink.records.length, 5);
    });

    it('refuses a server signed by another CA in one line, as an endpoint problem; nothing is delivered', async () => {
      for (const ca of [otherCa, undefined]) {
        const outcome = await transport(options(sink, { insecure: false, tls: tls({ ca_file: ca }) })).send(request(2));
        assert.equal(outcome.kind, 'endpoint', `${ca ?? 'system roots'}: ${JSON.stringify(outcome)}`);
        const message = outcome.kind === 'endpoint' ? outcome.message : '';
        assert.match(message, new RegExp(`^https://${sink.endpoint}: cannot connect: unable to verify the first certificate$`));
        assert.ok(!message.includes('\n'), message);
      }
      assert.equal(sink.requests.length, 0);
    });

    it('skips verification only when told to', async () => {
      assert.equal((await transport(options(sink, { insecure: false, tls: tls({ insecure_skip_verify: true }) })).send(request(2))).kind, 'success');
      assert.equal(sink.records.length, 2);
    });

    it('mutual TLS: delivers with the client certificate, is refused without one', async () => {
      const ok = await transport(options(mtls, { insecure: false, tls: tls({ ca_file: c.caCert, cert_file: c.clientCert, key_file: c.clientKey }) })).send(request(4, 'm'));
      assert.equal(ok.kind, 'success');
      for (const client of [{}, { cert_file: c.otherCert, key_file: c.otherKey }]) {
        const refused = await transport(options(mtls, { insecure: false, tls: tls({ ca_file: c.caCert, ...client }) })).send(request(2, 'anon'));
        assert.notEqual(refused.kind, 'success');
        assert.notEqual(refused.kind, 'permanent', 'a missing client certificate is no record\'s fault');
        assert.ok(!(refused as { message: string }).message.includes('\n'));
      }
      assert.deepEqual(uids(mtls), ['m-0', 'm-1', 'm-2', 'm-3']);
    });

    it('names a setting it cannot use, with its config path, at construction', () => {
      const base = options(sink, { insecure: false });
      assert.throws(() => new GrpcTransport({ ...base, tls: tls({ ca_file: '/nonexistent/ca.pem' }) }),
        { message: 'exporters.otlp.tls.ca_file: cannot read /nonexistent/ca.pem: ENOENT' });
      assert.throws(() => new GrpcTransport({ ...base, tls: tls({ cert_file: c.clientCert }) }),
        { message: 'exporters.otlp.tls.key_file: required when tls.cert_file is set' });
      assert.throws(() => new GrpcTransport({ ...base, headers: { 'bad header': 'x' } }), /^Error: exporters\.otlp\.headers\.bad header: /);
      assert.throws(() => new GrpcTransport({ ...base, endpoint: 'http://collector:4317/v1/logs' }),
        { message: 'exporters.otlp.endpoint: expected host:port (e.g. collector:4317), got "http://collector:4317/v1/logs"' });
      assert.throws(() => new GrpcTransport({ ...base, insecure: true, tls: tls({ ca_file: c.caCert }) }),
        { message: 'exporters.otlp.tls.ca_file: set, but the connection is plaintext (insecure: true or an http:// endpoint)' });
      assert.throws(() => new GrpcTransport({ ...base, endpoint: `http://${sink.endpoint}`, tls: tls({ cert_file: c.clientCert, key_file: c.clientKey }) }),
        { message: 'exporters.otlp.tls.cert_file: set, but the connection is plaintext (insecure: true or an http:// endpoint)' });
      assert.throws(() => new GrpcTransport({ ...base, endpoint: 'https://collector:4317', insecure: true }),
        { message: 'exporters.otlp.endpoint: an https:// endpoint contradicts insecure: true' });
    });
  });

  it('reads endpoints as the Collector and the OTLP exporter spec do', () => {
    const p = (e: string, insecure = false) => parseGrpcEndpoint(e, insecure, 'x');
    assert.deepEqual(p('collector'), { address: `collector:${DEFAULT_GRPC_PORT}`, secure: true });
    assert.deepEqual(p('collector:4000', true), { address: 'collector:4000', secure: false });
    assert.deepEqual(p('[::1]:4317'), { address: '[::1]:4317', secure: true });
    assert.deepEqual(p('http://collector:4317'), { address: 'collector:4317', secure: false });
    assert.deepEqual(p('https://collector/'), { address: `collector:${DEFAULT_GRPC_PORT}`, secure: true });
    for (const bad of ['', 'collector:99999', 'collector:43a', 'a b:1']) assert.throws(() => p(bad), /^Error: x: expected host:port/);
  });
});
