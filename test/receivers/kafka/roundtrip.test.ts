/**
 * The kafka receiver through the real pipeline into a real OTLP sink, against librdkafka's mock
 * cluster: kafkajs-produced (gzip batches, keys, headers, gzip values, json_lines) and
 * kcat-produced events each arrive exactly once, with their metadata, and the group's committed
 * offsets reach the high watermarks. `--once` ends the run there.
 */
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { CompressionTypes } from 'kafkajs';
import { kafkaMock, type KafkaMock } from '../../support/kafka-mock';
import { OtlpSink } from '../../support/otlp-sink';
import { deadLetters, drainToSink, events, exactlyOnce, kafkaReceiver } from './helpers';


describe('kafka receiver: round trip', function () {
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


  it('kafkajs (gzip batches, keys, headers, a gzip value) and kcat -P: every event once, metadata in attributes, offsets committed to the end', async () => {
    const topic = kafka.unique('roundtrip');
    const group = kafka.unique('g');
    const a = events('kafkajs', 0, 400);
    const b = events('kcat', 0, 300);
    const z = events('gzvalue', 0, 1);
    await kafka.produce(topic, a.map((value, i) => ({ key: `host-${i % 7}`, value, headers: { source: 'auth-1', seq: String(i) } })));
    await kafka.produce(topic, [{ key: 'zipped', value: zlib.gzipSync(z[0]) }], { compression: CompressionTypes.None });
    kafka.kcatProduce(topic, b);
    const dead = await drain(kafkaReceiver(kafka, [topic], group, { include_metadata: true }));
    assert.equal(exactlyOnce(sink, [...a, ...b, ...z]), undefined);
    assert.deepEqual(deadLetters(dead), []);
    const first = sink.records.find((r) => r.attributes['log.record.uid'] === 'kafkajs-5')!;
    assert.equal(first.attributes['kafka.topic'], topic);
    assert.equal(first.attributes['kafka.key'], 'host-5');
    assert.equal(first.attributes['kafka.header.source'], 'auth-1');
    assert.equal(first.attributes['kafka.header.seq'], '5');
    assert.equal(typeof first.attributes['kafka.partition'], 'number');
    assert.equal(typeof first.attributes['kafka.offset'], 'number');
    // A partition no message landed on (kcat's partitioner picks at random) has no committed offset (-1).
    const written = [...(await kafka.highWatermarks(topic))].filter(([, high]) => high > 0);
    const committed = await kafka.committed(group, topic);
    assert.deepEqual(written.map(([p]) => [p, committed.get(p)]), written, 'committed offsets are the high watermarks');
  });

  it('json_lines: newline-separated events per message (plain and gzip), each once, positions with their line', async () => {
    const topic = kafka.unique('lines');
    const lines = events('jl', 0, 600);
    const messages = [];
    for (let i = 0; i < lines.length; i += 50) {
      const text = lines.slice(i, i + 50).join('\n') + '\n';
      messages.push({ value: i % 100 === 0 ? zlib.gzipSync(text) : Buffer.from(text) });
    }
    messages.push({ value: Buffer.from(`${events('jl', 600, 601)[0]}\n\nnot json\n`) });
    await kafka.produce(topic, messages);
    const dead = await drain(kafkaReceiver(kafka, [topic], kafka.unique('g'), { encoding: 'json_lines' }));
    assert.equal(exactlyOnce(sink, [...lines, ...events('jl', 600, 601)]), undefined);
    const letters = deadLetters(dead);
    assert.equal(letters.length, 1);
    assert.match(String(letters[0].attributes['error.message'] ?? JSON.stringify(letters[0].attributes)), /JSON/);
    assert.match(JSON.stringify(letters[0].attributes), new RegExp(`kafka:${topic}/\\d@\\d+:3`));
  });

  it('a topic regular expression (^...) picks the matching topics only', async () => {
    const stem = kafka.unique('rx');
    await kafka.produce(`${stem}-a`, events('rxa', 0, 50).map((value) => ({ value })));
    await kafka.produce(`${stem}-b`, events('rxb', 0, 50).map((value) => ({ value })));
    await kafka.produce(`other-${stem}`, events('rxo', 0, 50).map((value) => ({ value })));
    await drain(kafkaReceiver(kafka, [`^${stem}-.*`], kafka.unique('g')));
    assert.equal(exactlyOnce(sink, [...events('rxa', 0, 50), ...events('rxb', 0, 50)]), undefined);
  });
});
