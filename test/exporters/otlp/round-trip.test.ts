/**
 * The bundled sample logs through `<receiver> → processors → otlp` (gRPC) into the grpc-js test
 * sink, which decodes each request with the official OTLP protos: every exported record arrives,
 * decoded, with the attributes the processors produced (cross-checked against the file exporter's
 * OTLP/JSON copy of the same pipeline); gzip is on the wire when asked for; TLS with a CA file.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startService, tmpDir } from '../../support/service';
import { OtlpGrpcSink } from '../../support/otlp-grpc-sink';
import { certs } from '../../receivers/http/helpers';
import { availableProcessors, parsedSamples, readOtlpJsonLines, receiverYaml, sampleFiles, sampleLines, yamlList } from '../otlphttp/helpers';

const normalize = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)));

async function roundTrip(sink: OtlpGrpcSink, exporterYaml: string, workers = 0): Promise<{ copies: ReturnType<typeof readOtlpJsonLines>; deadLettered: number }> {
  const dir = tmpDir();
  const copy = path.join(dir, 'copy.otlp.jsonl');
  const deadLetter = path.join(dir, 'dead-letter.jsonl');
  const receiver = receiverYaml(sampleFiles(), sampleLines);
  const processors = availableProcessors();
  const service = await startService(`
receivers:
${receiver.yaml}
processors: {${processors.map((p) => `${p}: {}`).join(', ')}}
exporters:
  otlp:
${exporterYaml.replace(/^/gm, '    ')}
    max_batch_size: 64
    resource: {service.name: teleport-audit}
  file/copy: {path: ${JSON.stringify(copy)}}
  file/dead-letter: {path: ${JSON.stringify(deadLetter)}, append: true}
service:
  pipelines:
    logs:
      receivers: [${receiver.id}]
      processors: ${yamlList(processors)}
      exporters: [otlp, file/copy]
      dead_letter: [file/dead-letter]
      workers: ${workers}
`, { once: true, dataDir: dir });
  await service.drained();
  await service.shutdown(5000);
  return { copies: readOtlpJsonLines(copy), deadLettered: readOtlpJsonLines(deadLetter).length };
}

function assertSameRecords(sink: OtlpGrpcSink, copies: ReturnType<typeof readOtlpJsonLines>): void {
  assert.ok(copies.length >= parsedSamples().length * 0.8, `most samples pass the processors (${copies.length})`);
  assert.deepEqual(sink.records.map((r) => r.body).sort(), copies.map((c) => c.body).sort(), 'every exported record arrived once, body byte for byte');
  const byBody = new Map(sink.records.map((r) => [r.body as string, r]));
  for (const c of copies) {
    const r = byBody.get(c.body)!;
    const { 'log.record.uid': _a, ...sent } = r.attributes;
    const { 'log.record.uid': _b, ...copied } = c.attributes;
    assert.deepEqual(normalize(sent), normalize(copied), `attributes of ${c.body.slice(0, 80)}`);
    assert.equal(r.resource['service.name'], 'teleport-audit');
    assert.equal(r.scope.name, 'teleport-otel');
  }
}

describe('otlp (gRPC) round trip', function () {
  this.timeout(60_000);
  let sink: OtlpGrpcSink;
  before(async () => { sink = await OtlpGrpcSink.start(); });
  after(async () => { await sink.close(); });
  beforeEach(() => sink.reset());

  for (const [compression, workers] of [['gzip', 0], ['none', 0], ['gzip', 2]] as const) {
    it(`delivers every sample event, decoded with the official protos (${compression}${workers ? `, ${workers} workers` : ''})`, async () => {
      const { copies, deadLettered } = await roundTrip(sink, `endpoint: ${sink.endpoint}\ntls: {insecure: true}\ncompression: ${compression}`, workers);
      assert.equal(copies.length + deadLettered, sampleLines().length, 'every line is exported or dead-lettered');
      assertSameRecords(sink, copies);
      assert.ok(sink.requests.length > 1, 'several calls (max_batch_size 64)');
      assert.ok(sink.requests.every((r) => r.code === 0 && r.records <= 64));
      // What the HTTP/2 layer saw: the Export method, and gzip only when asked for.
      assert.ok(sink.streams.length >= sink.requests.length);
      assert.ok(sink.streams.every((s) => s.path === '/opentelemetry.proto.collector.logs.v1.LogsService/Export'));
      assert.deepEqual([...new Set(sink.streams.map((s) => s.encoding))], [compression === 'gzip' ? 'gzip' : '']);
      assert.ok(sink.streams.every((s) => s.userAgent.startsWith('teleport-otel/')));
    });
  }

  it('over TLS, trusting the server through tls.ca_file, with headers as metadata', async () => {
    const c = certs();
    const read = (f: string) => fs.readFileSync(f);
    const tlsSink = await OtlpGrpcSink.start({ tls: { cert: read(c.serverCert), key: read(c.serverKey) } });
    try {
      tlsSink.requireHeader = { name: 'authorization', value: 'Bearer t0ken' };
      const { copies } = await roundTrip(tlsSink, `endpoint: ${tlsSink.endpoint}\ntls: {ca_file: ${JSON.stringify(c.caCert)}}\nheaders: {Authorization: Bearer t0ken}`);
      assertSameRecords(tlsSink, copies);
      assert.ok(tlsSink.requests.every((r) => r.code === 0));
    } finally {
      await tlsSink.close();
    }
  });
});
