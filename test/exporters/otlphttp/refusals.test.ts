/**
 * How otlphttp sorts answers no record caused (README "What each answer does"), in process
 * against the test sink: each is retried, never dead-lettered, and reported failing on the
 * health board while it lasts; a 4xx about content is still split and dead-lettered.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Service } from '../../../core/pipeline/service';
import { startService, tmpDir } from '../../support/service';
import { OtlpSink } from '../../support/otlp-sink';
import { TestReceiver } from '../../support/test-components';
import { parseConfig } from '../../../core/config/load';
import type { ExporterFactory } from '../../../core/component';
import { DestinationError } from '../../../core/errors';
import { newRecord, nowUnixNano } from '../../../core/record';
import { silentLogger } from '../../../core/telemetry/logger';
import { testTelemetry } from '../../../core/telemetry/metrics';
import { testRegistry } from '../../support/test-registry';
import { readOtlpJsonLines, syntheticLines, uidsOf, waitUntil, yamlList } from './helpers';

function pipeline(endpoint: string, dir: string, lines: string[], extra = ''): string {
  return `
receivers:
  testreceiver: {batch_size: 20, concurrency: 2, lines: ${yamlList(lines)}}
exporters:
  otlphttp:
    endpoint: ${endpoint}
    retry_on_failure: {initial_interval: 20ms, max_interval: 60ms}
${extra.replace(/^/gm, '    ')}
  file/dead-letter: {path: ${JSON.stringify(path.join(dir, 'dead-letter.jsonl'))}, append: true}
service:
  pipelines:
    logs: {receivers: [testreceiver], exporters: [otlphttp], dead_letter: [file/dead-letter]}
`;
}

const health = (service: Service) => service.telemetry.health.snapshot();

describe('otlphttp: answers no record caused', function () {
  this.timeout(20_000);
  let sink: OtlpSink;
  let service: Service | undefined;
  let dir: string;
  before(async () => { sink = await OtlpSink.start(); });
  after(async () => { await sink.close(); });
  beforeEach(() => { sink.reset(); dir = tmpDir(); });
  afterEach(async () => { await service?.shutdown(1000); service = undefined; });

  for (const status of [403, 405, 407, 410, 415, 302, 501]) {
    it(`${status}: retried while it lasts, reported failing, nothing dead-lettered, then everything delivered`, async () => {
      sink.setFault({ status, forMs: 800 });
      service = await startService(pipeline(sink.url, dir, syntheticLines(60, `s${status}`)));
      await waitUntil(() => health(service!).status === 'failing', 5000, 'failing');
      const reason = health(service).components.otlphttp?.reason ?? '';
      assert.match(reason, new RegExp(`^otlphttp: ${sink.url.replace(/\./g, '\\.')}/v1/logs answered ${status} .*\\(.+\\)$`));
      assert.equal(TestReceiver.instances.get('testreceiver')!.checkpoint, 0, 'nothing acknowledged');
      await service.drained();
      assert.equal(health(service).status, 'ok', 'recovered with the first accepted request');
      assert.equal(new Set(uidsOf(sink)).size, 60);
      assert.equal(readOtlpJsonLines(path.join(dir, 'dead-letter.jsonl')).length, 0);
    });
  }

  it('408 and 507 are retried as outages, not reported failing', async () => {
    for (const status of [408, 507]) {
      sink.reset();
      sink.setFault({ status, times: 2 });
      service = await startService(pipeline(sink.url, dir, syntheticLines(20, `t${status}`)));
      await service.drained();
      assert.equal(new Set(uidsOf(sink)).size, 20);
      assert.equal(sink.requests.filter((r) => r.status === status).length, 2);
      assert.equal(health(service).status, 'ok');
      await service.shutdown(1000);
      service = undefined;
    }
    assert.equal(readOtlpJsonLines(path.join(dir, 'dead-letter.jsonl')).length, 0);
  });

  it('422 is about the content: split, and only the refused record is dead-lettered', async () => {
    sink.refuse = { status: 422, matches: (r) => r.attributes['log.record.uid'] === 'u-13', message: 'unprocessable' };
    service = await startService(pipeline(sink.url, dir, syntheticLines(40, 'u')));
    await service.drained();
    const letters = readOtlpJsonLines(path.join(dir, 'dead-letter.jsonl'));
    assert.deepEqual(letters.map((l) => (JSON.parse(l.body) as { uid: string }).uid), ['u-13']);
    assert.equal(new Set(uidsOf(sink)).size, 39);
    assert.equal(health(service).status, 'ok');
  });

  it('a host name that does not resolve is reported failing, naming the host check', async () => {
    service = await startService(pipeline('http://no-such-host.invalid:4318', dir, syntheticLines(5, 'n')));
    await waitUntil(() => health(service!).status === 'failing', 10_000, 'failing');
    assert.match(health(service).components.otlphttp?.reason ?? '', /^otlphttp: POST http:\/\/no-such-host\.invalid:4318\/v1\/logs failed: (ENOTFOUND|EAI_AGAIN) .*\(check the host name of endpoint \/ logs_endpoint\)$/);
    assert.equal(TestReceiver.instances.get('testreceiver')!.checkpoint, 0);
    assert.equal(readOtlpJsonLines(path.join(dir, 'dead-letter.jsonl')).length, 0);
  });

  it('a server certificate that cannot be verified is reported failing, naming tls', async () => {
    const fixture = (name: string) => fs.readFileSync(path.resolve('test/fixtures/otlphttp', name));
    const tlsSink = await OtlpSink.start({ tls: { key: fixture('server.key'), cert: fixture('server.pem') } });
    try {
      service = await startService(pipeline(tlsSink.url, dir, syntheticLines(5, 'c')));
      await waitUntil(() => health(service!).status === 'failing', 10_000, 'failing');
      assert.match(health(service).components.otlphttp?.reason ?? '', /failed: [A-Z_]+ .*\(check tls and the endpoint scheme\)$/);
      assert.equal(readOtlpJsonLines(path.join(dir, 'dead-letter.jsonl')).length, 0);
      await service.shutdown(1000);
      service = undefined;
    } finally {
      await tlsSink.close();
    }
  });

  it('with the on-disk queue, a 401 keeps the batches queued (not moved to rejected/), failing until accepted', async () => {
    const storage = path.join(dir, 'queue');
    sink.setFault({ status: 401 });
    service = await startService(pipeline(sink.url, dir, syntheticLines(50, 'q'), `sending_queue: {storage: ${JSON.stringify(storage)}}`));
    await service.drained(); // acknowledged once on disk
    await waitUntil(() => health(service!).status === 'failing', 5000, 'failing');
    assert.match(health(service).components.otlphttp?.reason ?? '', /answered 401 .*check the credentials/);
    await waitUntil(() => sink.requests.length >= 4, 5000, 'retries');
    assert.ok(!fs.existsSync(path.join(storage, 'rejected')) || fs.readdirSync(path.join(storage, 'rejected')).length === 0, 'nothing set aside');
    sink.clearFault();
    await sink.waitForRecords(50, 10_000);
    await waitUntil(() => health(service!).status === 'ok', 5000, 'ok again');
  });

  it('an on-disk queue directory that refuses writes: a DestinationError naming sending_queue.storage, nothing acknowledged', async () => {
    const storage = path.join(dir, 'queue');
    const config = parseConfig(pipeline(sink.url, dir, [], `sending_queue: {storage: ${JSON.stringify(storage)}}`), 'test.yaml', testRegistry, {});
    const c = config.exporters.get('otlphttp')!;
    const exporter = (c.factory as ExporterFactory).create(c.config as never, { id: 'otlphttp', logger: silentLogger, telemetry: testTelemetry('otlphttp'), dataDir: dir });
    await exporter.start();
    try {
      // The directory is replaced by a file (a volume gone wrong) while running.
      fs.rmSync(storage, { recursive: true });
      fs.writeFileSync(storage, 'not a directory');
      const records = syntheticLines(3, 'v').map((l, i) => newRecord(l, { source: 'test', line: i + 1 }, nowUnixNano()));
      const result = await exporter.export(records);
      assert.equal(result.kind, 'retryable');
      assert.ok(result.kind === 'retryable' && result.error instanceof DestinationError, 'no record caused it');
      assert.match(result.error.message, new RegExp(`^exporters\\.otlphttp\\.sending_queue\\.storage: cannot write ${storage.replace(/\./g, '\\.')}: (ENOTDIR|ENOENT)$`));
    } finally {
      fs.rmSync(storage, { force: true });
      await exporter.shutdown();
    }
  });
});
