/**
 * The acknowledgement contract, end to end through the real Service: a receiver's checkpoint moves
 * only after every exporter durably accepted, retryable failures are retried, permanent ones
 * dead-letter only the bad records, and a shutdown during retries acknowledges nothing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestExporter } from '../support/test-exporter';
import { TestReceiver } from '../support/test-components';
import { delay, startService, tmpDir } from '../support/service';

const lines = (n: number, tag = '') => Array.from({ length: n }, (_, i) => JSON.stringify({ event: 'session.start', code: 'T2000I', n: i, tag }));

function config(opts: { lines: string[]; exporter?: string; deadLetter?: string; processors?: string; batch?: number; concurrency?: number }) {
  return `
receivers:
  testreceiver/in:
    lines: ${JSON.stringify(opts.lines)}
    batch_size: ${opts.batch ?? 2}
    concurrency: ${opts.concurrency ?? 1}
processors:
  testprocessor: ${opts.processors ?? '{}'}
exporters:
  testexporter/out: ${opts.exporter ?? '{}'}
  testexporter/dlq: ${opts.deadLetter ?? '{}'}
service:
  pipelines:
    logs:
      receivers: [testreceiver/in]
      processors: [testprocessor]
      exporters: [testexporter/out]
      dead_letter: [testexporter/dlq]
`;
}

describe('acknowledgement contract', () => {
  it('moves no checkpoint before the exporter accepted the batch', async () => {
    const service = await startService(config({ lines: lines(4), exporter: '{delay: 300ms}' }));
    const receiver = TestReceiver.instances.get('testreceiver/in')!;
    const exporter = TestExporter.instances.get('testexporter/out')!;
    await delay(150);
    assert.equal(exporter.accepted.length, 0, 'exporter still busy with the first batch');
    assert.equal(receiver.checkpoint, 0, 'checkpoint must not move while the export is in flight');
    await service.drained();
    assert.equal(receiver.checkpoint, 4);
    assert.equal(exporter.accepted.length, 4);
    await service.shutdown(1000);
  });

  it('retries a retryable failure until accepted, without duplicates', async () => {
    const service = await startService(config({ lines: lines(3), exporter: '{fail_first: 3}' }));
    await service.drained();
    const exporter = TestExporter.instances.get('testexporter/out')!;
    assert.equal(exporter.calls, 3 + 2, 'three refused calls, then the two batches');
    assert.deepEqual(exporter.accepted, lines(3));
    assert.equal(TestReceiver.instances.get('testreceiver/in')!.checkpoint, 3);
    await service.shutdown(1000);
  });

  it('dead-letters only the records a processor or exporter refuses, with reason and position', async () => {
    const input = [...lines(2), 'not json', ...lines(1, 'poison'), ...lines(1, 'bad-for-backend')];
    const service = await startService(config({
      lines: input,
      processors: '{reject_containing: poison}',
      exporter: '{reject_containing: bad-for-backend}',
    }));
    await service.drained();
    const out = TestExporter.instances.get('testexporter/out')!;
    const dlq = TestExporter.instances.get('testexporter/dlq')!;
    assert.deepEqual(out.accepted, lines(2));
    assert.deepEqual(dlq.accepted.sort(), ['not json', ...lines(1, 'poison'), ...lines(1, 'bad-for-backend')].sort());
    const stats = service.pipelines[0].stats;
    assert.deepEqual(stats, { read: 5, exported: 2, deadLettered: 3, dropped: 0, filtered: 0 });
    assert.equal(TestReceiver.instances.get('testreceiver/in')!.checkpoint, 5, 'dead-lettered records do not block the stream');
    await service.shutdown(1000);
  });

  it('keeps checkpoints in order when later batches are acknowledged first', async () => {
    // Concurrency 3 with a retried first call: batch 1 is acknowledged after batches 2 and 3.
    const service = await startService(config({ lines: lines(6), exporter: '{fail_first: 1, retry_interval: 200ms}', concurrency: 3 }));
    const receiver = TestReceiver.instances.get('testreceiver/in')!;
    await delay(100);
    assert.equal(receiver.checkpoint, 0, 'batches 2 and 3 are done but batch 1 is not: no move');
    await service.drained();
    assert.deepEqual(receiver.checkpointHistory, [6], 'jumps straight to the end once batch 1 is done');
    await service.shutdown(1000);
  });

  it('acknowledges nothing when shut down while an exporter is still refusing', async () => {
    const service = await startService(config({ lines: lines(2), exporter: '{fail_for: 10s}' }));
    await delay(100);
    await service.shutdown(100);
    const receiver = TestReceiver.instances.get('testreceiver/in')!;
    assert.equal(receiver.checkpoint, 0);
    assert.ok(receiver.failure, 'the in-flight consume failed instead of resolving');
    assert.equal(TestExporter.instances.get('testexporter/out')!.accepted.length, 0);
  });
});

describe('fan-out', () => {
  const twoPipelines = (dir: string) => `
receivers:
  testreceiver/in:
    lines: ${JSON.stringify(lines(4))}
processors:
  testprocessor/a: {attribute: tag.a}
  testprocessor/b: {attribute: tag.b}
exporters:
  testexporter/shared: {path: ${path.join(dir, 'shared.jsonl')}}
  file/a: {path: ${path.join(dir, 'a.jsonl')}}
  file/b: {path: ${path.join(dir, 'b.jsonl')}}
service:
  pipelines:
    logs/a: {receivers: [testreceiver/in], processors: [testprocessor/a], exporters: [file/a, testexporter/shared]}
    logs/b: {receivers: [testreceiver/in], processors: [testprocessor/b], exporters: [file/b, testexporter/shared]}
    logs/plain: {receivers: [testreceiver/in], exporters: [testexporter/shared]}
`;

  it('gives each mutating pipeline its own copy, and one receiver and exporter instance serves all', async () => {
    const dir = tmpDir();
    const service = await startService(twoPipelines(dir));
    await service.drained();
    await service.shutdown(1000);
    // What processors added; log.record.uid is the encoder's own, on every record.
    const keysOf = (file: string) => {
      const req = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8').trim().split('\n')[0]);
      return req.resourceLogs[0].scopeLogs[0].logRecords.map((r: { attributes: { key: string }[] }) => r.attributes.map((a) => a.key).filter((k) => k !== 'log.record.uid'));
    };
    assert.deepEqual(keysOf('a.jsonl')[0], ['tag.a'], 'pipeline a sees only its own processor\'s attribute');
    assert.deepEqual(keysOf('b.jsonl')[0], ['tag.b']);
    assert.equal(fs.readFileSync(path.join(dir, 'shared.jsonl'), 'utf8').trim().split('\n').length, 12, 'shared exporter got 4 records from each of 3 pipelines');
  });
});
