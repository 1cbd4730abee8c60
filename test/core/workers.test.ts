import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../core/config/load';
import { UserError } from '../../core/errors';
import { linesOf, published } from '../exporters/panther/helpers';
import { startService, tmpDir } from '../support/service';
import { TestExporter } from '../support/test-exporter';
import { testRegistry } from '../support/test-registry';

const SAMPLES = path.resolve('test/fixtures/panther/teleport-samples.jsonl');

/** Runs `filelog -> schema -> indicators -> panther` over the samples with `workers`; returns lines and dead letters. */
async function pantherRun(workers: number): Promise<{ lines: string[]; deadLetters: string[] }> {
  const dir = tmpDir();
  const dead = path.join(dir, 'dead.jsonl');
  const service = await startService(`
receivers:
  filelog: {include: [${JSON.stringify(SAMPLES)}], start_at: beginning, storage: ${JSON.stringify(path.join(dir, 'checkpoints'))}, max_batch_size: 16}
processors:
  schema: {}
  indicators: {}
exporters:
  panther: {directory: ${JSON.stringify(path.join(dir, 'out'))}}
  file/dead: {path: ${JSON.stringify(dead)}}
service:
  pipelines:
    logs: {receivers: [filelog], processors: [schema, indicators], exporters: [panther], dead_letter: [file/dead], workers: ${workers}}
`);
  await service.drained();
  await service.shutdown(5000);
  const lines = published(path.join(dir, 'out')).flatMap((f) => linesOf(path.join(dir, 'out', f)))
    // Row ids and parse times differ from run to run by design.
    .map((l) => l.replace(/"p_row_id":"[0-9a-f]+"/, '"p_row_id":""').replace(/"p_parse_time":"[^"]+"/, '"p_parse_time":""'));
  const deadLetters = fs.readFileSync(dead, 'utf8').split('\n').filter((l) => l !== '')
    .map((l) => JSON.stringify((JSON.parse(l) as { resourceLogs: { scopeLogs: { logRecords: { attributes: unknown }[] }[] }[] })
      .resourceLogs[0].scopeLogs[0].logRecords.map((r) => r.attributes)));
  return { lines: lines.sort(), deadLetters: deadLetters.sort() };
}

describe('pipelines on worker threads', () => {
  it('write the same Panther files and dead letters as the main thread does', async () => {
    const inline = await pantherRun(0);
    const threaded = await pantherRun(2);
    assert.ok(inline.lines.length > 100 && inline.deadLetters.length > 0, 'the samples give records and dead letters');
    assert.deepEqual(threaded.lines, inline.lines);
    assert.deepEqual(threaded.deadLetters, inline.deadLetters, 'same reasons and positions');
  });

  it('replay processor counters on the main registry', async () => {
    const service = await startService(`
receivers:
  testreceiver: {lines: ['{"event":"made.up.type","code":"X1","time":"2024-01-01T00:00:00Z","uid":"a"}', '{"event":"user.login","code":"T1000I","time":"2024-01-01T00:00:00Z","uid":"b"}'], batch_size: 1}
processors:
  ecs: {}
exporters:
  testexporter: {}
service:
  pipelines:
    logs: {receivers: [testreceiver], processors: [ecs], exporters: [testexporter], workers: 1}
`);
    await service.drained();
    const metrics = await service.telemetry.registry.metrics();
    await service.shutdown(5000);
    assert.match(metrics, /teleport_otel_ecs_unknown_event_types_total\{component="logs\/ecs"\} 1\b/);
    assert.match(metrics, /teleport_otel_accepted_records_total\{kind="processor",component="logs\/ecs"\} 2\b/);
  });

  it('lose nothing when a worker dies: its batch is read again and the worker replaced', async () => {
    const dir = tmpDir();
    const input = path.join(dir, 'in.log');
    const lines = Array.from({ length: 200 }, (_, i) => JSON.stringify({ event: 'user.login', code: 'T1000I', uid: `u${i}`, time: '2024-01-01T00:00:00Z' }));
    fs.writeFileSync(input, lines.join('\n') + '\n');
    const marker = path.join(dir, 'crashed');
    const service = await startService(`
receivers:
  filelog: {include: [${JSON.stringify(input)}], start_at: beginning, storage: ${JSON.stringify(path.join(dir, 'checkpoints'))}, max_batch_size: 10}
processors:
  testprocessor: {exit_thread_marker: ${JSON.stringify(marker)}}
exporters:
  testexporter/out: {}
service:
  pipelines:
    logs: {receivers: [filelog], processors: [testprocessor], exporters: [testexporter/out], workers: 2}
`);
    await service.drained();
    await service.shutdown(5000);
    assert.ok(fs.existsSync(marker), 'a worker did crash');
    const got = TestExporter.instances.get('testexporter/out')!.accepted;
    assert.deepEqual([...new Set(got)].sort(), [...lines].sort(), 'every line delivered');
  });

  it('refuse a bad worker count with its config path', () => {
    const yaml = `
receivers: {testreceiver: {}}
exporters: {testexporter: {}}
service: {pipelines: {logs: {receivers: [testreceiver], exporters: [testexporter], workers: -1}}}
`;
    assert.throws(() => parseConfig(yaml, 'p.yaml', testRegistry, {}), (err: unknown) =>
      err instanceof UserError && err.lines.some((l) => l.includes('service.pipelines.logs.workers: must be an integer from 0 to 64, got -1')));
  });
});
