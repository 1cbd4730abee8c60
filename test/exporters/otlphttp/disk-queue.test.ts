/**
 * The on-disk sending queue: batches are acknowledged once fsynced there and delivered in the
 * background; a full queue holds the receiver back; a kill -9 while the backend is down loses
 * nothing (real child process); permanent refusals are kept aside, not dropped.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Service } from '../../../core/pipeline/service';
import { startService, tmpDir } from '../../support/service';
import { OtlpSink } from '../../support/otlp-sink';
import { TestReceiver } from '../../support/test-components';
import { metric, syntheticLines, uidsOf, waitUntil, yamlList } from './helpers';

function pipeline(sink: OtlpSink, storage: string, lines: string[], extra = ''): string {
  return `
receivers:
  testreceiver: {batch_size: 100, concurrency: 2, lines: ${yamlList(lines)}}
exporters:
  otlphttp:
    endpoint: ${sink.url}
    retry_on_failure: {initial_interval: 50ms, max_interval: 200ms}
    sending_queue: {storage: ${JSON.stringify(storage)}${extra}}
service:
  pipelines:
    logs: {receivers: [testreceiver], exporters: [otlphttp]}
`;
}

/** Records in the queue, from the batch file names (`<seq>-<records>.<encoding>[.gz]`). */
function queuedRecords(storage: string): number {
  if (!fs.existsSync(storage)) return 0;
  return fs.readdirSync(storage)
    .map((f) => /^\d{16}-(\d+)\.(proto|json)(\.gz)?$/.exec(f))
    .reduce((n, m) => n + (m ? Number(m[1]) : 0), 0);
}

describe('otlphttp on-disk queue', function () {
  this.timeout(30_000);
  let sink: OtlpSink;
  let service: Service | undefined;
  let dir: string;
  before(async () => { sink = await OtlpSink.start(); });
  after(async () => { await sink.close(); });
  beforeEach(() => { sink.reset(); dir = tmpDir(); });
  afterEach(async () => { await service?.shutdown(2000); service = undefined; });

  it('acknowledges once batches are on disk, and delivers them when the backend comes back', async () => {
    const storage = path.join(dir, 'queue');
    sink.setFault({ status: 503 });
    service = await startService(pipeline(sink, storage, syntheticLines(500, 'q')));
    await service.drained();
    assert.equal(TestReceiver.instances.get('testreceiver')!.checkpoint, 500, 'acknowledged while the backend is down');
    assert.equal(queuedRecords(storage), 500, 'because every record is in the on-disk queue');
    assert.equal(sink.records.length, 0);
    assert.equal(await metric(service, 'teleport_otel_otlphttp_disk_queue_records'), 500, 'the backlog is visible in /metrics');
    assert.ok(await metric(service, 'teleport_otel_otlphttp_disk_queue_bytes') > 0);
    sink.clearFault();
    await sink.waitForRecords(500, 10_000);
    await waitUntil(() => queuedRecords(storage) === 0, 5000, 'the queue to empty');
    assert.equal(new Set(uidsOf(sink)).size, 500);
    assert.equal(sink.records.length, 500, 'none twice');
    assert.equal(await metric(service, 'teleport_otel_otlphttp_queue_sent_records_total'), 500);
    assert.equal(await metric(service, 'teleport_otel_otlphttp_disk_queue_records'), 0);
    assert.equal(await metric(service, 'teleport_otel_otlphttp_disk_queue_bytes'), 0);
  });

  it('holds the receiver back when the queue is full, then drains', async () => {
    const storage = path.join(dir, 'queue');
    sink.setFault({ status: 503 });
    // ~100 records per batch file; the cap fits a few of them.
    service = await startService(pipeline(sink, storage, syntheticLines(3000, 'f'), ', max_size: 12KiB'));
    const receiver = TestReceiver.instances.get('testreceiver')!;
    await new Promise((r) => setTimeout(r, 1500));
    const stuckAt = receiver.checkpoint;
    assert.ok(stuckAt > 0 && stuckAt < 3000, `receiver acknowledged only what fits (${stuckAt})`);
    const bytes = fs.readdirSync(storage).filter((f) => /^\d{16}-/.test(f)).reduce((n, f) => n + fs.statSync(path.join(storage, f)).size, 0);
    assert.ok(bytes <= 12 * 1024, `queue within its cap (${bytes} bytes)`);
    sink.clearFault();
    await service.drained();
    await sink.waitForRecords(3000, 15_000);
    assert.equal(new Set(uidsOf(sink)).size, 3000);
  });

  it('keeps a permanently refused batch under rejected/ with the reason, and goes on', async () => {
    const storage = path.join(dir, 'queue');
    sink.setFault({ status: 400, times: 1, message: 'schema mismatch' });
    service = await startService(pipeline(sink, storage, syntheticLines(300, 'x'), ', num_consumers: 1'));
    await service.drained();
    await sink.waitForRecords(200, 10_000);
    await waitUntil(() => queuedRecords(storage) === 0, 5000, 'the queue to empty');
    const rejected = fs.readdirSync(path.join(storage, 'rejected'));
    const batch = rejected.find((f) => /^\d{16}-100\.proto\.gz$/.test(f));
    assert.ok(batch, `rejected batch kept (${rejected.join(', ')})`);
    assert.match(fs.readFileSync(path.join(storage, 'rejected', `${batch}.reason.txt`), 'utf8'), /answered 400 Bad Request: schema mismatch/);
    assert.equal(await metric(service, 'teleport_otel_otlphttp_queue_rejected_records_total'), 100);
    assert.equal(sink.records.length, 200);
  });

  it('loses nothing when killed -9 while the backend is down: the restart delivers everything', async () => {
    const storage = path.join(dir, 'queue');
    const n = 2000;
    sink.setFault({ status: 503 });
    const first = path.join(dir, 'first.yaml');
    fs.writeFileSync(first, pipeline(sink, storage, syntheticLines(n, 'k')));
    const { child, exited } = runPipeline(first, dir);
    try {
      await waitUntil(() => queuedRecords(storage) === n, 15_000, 'every record to be queued on disk');
      assert.ok(sink.requests.length > 0 && sink.records.length === 0, 'the backend refused everything so far');
    } finally {
      child.kill('SIGKILL');
    }
    assert.equal(await exited, 'SIGKILL');

    sink.clearFault();
    const second = path.join(dir, 'second.yaml');
    fs.writeFileSync(second, pipeline(sink, storage, []));
    const restarted = runPipeline(second, dir);
    try {
      await sink.waitForRecords(n, 15_000);
      await waitUntil(() => queuedRecords(storage) === 0, 5000, 'the queue to empty');
    } finally {
      restarted.child.kill('SIGTERM');
    }
    assert.equal(await restarted.exited, 0);

    assert.deepEqual([...new Set(uidsOf(sink))].sort(), Array.from({ length: n }, (_, i) => `k-${i}`).sort());
    assert.equal(sink.records.length, n, 'none twice');
  });
});

/**
 * The real CLI (with the test registry) in a child process, without --once. `exited` settles with
 * the exit code, or the signal that killed it.
 */
function runPipeline(config: string, dataDir: string): { child: ChildProcess; exited: Promise<number | string> } {
  const entry = path.resolve(__dirname, '../../support/run-pipeline.js');
  const child = spawn(process.execPath, [entry, 'run', '-c', config, '--data-dir', dataDir, '--log-level', 'warn', '--no-progress'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => {
    if (process.env.TEST_LOG) process.stderr.write(`child exit ${code ?? signal}: ${stderr}`);
    resolve(code ?? signal ?? -1);
  }));
  return { child, exited };
}
