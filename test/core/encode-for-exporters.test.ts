/**
 * A main-thread pipeline whose exporters all have encoders encodes for them after its processors
 * and drops the records' objects (core/pipeline/encode-for-exporters.ts): what reaches the backends
 * must be what whole records give, also when an exporter's batch mixes records of both kinds.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ProtoRecordEncoder } from '../../core/otlp/export/encoding';
import { EncodeForExporters } from '../../core/pipeline/encode-for-exporters';
import { decodeRecords } from '../../core/decode';
import { newRecord, type LogRecord } from '../../core/record';
import { linesOf, published } from '../exporters/panther/helpers';
import { decode, OtlpSink, type DecodedLogRecord } from '../support/otlp-sink';
import { startService, tmpDir } from '../support/service';

const SAMPLES = path.resolve('test/fixtures/panther/teleport-samples.jsonl');
const RESOURCE = { attributes: { 'service.name': 'teleport' }, scopeName: 'teleport-otel', scopeVersion: '0.1.0' };

/** Sink records without what differs from run to run (the read time), in a stable order. */
function comparable(records: DecodedLogRecord[]): string[] {
  return records.map((r) => JSON.stringify({ ...r, observedTimeUnixNano: '', resourceLogs: 0 })).sort();
}

/** Panther lines without their per-run fields. */
function pantherLines(dir: string): string[] {
  return published(dir).flatMap((f) => linesOf(path.join(dir, f)))
    .map((l) => l.replace(/"p_row_id":"[0-9a-f]+"/, '"p_row_id":""').replace(/"p_parse_time":"[^"]+"/, '"p_parse_time":""'))
    .sort();
}

/**
 * filelog → schema, indicators, ecs → otlphttp + panther over the samples; with `whole`, a third
 * exporter without an encoder keeps every record whole (what the exporters got before).
 */
async function run(sink: OtlpSink, whole: boolean): Promise<{ otlp: string[]; panther: string[]; dead: string[] }> {
  const dir = tmpDir();
  sink.reset();
  const service = await startService(`
receivers:
  filelog: {include: [${JSON.stringify(SAMPLES)}], start_at: beginning, storage: ${JSON.stringify(path.join(dir, 'checkpoints'))}, max_batch_size: 50}
processors: {schema: {}, indicators: {}, ecs: {}}
exporters:
  otlphttp: {endpoint: ${JSON.stringify(sink.url)}, max_batch_size: 64}
  panther: {directory: ${JSON.stringify(path.join(dir, 'out'))}}
  testexporter: {fsync: false}
  file/dead: {path: ${JSON.stringify(path.join(dir, 'dead.jsonl'))}}
service:
  pipelines:
    logs: {receivers: [filelog], processors: [schema, indicators, ecs], exporters: [otlphttp, panther${whole ? ', testexporter' : ''}], dead_letter: [file/dead]}
`);
  await service.drained();
  await service.shutdown(5000);
  const dead = fs.readFileSync(path.join(dir, 'dead.jsonl'), 'utf8').split('\n').filter((l) => l !== '')
    .map((l) => JSON.stringify((JSON.parse(l) as { resourceLogs: { scopeLogs: { logRecords: { attributes: unknown }[] }[] }[] })
      .resourceLogs[0].scopeLogs[0].logRecords.map((r) => r.attributes))).sort();
  return { otlp: comparable(sink.records), panther: pantherLines(path.join(dir, 'out')), dead };
}

describe('encoding for the exporters in the pipeline', () => {
  let sink: OtlpSink;
  before(async () => { sink = await OtlpSink.start(); });
  after(async () => { await sink.close(); });

  it('sends and writes exactly what whole records give, and dead-letters the same records', async () => {
    const encodedHere = await run(sink, false);
    const whole = await run(sink, true);
    assert.ok(encodedHere.otlp.length > 100 && encodedHere.panther.length > 100, `the samples went through: ${encodedHere.otlp.length}, ${encodedHere.panther.length}`);
    assert.ok(encodedHere.dead.length > 0, 'some samples are refused by schema');
    assert.deepEqual(encodedHere.otlp, whole.otlp);
    assert.deepEqual(encodedHere.panther, whole.panther);
    assert.deepEqual(encodedHere.dead, whole.dead);
  });

  it('an exporter shared by two pipelines sends batches that mix encoded and whole records, each as whole records give it', async () => {
    const dir = tmpDir();
    const lines = fs.readFileSync(SAMPLES, 'utf8').split('\n').filter((l) => l.startsWith('{'));
    const half = Math.floor(lines.length / 2);
    fs.writeFileSync(path.join(dir, 'a.log'), lines.slice(0, half).join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'b.log'), lines.slice(half).join('\n') + '\n');
    const inA = new Set(lines.slice(0, half));
    const twoPipelines = async (aWhole: boolean) => {
      sink.reset();
      const run = tmpDir();
      const service = await startService(`
receivers:
  filelog/a: {include: [${JSON.stringify(path.join(dir, 'a.log'))}], start_at: beginning, storage: ${JSON.stringify(path.join(run, 'ca'))}, max_batch_size: 7}
  filelog/b: {include: [${JSON.stringify(path.join(dir, 'b.log'))}], start_at: beginning, storage: ${JSON.stringify(path.join(run, 'cb'))}, max_batch_size: 7}
processors: {ecs: {}}
exporters:
  otlphttp: {endpoint: ${JSON.stringify(sink.url)}, flush_interval: 50ms, max_batch_size: 500}
  testexporter: {fsync: false}
service:
  pipelines:
    logs/a: {receivers: [filelog/a], processors: [ecs], exporters: [otlphttp${aWhole ? ', testexporter' : ''}]}
    logs/b: {receivers: [filelog/b], processors: [ecs], exporters: [otlphttp, testexporter]}
`);
      await service.drained();
      await service.shutdown(5000);
      const mixed = sink.bodies.some((body) => {
        const bodies = decode(body, true).map((r) => r.body as string);
        return bodies.some((b) => inA.has(b)) && bodies.some((b) => !inA.has(b));
      });
      return { records: comparable(sink.records), mixed };
    };
    const mixedRun = await twoPipelines(false);
    const wholeRun = await twoPipelines(true);
    assert.equal(mixedRun.records.length, lines.length);
    assert.ok(mixedRun.mixed, 'a request carried records of both pipelines');
    assert.deepEqual(mixedRun.records, wholeRun.records);
  });

  it('drops the objects of encoded records, leaves a refused record whole, and reuses its buffers once released', () => {
    const refusing = { encode: (records: readonly LogRecord[]) => ({ bytes: new Uint8Array(records.length), ends: Int32Array.from(records, (_, i) => i + 1), keys: records.map(() => ''), failures: [{ index: 1, reason: 'no' }] }) };
    const here = new EncodeForExporters([{ id: 'otlphttp', encoder: new ProtoRecordEncoder(RESOURCE) }, { id: 'picky', encoder: refusing }]);
    const batch = () => decodeRecords(['{"event":"a","time":"2024-01-01T00:00:00Z"}', '{"event":"b"}', '{"event":"c"}']
      .map((l, i) => newRecord(l, { source: 't', line: i + 1 }, 1n))).records;
    const records = batch();
    records.forEach((r) => { r.attributes = { 'event.action': r.event!.event as string }; });
    const release = here.encode(records);
    assert.equal(records[0].event, undefined);
    assert.deepEqual(records[0].attributes, {});
    assert.ok(records[0].encoded?.otlphttp && records[0].encoded.picky);
    assert.deepEqual(records[1].event, { event: 'b' }, 'refused by one encoder: left whole for every exporter');
    assert.equal(records[1].encoded, undefined);
    const buffer = records[0].encoded!.otlphttp.bytes.buffer;
    release();
    const next = batch();
    here.encode(next);
    assert.equal(next[0].encoded!.otlphttp.bytes.buffer, buffer, 'the released buffer is written again');
  });
});
