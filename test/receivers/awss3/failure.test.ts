/**
 * A backend failing with retryable errors: the message is not deleted, SQS shows it again after
 * its visibility timeout, and every event arrives once the backend recovers.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { awsEmulators, type AwsEmulators } from '../../support/aws-emulators';
import { OtlpSink } from '../../support/otlp-sink';
import { startService } from '../../support/service';
import { deadLetters, delay, events, pipelineYaml, sqsReceiver, tmpDir, uidCounts, uidOf } from './helpers';

describe('awss3 receiver: retryable backend failure', function () {
  this.timeout(60_000);
  let aws: AwsEmulators;
  let sink: OtlpSink;

  before(async () => {
    aws = await awsEmulators();
    sink = await OtlpSink.start();
  });
  after(async () => { await sink.close(); });

  it('leaves the message for redelivery after its visibility timeout; everything arrives after recovery', async () => {
    const bucket = aws.unique('failure');
    await aws.createBucket(bucket);
    const queue = await aws.createQueue(aws.unique('failure'));
    const lines = events('f', 0, 3000);
    const object = await aws.putObject(bucket, 'logs/2024-02-22.log', lines.join('\n') + '\n');
    const visibilityMs = 4000;
    sink.setFault({ status: 503, forMs: 1000 });
    const dead = path.join(tmpDir(), 'dead.jsonl');
    // The exporter gives up after 200ms, so the batch fails back to the receiver (no endless retry inside).
    const yaml = pipelineYaml(sqsReceiver(aws, queue, { sqs: { visibility_timeout: `${visibilityMs / 1000}s` }, max_batch_size: 500 }), sink, dead,
      { retry_on_failure: { initial_interval: '50ms', max_interval: '50ms', max_elapsed_time: '200ms' } });
    const service = await startService(yaml, { once: true });
    try {
      await aws.notify(queue, [object]);
      await sink.waitFor(() => sink.requests.some((r) => r.status === 503), 10_000, 'a refused request');
      const firstRefusal = sink.requests.find((r) => r.status === 503)!.at;
      await delay(2000); // fault over, message not yet visible again
      assert.deepEqual(await aws.queueCounts(queue), { visible: 0, inFlight: 1, delayed: 0 }, 'the message is not deleted');
      await service.drained();
      const firstAccepted = sink.requests.find((r) => r.status === 200)!.at;
      assert.ok(firstAccepted - firstRefusal >= visibilityMs - 1000,
        `accepted ${firstAccepted - firstRefusal}ms after the first refusal: read again only once SQS redelivered it`);
    } finally {
      await service.shutdown(5000);
    }
    const counts = uidCounts(sink);
    assert.deepEqual(lines.map(uidOf).filter((u) => !counts.has(u)), [], 'every event arrived');
    assert.deepEqual(await aws.queueCounts(queue), { visible: 0, inFlight: 0, delayed: 0 }, 'deleted after delivery');
    assert.deepEqual(deadLetters(dead), []);
  });
});
