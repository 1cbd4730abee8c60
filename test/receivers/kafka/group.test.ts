/**
 * Two collector processes in one consumer group: they split the topic's partitions; when one
 * leaves (SIGTERM: it commits what it exported and leaves the group), the other takes its
 * partitions over from their committed offsets, and nothing is lost.
 *
 * Events keep arriving on every partition until both members have read some: whenever the group
 * settles onto both (both joining within the broker's initial 3 s delay, or a rebalance later),
 * each has something left to read, however slow the machine. 40 events/s stays well below what
 * the members export (one batch of 20 in flight per partition, 200 ms per export), so no backlog
 * builds up while the group settles.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { kafkaMock } from '../../support/kafka-mock';
import { delay, exited, fileYaml, kafkaReceiver, outputLines, perPartition, startChild, tmpDir, uidOf, waitFor } from './helpers';

const PARTITIONS = 4;
const BATCH = 20;
const IN_FLIGHT = 1;

function partitionsOf(lines: string[]): number[] {
  return [...new Set(lines.map((l) => Number(/-p(\d)-/.exec(uidOf(l))![1])))].sort();
}

describe('kafka receiver: two processes in one group', function () {
  this.timeout(60_000);

  it('split the partitions; when one leaves the other takes over; nothing lost', async () => {
    const kafka = await kafkaMock();
    const topic = kafka.unique('group');
    const group = kafka.unique('g');
    const phase1: { partition: number; value: string }[] = [];
    let producing = true;
    const producer = (async () => {
      for (let n = 0; producing; n += 1) {
        const more = perPartition('g1', PARTITIONS, 1, n);
        await kafka.produce(topic, more);
        phase1.push(...more);
        await delay(100);
      }
    })();
    const dir = tmpDir();
    const member = (name: string) => {
      const output = path.join(dir, `${name}.jsonl`);
      const config = path.join(dir, `${name}.yaml`);
      fs.writeFileSync(config, fileYaml(kafkaReceiver(kafka, [topic], group, { max_batch_size: BATCH, max_batches_in_flight: IN_FLIGHT }), output, path.join(dir, `${name}-dead.jsonl`), { delay: '200ms' }));
      return { output, child: startChild(config, path.join(dir, `${name}-data`)) };
    };
    const a = member('a');
    const b = member('b');
    const union = () => new Set([...outputLines(a.output), ...outputLines(b.output)]);
    try {
      await waitFor('both members reading', () => outputLines(a.output).length > 0 && outputLines(b.output).length > 0, 30_000);
      const pa = partitionsOf(outputLines(a.output));
      const pb = partitionsOf(outputLines(b.output));
      assert.ok(pa.length > 0 && pb.length > 0, `both members read: a ${pa}, b ${pb}`);
      producing = false;
      await producer;

      a.child.kill('SIGTERM');
      await exited(a.child);
      const phase2 = perPartition('g2', PARTITIONS, 100);
      await kafka.produce(topic, phase2);
      await waitFor('phase 1 and 2 read', () => union().size >= phase1.length + phase2.length, 30_000);
      await waitFor('phase 2 read by b alone', () => { const seen = new Set(outputLines(b.output)); return phase2.every((m) => seen.has(m.value)); }, 30_000);
      assert.deepEqual(partitionsOf(outputLines(b.output).filter((l) => l.includes('"g2-'))), [0, 1, 2, 3], 'b took every partition over');
      b.child.kill('SIGTERM');
      await exited(b.child);
    } finally {
      producing = false;
      a.child.kill('SIGKILL');
      b.child.kill('SIGKILL');
      await producer.catch(() => undefined);
    }
    const seen = union();
    const expected = [...phase1.map((m) => m.value), ...perPartition('g2', PARTITIONS, 100).map((m) => m.value)];
    assert.deepEqual(expected.filter((l) => !seen.has(l)), [], 'nothing lost');
    const out = [...outputLines(a.output), ...outputLines(b.output)];
    // Each rebalance (b joins, a leaves) may hand over a partition with a batch in flight: read twice, never more.
    assert.ok(out.length - expected.length <= 2 * PARTITIONS * IN_FLIGHT * BATCH, `${out.length - expected.length} duplicates`);
    assert.deepEqual(await kafka.committed(group, topic), await kafka.highWatermarks(topic));
  });
});

