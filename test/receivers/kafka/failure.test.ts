/**
 * Bad input and a failing backend. A poison message is dead-lettered with its position and its
 * partition goes on. A backend that fails retryably moves no commit while it fails, loses
 * nothing, and consumption resumes on recovery: both when the pipeline keeps retrying (the
 * partition fills its in-flight window and is paused) and when it gives up on a batch (the
 * partition is paused, backs off and is read again from its last acknowledged offset).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { CompressionTypes } from 'kafkajs';
import { kafkaMock, type KafkaMock } from '../../support/kafka-mock';
import { OtlpSink } from '../../support/otlp-sink';
import { startService } from '../../support/service';
import { deadLetters, delay, events, exactlyOnce, fileYaml, kafkaReceiver, outputLines, tmpDir, uidCounts, uidOf, waitFor } from './helpers';

describe('kafka receiver: poison messages and a failing backend', function () {
  this.timeout(60_000);
  let kafka: KafkaMock;

  before(async () => { kafka = await kafkaMock(); });

  it('dead-letters a message that is not JSON, a JSON array, an empty value, with topic/partition@offset; the partition goes on', async () => {
    const topic = kafka.unique('poison');
    const group = kafka.unique('g');
    const before = events('ok', 0, 10);
    const after = events('ok', 10, 20);
    const poison = ['this is not json {', '[{"event":"user.login"}]', ''];
    await kafka.produce(topic, [...before, ...poison, ...after].map((value) => ({ partition: 2, value })), { compression: CompressionTypes.None });
    const dir = tmpDir();
    const output = path.join(dir, 'out.jsonl');
    const dead = path.join(dir, 'dead.jsonl');
    const service = await startService(fileYaml(kafkaReceiver(kafka, [topic], group), output, dead), { once: true });
    try {
      await service.drained();
    } finally {
      await service.shutdown(5000);
    }
    assert.deepEqual(outputLines(output), [...before, ...after], 'every good event once, in order, after the poison too');
    const letters = deadLetters(dead).map((d) => JSON.stringify(d.attributes));
    assert.equal(letters.length, 3);
    for (const [i, offset] of [10, 11, 12].entries()) assert.ok(letters.some((l) => l.includes(`kafka:${topic}/2@${offset}`)), `dead letter ${i} at offset ${offset}: ${letters.join('\n')}`);
    assert.ok(letters.some((l) => /not valid JSON/.test(l)));
    assert.ok(letters.some((l) => /not a JSON object but an array/.test(l)));
    assert.ok(letters.some((l) => /empty message value/.test(l)));
    assert.equal((await kafka.committed(group, topic)).get(2), 23, 'committed past the poison');
  });

  it('a backend failing while the pipeline retries: no commit moves, nothing lost, resumes on recovery', async () => {
    const topic = kafka.unique('retrying');
    const group = kafka.unique('g');
    const lines = events('r', 0, 2000);
    await kafka.produce(topic, lines.map((value) => ({ value })));
    const dir = tmpDir();
    const output = path.join(dir, 'out.jsonl');
    // Fails for its first 5 s (the group's first join takes 3 of them); the core retries every 20ms.
    const yaml = fileYaml(kafkaReceiver(kafka, [topic], group, { max_batch_size: 100, max_batches_in_flight: 2 }), output, path.join(dir, 'dead.jsonl'), { fail_for: '5s' });
    // Timed from before the start: the exporter's 5 s begin later, however long the start takes.
    const before = Date.now();
    const service = await startService(yaml, { once: true });
    try {
      await delay(4500 - (Date.now() - before));
      assert.deepEqual(outputLines(output), [], 'nothing accepted yet');
      const committed = await kafka.committed(group, topic);
      assert.deepEqual([...committed.values()].filter((o) => o >= 0), [], 'no offset committed while failing');
      await service.drained();
    } finally {
      await service.shutdown(5000);
    }
    const out = outputLines(output);
    assert.deepEqual(lines.filter((l) => !out.includes(l)), [], 'nothing lost');
    assert.equal(out.length, lines.length, 'and nothing twice');
    assert.deepEqual(await kafka.committed(group, topic), await kafka.highWatermarks(topic));
  });

  it('a batch the pipeline gives up on: the partition is paused, backs off, is read again from its last acknowledged offset; nothing lost', async () => {
    const sink = await OtlpSink.start();
    try {
      const topic = kafka.unique('giveup');
      const group = kafka.unique('g');
      const lines = events('gu', 0, 1500);
      await kafka.produce(topic, lines.map((value) => ({ value })));
      const dead = path.join(tmpDir(), 'dead.jsonl');
      const yaml = `
receivers:
  kafka: ${kafkaReceiver(kafka, [topic], group, { max_batch_size: 100, max_batches_in_flight: 2 })}
exporters:
  otlphttp: ${JSON.stringify({ endpoint: sink.url, retry_on_failure: { initial_interval: '50ms', max_interval: '50ms', max_elapsed_time: '200ms' } })}
  file/dead-letter: {path: ${JSON.stringify(dead)}, append: true}
service:
  pipelines:
    logs: {receivers: [kafka], exporters: [otlphttp], dead_letter: [file/dead-letter]}
`;
      sink.setFault({ status: 503 });
      const service = await startService(yaml, { once: true });
      try {
        await sink.waitFor(() => sink.requests.filter((r) => r.status === 503).length >= 20, 15_000, 'refused requests');
        const committed = await kafka.committed(group, topic);
        assert.deepEqual([...committed.values()].filter((o) => o >= 0), [], 'no offset committed while failing');
        assert.equal(sink.records.length, 0);
        sink.clearFault();
        await service.drained();
      } finally {
        await service.shutdown(5000);
      }
      const counts = uidCounts(sink);
      assert.deepEqual(lines.map(uidOf).filter((u) => !counts.has(u)), [], 'nothing lost');
      assert.equal(exactlyOnce(sink, lines), undefined, 'a batch refused is sent again, never one accepted');
      assert.deepEqual(deadLetters(dead), []);
      assert.deepEqual(await kafka.committed(group, topic), await kafka.highWatermarks(topic));
    } finally {
      await sink.close();
    }
  });
});
