/**
 * The bundled sample logs through `<receiver> → schema → indicators → ecs → otlphttp` (the
 * processors that are registered) into the test sink, for both encodings, with and without gzip.
 * What the sink decodes must match the mapping, derived here from each raw line, and carry the
 * same attributes the processors produced (cross-checked against the file exporter's OTLP/JSON of
 * the same pipeline).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { startService, tmpDir } from '../../support/service';
import { OtlpSink, type DecodedLogRecord } from '../../support/otlp-sink';
import { availableProcessors, parsedSamples, readOtlpJsonLines, receiverYaml, registered, sampleFiles, sampleLines, yamlList } from './helpers';

/** Event time → unix nanos, computed independently of core/time.ts. */
function expectedNanos(time: unknown): string {
  if (typeof time !== 'string') return '0';
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) return '0';
  const ms = Date.parse(`${m[1]}${m[3]}`);
  // Before 1970 (Teleport's 0001-01-01 "never") OTLP's unsigned nanoseconds cannot hold it: 0 = unknown.
  if (Number.isNaN(ms) || ms < 0) return '0';
  return (BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'))).toString();
}

const SEVERITY: Record<string, [number, string]> = { I: [9, 'INFO'], W: [13, 'WARN'], E: [17, 'ERROR'] };

function expectedSeverity(code: unknown): [number, string] {
  if (typeof code !== 'string' || code === '') return [0, ''];
  return SEVERITY[code[code.length - 1]] ?? [0, code[code.length - 1]];
}

const normalize = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)));

describe('otlphttp round trip', function () {
  this.timeout(60_000);
  let sink: OtlpSink;
  before(async () => { sink = await OtlpSink.start(); });
  after(async () => { await sink.close(); });

  // With workers, proto records are encoded on the worker threads; JSON ones (and the file copy) come back whole.
  const combos = [['proto', 'gzip', 0], ['proto', 'none', 0], ['json', 'gzip', 0], ['json', 'none', 0], ['proto', 'gzip', 2], ['json', 'none', 2]] as const;
  for (const [encoding, compression, workers] of combos) {
    it(`delivers every sample event mapped as documented (${encoding}, ${compression}${workers > 0 ? `, ${workers} workers` : ''})`, async () => {
      sink.records.length = 0;
      sink.requests.length = 0;
      const dir = tmpDir();
      const otlpJson = path.join(dir, 'copy.otlp.jsonl');
      const deadLetter = path.join(dir, 'dead-letter.jsonl');
      const receiver = receiverYaml(sampleFiles(), sampleLines);
      const processors = availableProcessors();
      const yaml = `
receivers:
${receiver.yaml}
processors: {${processors.map((p) => `${p}: {}`).join(', ')}}
exporters:
  otlphttp:
    endpoint: ${sink.url}
    encoding: ${encoding}
    compression: ${compression}
    max_batch_size: 64
    resource: {service.name: teleport-audit, deployment.environment: test}
  file/copy: {path: ${JSON.stringify(otlpJson)}}
  file/dead-letter: {path: ${JSON.stringify(deadLetter)}, append: true}
service:
  pipelines:
    logs:
      receivers: [${receiver.id}]
      processors: ${yamlList(processors)}
      exporters: [otlphttp, file/copy]
      dead_letter: [file/dead-letter]
      workers: ${workers}
`;
      const startedAt = BigInt(Date.now()) * 1_000_000n;
      const service = await startService(yaml, { once: true, dataDir: dir });
      await service.drained();
      await service.shutdown(5000);
      const endedAt = BigInt(Date.now()) * 1_000_000n;

      // Every request in the expected wire format.
      assert.ok(sink.requests.length > 1, 'several requests (max_batch_size 64)');
      for (const r of sink.requests) {
        assert.equal(r.status, 200);
        assert.equal(r.contentType, encoding === 'proto' ? 'application/x-protobuf' : 'application/json');
        assert.equal(r.contentEncoding, compression === 'gzip' ? 'gzip' : '');
        assert.ok(r.records <= 64);
      }

      // Exactly the records the pipeline exported, no more, no fewer.
      const copies = readOtlpJsonLines(otlpJson);
      const samples = parsedSamples();
      assert.ok(copies.length >= samples.length * 0.8, `most samples pass the processors (${copies.length} of ${samples.length})`);
      assert.deepEqual(sink.records.map((r) => r.body).sort(), copies.map((c) => c.body).sort());
      const deadLettered = readOtlpJsonLines(deadLetter).length;
      assert.equal(copies.length + deadLettered, sampleLines().length, 'every line is exported or dead-lettered');

      const byBody = new Map<string, DecodedLogRecord>();
      for (const r of sink.records) byBody.set(r.body as string, r);
      const events = new Map(samples.map((s) => [s.raw, s.event]));
      for (const copy of copies) {
        const r = byBody.get(copy.body)!;
        const event = events.get(copy.body)!;
        assert.ok(event, 'body is the raw line, byte for byte');
        const where = `record ${String(event.uid ?? event.event)}`;
        assert.equal(r.timeUnixNano, expectedNanos(event.time), `${where}: timeUnixNano`);
        const observed = BigInt(r.observedTimeUnixNano);
        assert.ok(observed >= startedAt - 1_000_000n && observed <= endedAt, `${where}: observedTimeUnixNano is when it was read`);
        const [number, text] = expectedSeverity(event.code);
        assert.equal(r.severityNumber, number, `${where}: severityNumber`);
        assert.equal(r.severityText, text, `${where}: severityText`);
        assert.equal(r.eventName, typeof event.event === 'string' ? event.event : '', `${where}: eventName`);
        if (typeof event.uid === 'string' && event.uid !== '') assert.equal(r.attributes['log.record.uid'], event.uid, `${where}: log.record.uid`);
        else assert.match(String(r.attributes['log.record.uid']), /^[0-9a-f]{32}$/, `${where}: log.record.uid from its position`);
        assert.equal(r.resource['service.name'], 'teleport-audit');
        assert.equal(r.resource['deployment.environment'], 'test');
        const cluster = typeof event.cluster_name === 'string' && event.cluster_name !== '' ? event.cluster_name : undefined;
        assert.equal(r.resource['teleport.cluster.name'], cluster, `${where}: teleport.cluster.name`);
        assert.equal(r.scope.name, 'teleport-otel');
        // The processors' attributes arrive unchanged (ints may travel as int or string; compare as
        // JSON). The uid is left out: a sample that occurs twice has one body but two positions.
        const { 'log.record.uid': _sent, ...sent } = r.attributes;
        const { 'log.record.uid': _copied, ...copied } = copy.attributes;
        assert.deepEqual(normalize(sent), normalize(copied), `${where}: attributes`);
      }

      if (registered('indicators')) {
        assert.ok(sink.records.some((r) => Object.keys(r.attributes).some((k) => k.startsWith('p_any_'))), 'indicators reach the backend');
      }
      if (registered('ecs')) {
        assert.ok(sink.records.every((r) => r.attributes['event.kind'] !== undefined), 'ECS fields reach the backend');
      }
      // Records of one resource share one ResourceLogs per request.
      for (const r of sink.requests) assert.equal(new Set(r.resources).size, r.resources.length, 'one ResourceLogs per resource');
      assert.ok(sink.requests.some((r) => r.resources.length > 1), 'the samples span several clusters');
    });
  }
});
