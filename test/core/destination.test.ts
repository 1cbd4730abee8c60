/**
 * The core's rule for refusals no record caused (DestinationError), for every exporter: retried,
 * never dead-lettered, nothing acknowledged meanwhile, the exporter failing on the health board
 * until a call gets through; under --once the run fails after the bound instead of waiting forever.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Service } from '../../core/pipeline/service';
import { startService, tmpDir } from '../support/service';
import { TestExporter } from '../support/test-exporter';
import { TestReceiver } from '../support/test-components';

function pipeline(dir: string, refuseFor: string): string {
  const lines = Array.from({ length: 20 }, (_, i) => JSON.stringify({ event: 'x', uid: `d-${i}` }));
  return `
receivers:
  testreceiver: {batch_size: 5, concurrency: 2, lines: ${JSON.stringify(lines)}}
exporters:
  testexporter: {refuse_destination_for: ${refuseFor}}
  testexporter/dead-letter: {path: ${JSON.stringify(path.join(dir, 'dead-letter.jsonl'))}}
service:
  pipelines:
    logs: {receivers: [testreceiver], exporters: [testexporter], dead_letter: [testexporter/dead-letter]}
`;
}

describe('core: refusals no record caused', function () {
  this.timeout(20_000);
  let service: Service | undefined;
  afterEach(async () => { await service?.shutdown(500); service = undefined; });

  it('are retried with nothing acknowledged or dead-lettered, reported failing, and clear once a call gets through', async () => {
    const dir = tmpDir();
    service = await startService(pipeline(dir, '700ms'), { once: false });
    await new Promise((r) => setTimeout(r, 300));
    const health = service.telemetry.health.snapshot();
    assert.equal(health.status, 'failing');
    assert.equal(health.components.testexporter?.reason, 'exporters.testexporter.path: cannot write: EACCES');
    assert.equal(TestReceiver.instances.get('testreceiver')!.checkpoint, 0);
    await service.drained();
    assert.equal(TestReceiver.instances.get('testreceiver')!.checkpoint, 20);
    assert.equal(TestExporter.instances.get('testexporter')!.accepted.length, 20);
    assert.equal(TestExporter.instances.get('testexporter/dead-letter')!.calls, 0, 'nothing dead-lettered');
    assert.equal(service.telemetry.health.snapshot().status, 'ok');
  });

  it('under --once, fail the run after the bound, with nothing acknowledged', async () => {
    const dir = tmpDir();
    const started = Date.now();
    service = await startService(pipeline(dir, '1h'), { once: true, onceFailingTimeoutMs: 400 });
    await assert.rejects(service.failed(), /^Error: --once: testexporter has failed for 400ms \(TELEPORT_OTEL_ONCE_FAILING_TIMEOUT_MS\): exporters\.testexporter\.path: cannot write: EACCES; undelivered records stay unacknowledged/);
    const took = Date.now() - started;
    assert.ok(took >= 400 && took < 3000, `failed after ${took}ms`);
    await service.shutdown(0);
    assert.equal(TestReceiver.instances.get('testreceiver')!.checkpoint, 0);
    assert.equal(TestExporter.instances.get('testexporter/dead-letter')!.calls, 0);
  });

  it('a dead letter that cannot be written holds the batch back too: the refused records are not dropped, nothing is acknowledged', async () => {
    const dir = tmpDir();
    const lines = Array.from({ length: 10 }, (_, i) => JSON.stringify({ event: 'x', uid: `e-${i}`, bad: i % 3 === 0 }));
    service = await startService(`
receivers:
  testreceiver: {batch_size: 5, lines: ${JSON.stringify(lines)}}
processors:
  testprocessor: {reject_containing: '"bad":true'}
exporters:
  testexporter: {}
  testexporter/dead-letter: {path: ${JSON.stringify(path.join(dir, 'dead-letter.jsonl'))}, refuse_destination_for: 600ms}
service:
  pipelines:
    logs: {receivers: [testreceiver], processors: [testprocessor], exporters: [testexporter], dead_letter: [testexporter/dead-letter]}
`, { once: false });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(service.telemetry.health.snapshot().components['testexporter/dead-letter']?.status, 'failing');
    assert.equal(TestReceiver.instances.get('testreceiver')!.checkpoint, 0);
    await service.drained();
    assert.equal(TestReceiver.instances.get('testreceiver')!.checkpoint, 10);
    const letters = fs.readFileSync(path.join(dir, 'dead-letter.jsonl'), 'utf8').split('\n').filter(Boolean);
    assert.equal(letters.length, 4, 'e-0, e-3, e-6, e-9 reached the dead letter once it worked');
    assert.equal(service.telemetry.health.snapshot().status, 'ok');
  });
});
