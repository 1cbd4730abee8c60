/**
 * core/otlp/proto.ts against the OpenTelemetry SDK's own ProtobufLogsSerializer on the same
 * records: both decoded with protobufjs (the test sink's decoder) must be equal. Plus the values
 * the SDK cannot write (int64 bigints) and the small parsers of the exporter.
 */
import assert from 'node:assert/strict';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import zlib from 'node:zlib';
import { OtlpProtoEncoder } from '../../../core/otlp/proto';
import { BatchEncoder } from '../../../core/otlp/export/encoding';
import { newRecord, type Attributes, type LogRecord } from '../../../core/record';
import { parseShape } from '../../../core/config/schema';
import { otlphttpExporterFactory } from '../../../exporters/otlphttp/factory';
import { logsUrl } from '../../../exporters/otlphttp/config';
import { parseRetryAfter } from '../../../exporters/otlphttp/transport';
import { decode } from '../../support/otlp-sink';
import { parsedSamples } from './helpers';
import { SdkRecordBuilder } from './sdk-oracle';

const RESOURCE = { attributes: { 'service.name': 'teleport', 'deployment.environment': 'prod' }, scopeName: 'teleport-otel', scopeVersion: '0.1.0' };

function record(raw: string, attributes: Attributes = {}, observed = 1718000000123456789n): LogRecord {
  const r = newRecord(raw, { source: 'test', line: 1 }, observed);
  r.event = JSON.parse(raw) as Record<string, unknown>;
  r.attributes = attributes;
  return r;
}

describe('otlphttp encoding', () => {
  it('encodes exactly what the SDK serializer encodes, record for record', () => {
    const attributes: Attributes = {
      'event.kind': 'event',
      'event.category': ['authentication', 'iam'],
      'client.port': 51234,
      'process.exit_code': -1,
      'teleport.audit.ei': 2147483647,
      'teleport.audit.ratio': 0.25,
      'event.success': false,
      'user.full_name': 'Zoë 🚀 Ünïcödé',
      'teleport.audit.nested': { a: 'b', n: [1, 'two', { deep: true }], empty: [] },
      'teleport.audit.long': 'x'.repeat(70_000),
    };
    const records = [
      ...parsedSamples().slice(0, 150).map((s, i) => record(s.raw, i % 3 === 0 ? attributes : { 'event.kind': 'event' }, 1718000000123456789n + BigInt(i))),
      record('{"event":"x","code":"TX01S","time":"2024-01-01T00:00:00.5Z","cluster_name":"ünïcödé"}'),
      record('{"event":"","code":"","uid":""}'),
    ];
    const ours = decode(new OtlpProtoEncoder(RESOURCE).encode(records), true);
    const sdk = decode(Buffer.from(ProtobufLogsSerializer.serializeRequest(new SdkRecordBuilder(RESOURCE).build(records))!), true);
    assert.equal(ours.length, records.length);
    // Both group by resource; compare as sets of records in request order within each resource.
    const key = (r: { resource: unknown; body: unknown; observedTimeUnixNano: string }) => `${JSON.stringify(r.resource)}|${r.observedTimeUnixNano}|${String(r.body)}`;
    const strip = <T extends { resourceLogs: number }>(r: T) => ({ ...r, resourceLogs: 0 });
    assert.deepEqual(ours.map(strip).sort((a, b) => key(a).localeCompare(key(b))), sdk.map(strip).sort((a, b) => key(a).localeCompare(key(b))));
  });

  it('keeps 64-bit integers exact, and bigints beyond int64 as decimal strings', () => {
    const r = record('{"event":"x"}', { big: 2n ** 62n + 1n, neg: -(2n ** 63n), huge: 2n ** 70n, safe: 9007199254740991 });
    const [out] = decode(new OtlpProtoEncoder(RESOURCE).encode([r]), true);
    assert.equal(out.attributes.big, 2n ** 62n + 1n);
    assert.equal(out.attributes.neg, -(2n ** 63n));
    assert.equal(out.attributes.huge, (2n ** 70n).toString());
    assert.equal(out.attributes.safe, 9007199254740991);
    assert.equal(out.timeUnixNano, '0');
  });

  it('compresses concurrent requests each from its own bytes, never from the encoder\'s reused scratch space', async () => {
    const encoder = new BatchEncoder(RESOURCE, 'proto', 'gzip', 1, 'otlphttp');
    const samples = parsedSamples();
    const batch = (tag: string) => Array.from({ length: 2000 }, (_, i) => record(samples[i % samples.length].raw, { tag }));
    const batches = ['a', 'b', 'c'].map(batch);
    // One after the other, no await between: each is encoded while the ones before are being compressed.
    const [a, b, c] = await Promise.all(batches.map((records) => encoder.encode(records)));
    for (const [body, tag] of [[a, 'a'], [b, 'b'], [c, 'c']] as const) {
      const records = decode(Buffer.from(zlib.gunzipSync(body.body)), true);
      assert.equal(records.length, 2000);
      assert.ok(records.every((r) => r.attributes.tag === tag), `request ${tag} holds its own records`);
    }
    const plain = await encoder.encode(batch('plain'));
    assert.equal(decode(Buffer.from(zlib.gunzipSync(plain.body)), true).length, 2000);
    const uncompressed = new BatchEncoder(RESOURCE, 'proto', 'none', 1, 'otlphttp');
    const first = await uncompressed.encode(batch('first'));
    await uncompressed.encode(batch('second'));
    assert.ok(decode(Buffer.from(first.body), true).every((r) => r.attributes.tag === 'first'), 'an uncompressed body is not the scratch space either');
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    assert.equal(parseRetryAfter('7'), 7000);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 10_000);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });

  it('validates its config with every error on its path', () => {
    const errors: string[] = [];
    parseShape(otlphttpExporterFactory.configShape, { endpoint: 'localhost:4318', encoding: 'xml', sending_queue: { max_size: 'lots' } }, 'exporters.otlphttp', errors);
    assert.deepEqual(errors, [
      'exporters.otlphttp.endpoint: must be an http(s) URL',
      'exporters.otlphttp.encoding: must be one of proto, json',
      'exporters.otlphttp.sending_queue.max_size: must be a size such as 64KiB, 1MiB or 500MB',
    ]);
    const config = parseShape(otlphttpExporterFactory.configShape, { tls: { cert_file: '/c.pem' } }, 'exporters.otlphttp', [])!;
    assert.deepEqual(otlphttpExporterFactory.validate!(config), ['endpoint: required (or set logs_endpoint)', 'tls.key_file: required when tls.cert_file is set']);
    assert.equal(logsUrl({ ...config, endpoint: 'http://c:4318/' }), 'http://c:4318/v1/logs');
    assert.equal(logsUrl({ ...config, endpoint: 'http://c:4318', logs_endpoint: 'https://x/otlp/logs' }), 'https://x/otlp/logs');
  });

  it('refuses a malformed headers_list with the entry, never its value', () => {
    const config = parseShape(otlphttpExporterFactory.configShape, { endpoint: 'http://c:4318', headers_list: 'api-key=s3cret,no-equals-sign,x=%zz' }, 'exporters.otlphttp', [])!;
    const errors = otlphttpExporterFactory.validate!(config);
    assert.deepEqual(errors, [
      'headers_list: entry 2 is not name=value with a valid header name',
      'headers_list: entry 3 (x) has a malformed percent-encoding',
    ]);
    assert.ok(!errors.join().includes('s3cret'));
  });
});
