/**
 * Every Kafka compression codec on the consume side: librdkafka's producer (`kcat -P -z <codec>`)
 * writes five topics, one per codec, and one receiver reads them all at once through a topic
 * regular expression; every event arrives exactly once. A compressed batch that cannot be
 * decompressed is dead-lettered message by message with its topic/partition@offset and reason, and
 * neither its own partition (the batches after it) nor the others stall.
 */
import assert from 'node:assert/strict';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { compress as lz4Compress } from 'lz4js';
import { kafkaMock, type KafkaMock } from '../../support/kafka-mock';
import { OtlpSink } from '../../support/otlp-sink';
import { registerCodecs } from '../../../receivers/kafka/codecs';
import { deadLetters, drainToSink, events, exactlyOnce, kafkaReceiver } from './helpers';

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;


describe('kafka receiver: compression codecs', function () {
  this.timeout(60_000);
  let kafka: KafkaMock;
  let sink: OtlpSink;

  before(async () => {
    kafka = await kafkaMock();
    sink = await OtlpSink.start();
  });
  after(async () => { await sink.close(); });
  beforeEach(() => sink.reset());

  const drain = (receiver: string) => drainToSink(receiver, sink);


  it('kcat -z none|gzip|snappy|lz4|zstd on five topics, read by one receiver at once: every event exactly once', async () => {
    const stem = kafka.unique('codec');
    const expected: string[] = [];
    for (const codec of CODECS) {
      const lines = events(`z${codec}`, 0, 300);
      kafka.kcatProduce(`${stem}-${codec}`, lines, { compression: codec });
      expected.push(...lines);
    }
    const group = kafka.unique('g');
    const dead = await drain(kafkaReceiver(kafka, [`^${stem}-.*`], group));
    assert.equal(exactlyOnce(sink, expected), undefined);
    assert.deepEqual(deadLetters(dead), []);
    for (const codec of CODECS) {
      // Partitions kcat wrote nothing to have no committed offset (-1).
      const written = [...(await kafka.highWatermarks(`${stem}-${codec}`))].filter(([, high]) => high > 0);
      const committed = await kafka.committed(group, `${stem}-${codec}`);
      assert.ok(written.length > 0);
      assert.deepEqual(written.map(([p]) => [p, committed.get(p)]), written, `${codec}: committed to the end`);
    }
  });

  it('a batch that cannot be decompressed: its messages dead-lettered with topic/partition@offset and the reason; the rest of its partition and the other partitions read on', async () => {
    const topic = kafka.unique('corrupt');
    const before = events('good', 0, 40);
    const after = events('good', 40, 80);
    const others = events('other', 0, 60);
    await kafka.produce(topic, before.map((value) => ({ value, partition: 0 })), { compression: CompressionTypes.GZIP });
    // A producer whose lz4 output is damaged on the way: the mock broker stores the batch as sent.
    registerCodecs();
    const real = CompressionCodecs[CompressionTypes.LZ4];
    const damaged = async (encoder: { buffer: Buffer }) => {
      const frame = Buffer.from(lz4Compress(encoder.buffer));
      for (let i = 11; i < frame.length - 8; i += 7) frame[i] ^= 0x5a;
      return frame;
    };
    (CompressionCodecs as Record<number, unknown>)[CompressionTypes.LZ4] = () => ({ compress: damaged, decompress: real().decompress });
    try {
      await kafka.produce(topic, events('bad', 0, 25).map((value) => ({ value, partition: 0 })), { compression: CompressionTypes.LZ4 });
    } finally {
      (CompressionCodecs as Record<number, unknown>)[CompressionTypes.LZ4] = real;
    }
    // zstd bytes that are not a zstd frame at all.
    const zstd = CompressionCodecs[CompressionTypes.ZSTD];
    (CompressionCodecs as Record<number, unknown>)[CompressionTypes.ZSTD] = () => ({ compress: async (e: { buffer: Buffer }) => Buffer.from(e.buffer).reverse(), decompress: zstd().decompress });
    try {
      await kafka.produce(topic, events('bad', 25, 35).map((value) => ({ value, partition: 1 })), { compression: CompressionTypes.ZSTD });
    } finally {
      (CompressionCodecs as Record<number, unknown>)[CompressionTypes.ZSTD] = zstd;
    }
    await kafka.produce(topic, after.map((value) => ({ value, partition: 0 })), { compression: CompressionTypes.GZIP });
    await kafka.produce(topic, others.map((value, i) => ({ value, partition: 1 + (i % 3) })), { compression: CompressionTypes.GZIP });
    const group = kafka.unique('g');
    const dead = await drain(kafkaReceiver(kafka, [topic], group));
    assert.equal(exactlyOnce(sink, [...before, ...after, ...others]), undefined);
    const letters = deadLetters(dead);
    assert.equal(letters.length, 35, 'one dead letter per message of the two bad batches');
    const text = letters.map((l) => JSON.stringify(l.attributes));
    for (let offset = 40; offset < 65; offset++) {
      assert.ok(text.some((t) => t.includes(`kafka:${topic}/0`) && t.includes(`"log.record.offset":${offset}`) || t.includes(`kafka:${topic}/0@${offset}`)), `partition 0 offset ${offset} dead-lettered: ${text[0]}`);
    }
    assert.ok(text.every((t) => /(lz4|zstd) batch cannot be decompressed/.test(t)), text[0]);
    assert.equal(text.filter((t) => t.includes(`kafka:${topic}/1`)).length, 10);
    assert.deepEqual(await kafka.committed(group, topic), await kafka.highWatermarks(topic), 'committed past the bad batches to the end');
  });
});
