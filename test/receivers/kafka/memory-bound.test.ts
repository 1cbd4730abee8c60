/**
 * max_bytes_in_flight: what the receiver has handed to the pipeline and not seen acknowledged is
 * bounded in bytes across partitions, not only in batches per partition. Observed from outside
 * the receiver: records it counted as handed over (kafka_records_total) minus the lines the slow
 * exporter accepted, sampled through the run.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { CompressionTypes } from 'kafkajs';
import { kafkaMock, type KafkaMock } from '../../support/kafka-mock';
import { startService } from '../../support/service';
import { delay, fileYaml, kafkaReceiver, outputLines, perPartition, tmpDir } from './helpers';

const PARTITIONS = 4;
const BATCH = 20;
const BATCHES_PER_PARTITION = 4;

/** Drains 4 × 300 events through an exporter taking 80 ms a call; the most records seen in flight at once. */
async function mostInFlight(kafka: KafkaMock, extra: Record<string, unknown>): Promise<{ most: number; lineBytes: number }> {
  const topic = kafka.unique('bound');
  const group = kafka.unique('g');
  const messages = perPartition('b', PARTITIONS, 300);
  await kafka.produce(topic, messages, { compression: CompressionTypes.None });
  const dir = tmpDir();
  const output = path.join(dir, 'out.jsonl');
  const receiver = kafkaReceiver(kafka, [topic], group, { max_batch_size: BATCH, max_batches_in_flight: BATCHES_PER_PARTITION, ...extra });
  const service = await startService(fileYaml(receiver, output, path.join(dir, 'dead.jsonl'), { delay: '80ms' }), { once: true });
  let most = 0;
  let drained = false;
  const done = service.drained().finally(() => { drained = true; });
  try {
    while (!drained) {
      const metrics = await service.telemetry.registry.metrics();
      let handed = 0;
      for (const m of metrics.matchAll(/^teleport_otel_kafka_records_total\{[^}]*\} (\d+)/gm)) handed += Number(m[1]);
      most = Math.max(most, handed - outputLines(output).length);
      await delay(10);
    }
    await done;
  } finally {
    await service.shutdown(5000);
  }
  const values = messages.map((m) => m.value);
  const out = outputLines(output);
  assert.deepEqual([...out].sort(), [...values].sort(), 'every event once');
  assert.deepEqual(await kafka.committed(group, topic), await kafka.highWatermarks(topic));
  return { most, lineBytes: values[0].length };
}

describe('kafka receiver: bytes in flight', function () {
  this.timeout(60_000);
  let kafka: KafkaMock;

  before(async () => { kafka = await kafkaMock(); });

  it('max_bytes_in_flight caps what awaits acknowledgement across partitions; each partition still moves; nothing lost', async () => {
    const unbounded = await mostInFlight(kafka, {});
    // Two batches' worth: each partition may still have one batch in flight beyond it.
    const bound = 2 * BATCH * unbounded.lineBytes;
    const bounded = await mostInFlight(kafka, { max_bytes_in_flight: bound });
    const limit = Math.ceil(bound / bounded.lineBytes) + PARTITIONS * BATCH;
    assert.ok(bounded.most <= limit, `at most ${limit} records in flight with the bound, saw ${bounded.most}`);
    assert.ok(unbounded.most > limit, `without it the per-partition bound alone let ${unbounded.most} wait (the test can tell)`);
  });
});
