/**
 * The awss3 receiver in notification mode, through the real pipeline into a real OTLP sink, with
 * S3 and SQS emulated on loopback and the notifications posted as AWS would post them.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import zlib from 'node:zlib';
import { awsEmulators, type AwsEmulators } from '../../support/aws-emulators';
import { OtlpSink } from '../../support/otlp-sink';
import { startService } from '../../support/service';
import { deadLetters, events, exactlyOnce, pipelineYaml, sqsReceiver, tmpDir } from './helpers';

describe('awss3 receiver: notification mode', function () {
  this.timeout(60_000);
  let aws: AwsEmulators;
  let sink: OtlpSink;

  before(async () => {
    aws = await awsEmulators();
    sink = await OtlpSink.start();
  });
  after(async () => { await sink.close(); });
  beforeEach(() => sink.reset());

  /** Runs the pipeline with --once until the queue is drained; returns the dead-letter file. */
  async function drain(queueUrl: string, receiverExtra: Record<string, unknown> = {}): Promise<string> {
    const dead = path.join(tmpDir(), 'dead.jsonl');
    const service = await startService(pipelineYaml(sqsReceiver(aws, queueUrl, receiverExtra), sink, dead), { once: true });
    try {
      await service.drained();
    } finally {
      await service.shutdown(5000);
    }
    return dead;
  }

  it('reads plain, gzip (by Content-Encoding, by .gz, by magic bytes), odd keys and SNS-wrapped notifications: every event once, every message deleted', async () => {
    const bucket = aws.unique('roundtrip');
    await aws.createBucket(bucket);
    const queue = await aws.createQueue(aws.unique('roundtrip'));
    const plain = events('plain', 0, 1500);
    const byEncoding = events('enc', 0, 700);
    const bySuffix = events('gz', 0, 600);
    const byMagic = events('magic', 0, 300);
    const oddKey = events('odd', 0, 50);
    const sns = events('sns', 0, 40);
    const text = (ls: string[]) => ls.join('\n') + '\n';
    const objects = [
      await aws.putObject(bucket, 'auth1/2024-02-22.log', text(plain)),
      await aws.putObject(bucket, 'auth1/2024-02-23.log', zlib.gzipSync(text(byEncoding)), { contentEncoding: 'gzip', contentType: 'text/plain' }),
      await aws.putObject(bucket, 'auth1/2024-02-24.log.gz', zlib.gzipSync(text(bySuffix))),
      await aws.putObject(bucket, 'auth1/2024-02-25.log', zlib.gzipSync(text(byMagic))),
      await aws.putObject(bucket, 'dir with spaces/a+b c%d.log', text(oddKey).replace(/\n$/, '')), // no final newline
    ];
    const viaSns = await aws.putObject(bucket, 'sns/2024-02-26.log', `\r\n${sns.join('\r\n')}\r\n`);
    await aws.sendTestEvent(queue, bucket);
    await aws.notify(queue, objects.slice(0, 2)); // two records in one message
    await aws.notify(queue, objects.slice(2, 4));
    await aws.notify(queue, [objects[4]]);
    await aws.notify(queue, [viaSns], { sns: true });
    await aws.notify(queue, [objects[0]], { eventName: 'ObjectRemoved:Delete' }); // skipped, deleted
    await aws.notify(queue, [{ bucket, key: 'auth1/never-written.log', size: 10 }]); // NoSuchKey: skipped, deleted
    const dead = await drain(queue, { sqs: { workers: 3 } });
    assert.equal(exactlyOnce(sink, [...plain, ...byEncoding, ...bySuffix, ...byMagic, ...oddKey, ...sns]), undefined);
    assert.deepEqual(await aws.queueCounts(queue), { visible: 0, inFlight: 0, delayed: 0 });
    assert.deepEqual(deadLetters(dead), []);
  });

  it('a malformed line is dead-lettered with s3://bucket/key:line, the rest exported, the message deleted; a message that is no notification is dead-lettered and deleted', async () => {
    const bucket = aws.unique('malformed');
    await aws.createBucket(bucket);
    const queue = await aws.createQueue(aws.unique('malformed'));
    const good = events('m', 0, 5);
    const lines = [good[0], good[1], '{"event":"user.login","uid":', good[2], good[3], good[4]];
    const object = await aws.putObject(bucket, 'logs/bad line.log', lines.join('\n') + '\n');
    await aws.notify(queue, [object]);
    await aws.sendRaw(queue, 'hello, not a notification');
    const dead = await drain(queue);
    assert.equal(exactlyOnce(sink, good), undefined);
    const letters = deadLetters(dead);
    assert.equal(letters.length, 2, JSON.stringify(letters));
    const line = letters.find((d) => d.attributes['error.type'] === 'json_invalid');
    assert.ok(line, 'the malformed line is dead-lettered');
    assert.equal(line.attributes['teleport_otel.source.position'], `s3://${bucket}/logs/bad line.log:3`);
    assert.equal(line.body, lines[2]);
    const note = letters.find((d) => d.attributes['error.type'] === 'notification_invalid');
    assert.ok(note, 'the non-notification is dead-lettered');
    assert.equal(note.body, 'hello, not a notification');
    assert.match(String(note.attributes['error.message']), /^not an S3 event notification: not JSON/);
    assert.match(String(note.attributes['teleport_otel.source.position']), new RegExp(`^${queue.replace(/[.]/g, '\\.')} message `));
    assert.deepEqual(await aws.queueCounts(queue), { visible: 0, inFlight: 0, delayed: 0 });
  });

  it('a corrupt gzip object keeps the lines before the damage and dead-letters the rest; a line over max_log_size is dead-lettered', async () => {
    const bucket = aws.unique('corrupt');
    await aws.createBucket(bucket);
    const queue = await aws.createQueue(aws.unique('corrupt'));
    const lines = events('c', 0, 2000);
    const gz = zlib.gzipSync(lines.join('\n') + '\n');
    const truncated = await aws.putObject(bucket, 'logs/cut.log.gz', gz.subarray(0, Math.floor(gz.length / 2)));
    const long = `{"event":"huge","uid":"huge-0","data":"${'x'.repeat(5000)}"}`;
    const after = events('after-long', 0, 3);
    const withLong = await aws.putObject(bucket, 'logs/long.log', [long, ...after].join('\n') + '\n');
    await aws.notify(queue, [truncated, withLong]);
    const dead = await drain(queue, { max_log_size: '4KiB' });
    const counts = [...sink.records].map((r) => String(r.attributes['log.record.uid']));
    const inflated = counts.filter((u) => u.startsWith('c-'));
    assert.ok(inflated.length > 0 && inflated.length < lines.length, `${inflated.length} lines before the damage`);
    assert.deepEqual(inflated, lines.slice(0, inflated.length).map((l) => JSON.parse(l).uid), 'the lines before the damage, in order');
    assert.deepEqual(counts.filter((u) => u.startsWith('after-long')), after.map((l) => JSON.parse(l).uid));
    const letters = deadLetters(dead);
    const codes = letters.map((d) => d.attributes['error.type']).sort();
    assert.ok(codes.includes('decompress_failed') && codes.includes('line_too_long'), JSON.stringify(codes));
    const cut = letters.find((d) => d.attributes['error.type'] === 'decompress_failed')!;
    assert.match(String(cut.attributes['teleport_otel.source.position']), new RegExp(`^s3://${bucket}/logs/cut\\.log\\.gz:\\d+$`));
    assert.match(String(cut.attributes['error.message']), /gzip data is truncated or corrupt after line \d+/);
    const tooLong = letters.find((d) => d.attributes['error.type'] === 'line_too_long')!;
    assert.equal(tooLong.attributes['teleport_otel.source.position'], `s3://${bucket}/logs/long.log:1`);
    assert.deepEqual(await aws.queueCounts(queue), { visible: 0, inFlight: 0, delayed: 0 });
  });

  it('holds at most `workers` messages in flight', async () => {
    const bucket = aws.unique('workers');
    await aws.createBucket(bucket);
    const queue = await aws.createQueue(aws.unique('workers'));
    const all: string[] = [];
    for (let i = 0; i < 6; i++) {
      const ls = events(`w${i}`, 0, 200);
      all.push(...ls);
      await aws.notify(queue, [await aws.putObject(bucket, `logs/${i}.log`, ls.join('\n') + '\n')]);
    }
    sink.delayMs = 100;
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, (await aws.queueCounts(queue)).inFlight);
        await new Promise((r) => setTimeout(r, 30));
      }
    })();
    await drain(queue, { sqs: { workers: 2, max_messages: 10 }, max_batch_size: 50 });
    sampling = false;
    await sampler;
    assert.equal(exactlyOnce(sink, all), undefined);
    assert.equal(peak, 2, `peak of messages in flight: ${peak}`);
  });
});
