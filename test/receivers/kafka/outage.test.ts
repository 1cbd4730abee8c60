/**
 * No silent stall: the path to the brokers goes away (the front closes its listener and every
 * connection) and comes back on the same port. While it is gone /healthz says the receiver is
 * failing, and why; kafkajs gives up on the consumer, which is restarted (kafkajs's own restart or
 * the receiver's, counted either way); consumption resumes and nothing is lost.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { parseConfig } from '../../../core/config/load';
import { Service } from '../../../core/pipeline/service';
import { createLogger } from '../../../core/telemetry/logger';
import { KafkaFront } from '../../support/kafka-front';
import { kafkaMock, type KafkaMock } from '../../support/kafka-mock';
import { testRegistry } from '../../support/test-registry';
import { events, fileYaml, kafkaReceiver, outputLines, tmpDir, uidOf, waitFor } from './helpers';

/**
 * `kafka` (reached through `front`) on `topic` → a file, as a service that is not yet started,
 * whose log lines are kept; `metric` reads one of its counters.
 */
function watchedService(kafka: KafkaMock, front: KafkaFront, topic: string) {
  const dir = tmpDir();
  const output = path.join(dir, 'out.jsonl');
  const config = parseConfig(fileYaml(kafkaReceiver(kafka, [topic], kafka.unique('g'), { brokers: [front.address] }), output, path.join(dir, 'dead.jsonl')), 'test.yaml', testRegistry, {});
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', write: (l) => { lines.push(l); if (process.env.TEST_LOG) process.stderr.write(l + '\n'); } });
  const service = new Service(config, { logger, dataDir: path.join(dir, 'data'), once: false, registry: testRegistry, logLevel: 'info' });
  const metric = async (name: string) => Number(new RegExp(`^teleport_otel_${name}\\{[^}]*\\} (\\d+)`, 'm').exec(await service.telemetry.registry.metrics())?.[1] ?? 0);
  return { output, lines, service, metric };
}

describe('kafka receiver: brokers gone and back', function () {
  this.timeout(120_000);

  it('health failing while they are gone, the consumer restarted, consumption resumes, nothing lost', async () => {
    const kafka = await kafkaMock();
    const front = new KafkaFront({ upstream: kafka.bootstrap });
    await front.start();
    const topic = kafka.unique('outage');
    const { output, lines, service, metric } = watchedService(kafka, front, topic);
    const uids = () => new Set(outputLines(output).map(uidOf));
    const first = events('before', 0, 200);
    const second = events('after', 0, 200);
    await kafka.produce(topic, first.map((value) => ({ value })));
    await service.start();
    try {
      await waitFor('the first events', () => first.every((l) => uids().has(uidOf(l))), 30_000);
      assert.equal(service.health().status, 'ok');

      await front.stop();
      await waitFor('health failing', () => service.health().status === 'failing', 30_000);
      const reason = JSON.stringify(service.health().components);
      assert.match(reason, /Connection|connect|ECONNREFUSED/i, reason);
      await waitFor('the consumer given up on and restarted', async () => (await metric('kafka_consumer_crashes_total')) >= 1, 60_000);
      assert.equal(service.health().status, 'failing', 'still failing while the brokers are gone');

      await front.start();
      await kafka.produce(topic, second.map((value) => ({value})));
      await waitFor('the events produced after the outage', () => second.every((l) => uids().has(uidOf(l))), 60_000);
      await waitFor('health ok again', () => service.health().status === 'ok', 10_000);
    } finally {
      await service.shutdown(5000);
      await front.stop();
    }
    const got = outputLines(output).map(uidOf);
    for (const l of [...first, ...second]) assert.ok(got.includes(uidOf(l)), `${uidOf(l)} arrived`);
    assert.ok(lines.some((l) => /consumer failed/.test(l)), 'the crash is logged');
  });

  it('a crash kafkajs will not restart (SyncGroup refused with INVALID_REQUEST): the receiver restarts the consumer, counted; health failing until it joined', async () => {
    const kafka = await kafkaMock();
    const front = new KafkaFront({ upstream: kafka.bootstrap });
    await front.start();
    front.failNextSyncGroup(42);
    const topic = kafka.unique('nonretriable');
    const { output, lines, service, metric } = watchedService(kafka, front, topic);
    const sent = events('nr', 0, 100);
    await kafka.produce(topic, sent.map((value) => ({ value })));
    await service.start();
    try {
      await waitFor('the crash', () => lines.some((l) => /consumer failed: .*joining the group again in/.test(l)), 30_000);
      assert.equal(service.health().status, 'failing');
      assert.match(JSON.stringify(service.health().components), /consumer failed/);
      await waitFor('every event', () => new Set(outputLines(output).map(uidOf)).size === sent.length, 30_000);
      assert.equal(await metric('kafka_consumer_restarts_total'), 1);
      await waitFor('health ok again', () => service.health().status === 'ok', 10_000);
    } finally {
      await service.shutdown(5000);
      await front.stop();
    }
  });
});
