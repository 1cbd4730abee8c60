/**
 * The real CLI in child processes against the mock cluster. Graceful restart: SIGTERM in the
 * middle of a stream drains what is in flight, commits exactly what was exported and leaves the
 * group; the next start reads the rest, each event once. kill -9 with a slow exporter: after the
 * restart every event is there at least once, and the only duplicates are events that were
 * exported but not yet committed when the process died.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CompressionTypes } from 'kafkajs';
import { kafkaMock, type KafkaMock } from '../../support/kafka-mock';
import { distinctPerPartition, exited, fileYaml, kafkaReceiver, outputLines, perPartition, startChild, tmpDir, uidOf, waitFor } from './helpers';

const PARTITIONS = 4;

describe('kafka receiver: restarts', function () {
  this.timeout(60_000);
  let kafka: KafkaMock;

  before(async () => { kafka = await kafkaMock(); });

  async function produce(topic: string, tag: string, each: number, from = 0): Promise<string[]> {
    const messages = perPartition(tag, PARTITIONS, each, from);
    await kafka.produce(topic, messages, { compression: CompressionTypes.GZIP });
    return messages.map((m) => m.value);
  }

  function setup(topic: string, group: string, exporter: Record<string, unknown>): { config: string; output: string; data: string } {
    const dir = tmpDir();
    const output = path.join(dir, 'out.jsonl');
    const config = path.join(dir, 'pipeline.yaml');
    fs.writeFileSync(config, fileYaml(kafkaReceiver(kafka, [topic], group, { max_batch_size: 50, max_batches_in_flight: 2 }), output, path.join(dir, 'dead.jsonl'), exporter));
    return { config, output, data: path.join(dir, 'data') };
  }

  it('SIGTERM mid-stream commits exactly what was exported; after a restart every event once', async () => {
    const topic = kafka.unique('restart');
    const group = kafka.unique('g');
    const first = await produce(topic, 'rs', 1000);
    const { config, output, data } = setup(topic, group, { delay: '250ms' });
    let child = startChild(config, data);
    await waitFor('part of the stream', () => outputLines(output).length >= 600, 20_000);
    child.kill('SIGTERM');
    await exited(child);
    const exported = outputLines(output);
    assert.ok(exported.length < first.length, 'stopped mid-stream');
    assert.equal(new Set(exported).size, exported.length, 'nothing twice');
    const committed = await kafka.committed(group, topic);
    assert.deepEqual(Array.from({ length: PARTITIONS }, (_, p) => committed.get(p)), distinctPerPartition('rs', exported, PARTITIONS),
      'committed offset of each partition = events of it exported');

    const more = await produce(topic, 'rs', 200, 1000);
    child = startChild(config, data);
    const all = [...first, ...more];
    await waitFor('every event', () => outputLines(output).length >= all.length, 30_000);
    child.kill('SIGTERM');
    await exited(child);
    const out = outputLines(output);
    assert.equal(out.length, all.length, 'each event once');
    assert.deepEqual(new Set(out), new Set(all));
    assert.deepEqual(await kafka.committed(group, topic), await kafka.highWatermarks(topic));
  });

  it('kill -9 mid-stream with a slow exporter: every event at least once; duplicates only of what was exported and not committed', async () => {
    const topic = kafka.unique('kill9');
    const group = kafka.unique('g');
    const lines = await produce(topic, 'k9', 1000);
    const { config, output, data } = setup(topic, group, { delay: '250ms' });
    let child = startChild(config, data);
    await waitFor('part of the stream', () => outputLines(output).length >= 800, 20_000);
    child.kill('SIGKILL');
    await exited(child);
    const before = new Set(outputLines(output));
    assert.ok(before.size < lines.length, 'killed mid-stream');
    const committed = await kafka.committed(group, topic);

    child = startChild(config, data);
    await waitFor('every event', () => new Set(outputLines(output)).size >= lines.length, 30_000);
    child.kill('SIGTERM');
    await exited(child);
    const counts = new Map<string, number>();
    for (const l of outputLines(output)) counts.set(l, (counts.get(l) ?? 0) + 1);
    assert.deepEqual(lines.filter((l) => !counts.has(l)), [], 'nothing lost');
    for (const [line, n] of counts) {
      if (n === 1) continue;
      const [, p, i] = /^k9-p(\d)-(\d+)$/.exec(uidOf(line))!;
      assert.ok(before.has(line), `${uidOf(line)} twice but not exported before the kill`);
      assert.ok(Number(i) >= (committed.get(Number(p)) ?? -1), `${uidOf(line)} twice although committed (partition ${p} at ${committed.get(Number(p))})`);
      assert.equal(n, 2, `${uidOf(line)} ${n} times`);
    }
    assert.deepEqual(await kafka.committed(group, topic), await kafka.highWatermarks(topic));
  });
});
