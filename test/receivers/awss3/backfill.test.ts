/**
 * Backfill mode: list a prefix, read every object once in key order, checkpoint by key in
 * `storage`, end under --once, and resume after the checkpoint on the next start.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { awsEmulators, type AwsEmulators } from '../../support/aws-emulators';
import { OtlpSink } from '../../support/otlp-sink';
import { startService } from '../../support/service';
import { deadLetters, events, exactlyOnce, pipelineYaml, tmpDir } from './helpers';

describe('awss3 receiver: backfill mode', function () {
  this.timeout(60_000);
  let aws: AwsEmulators;
  let sink: OtlpSink;

  before(async () => {
    aws = await awsEmulators();
    sink = await OtlpSink.start();
  });
  after(async () => { await sink.close(); });
  beforeEach(() => sink.reset());

  function receiver(bucket: string, storage: string | undefined, extra: Record<string, unknown> = {}): string {
    return JSON.stringify({
      s3: { endpoint: aws.s3Endpoint, force_path_style: true, bucket, prefix: 'logs/', max_concurrent_objects: 3, ...extra },
      storage,
      max_batch_size: 100,
    });
  }

  async function run(yaml: string): Promise<void> {
    const service = await startService(yaml, { once: true });
    try {
      await service.drained();
    } finally {
      await service.shutdown(5000);
    }
  }

  it('without storage, checkpoints under <data-dir>/<receiver id>/: a second run with the same data directory reads only new keys', async () => {
    const bucket = aws.unique('datadir');
    await aws.createBucket(bucket);
    const dataDir = tmpDir();
    const dead = path.join(tmpDir(), 'dead.jsonl');
    const first = events('first', 0, 40);
    await aws.putObject(bucket, 'logs/a.log', first.join('\n') + '\n');
    const yaml = pipelineYaml(receiver(bucket, undefined), sink, dead);
    const runIn = async () => {
      const service = await startService(yaml, { once: true, dataDir });
      try { await service.drained(); } finally { await service.shutdown(5000); }
    };
    await runIn();
    assert.equal(exactlyOnce(sink, first), undefined);
    assert.equal(JSON.parse(fs.readFileSync(path.join(dataDir, 'awss3', 'awss3.checkpoint.json'), 'utf8')).after, 'logs/a.log');
    sink.reset();
    const second = events('second', 0, 10);
    await aws.putObject(bucket, 'logs/b.log', second.join('\n') + '\n');
    await runIn();
    assert.equal(exactlyOnce(sink, second), undefined, 'logs/a.log is not read again');
  });

  it('reads the prefix once after start_after, checkpoints the last key, and a second run reads only keys after it', async () => {
    const bucket = aws.unique('backfill');
    await aws.createBucket(bucket);
    const dir = tmpDir();
    const storage = path.join(dir, 'state');
    const dead = path.join(dir, 'dead.jsonl');
    const byKey: Record<string, string[]> = {};
    const put = async (key: string, n: number, gzip = false) => {
      byKey[key] = events(key, 0, n);
      const text = byKey[key].join('\n') + '\n';
      await aws.putObject(bucket, key, gzip ? zlib.gzipSync(text) : text);
    };
    await put('logs/2024-02-20.log', 50); // before start_after
    await put('logs/2024-02-21.log', 250);
    await put('logs/2024-02-22.log.gz', 400, true);
    await put('logs/auth2/2024-02-22.log', 120);
    await put('other/2024-02-22.log', 30); // outside the prefix
    const yaml = pipelineYaml(receiver(bucket, storage, { start_after: 'logs/2024-02-20.log' }), sink, dead);
    await run(yaml);
    assert.equal(exactlyOnce(sink, [...byKey['logs/2024-02-21.log'], ...byKey['logs/2024-02-22.log.gz'], ...byKey['logs/auth2/2024-02-22.log']]), undefined);
    const checkpoint = JSON.parse(fs.readFileSync(path.join(storage, 'awss3.checkpoint.json'), 'utf8'));
    assert.deepEqual(checkpoint, { version: 1, bucket, prefix: 'logs/', after: 'logs/auth2/2024-02-22.log' });

    // New objects: keys after the checkpoint are read, nothing before it again.
    sink.reset();
    await put('logs/auth2/2024-02-23.log', 80);
    await put('logs/zz-2024-02-24.log', 10);
    await run(yaml);
    assert.equal(exactlyOnce(sink, [...byKey['logs/auth2/2024-02-23.log'], ...byKey['logs/zz-2024-02-24.log']]), undefined);
    assert.equal(JSON.parse(fs.readFileSync(path.join(storage, 'awss3.checkpoint.json'), 'utf8')).after, 'logs/zz-2024-02-24.log');
    assert.deepEqual(deadLetters(dead), []);

    // The same storage for another prefix is refused with one line, not silently reused.
    const other = pipelineYaml(receiver(bucket, storage, { prefix: 'other/' }), sink, dead);
    await assert.rejects(startService(other, { once: true }).then((s) => s.drained().finally(() => s.shutdown(1000))),
      (err: Error) => /checkpoint of s3:\/\/.+\/logs\/, not s3:\/\/.+\/other\/; move it away to start over$/.test(err.message));
  });

  it('a bucket that does not exist ends the run with one line naming it', async () => {
    const yaml = pipelineYaml(receiver(aws.unique('nobucket'), path.join(tmpDir(), 'state')), sink, path.join(tmpDir(), 'dead.jsonl'));
    const service = await startService(yaml, { once: true });
    try {
      await assert.rejects(service.drained(), /^LocatedError: receivers\.awss3\.s3\.bucket: s3:\/\/nobucket-\d+-\d+\/logs\/: ListObjectsV2 failed: NoSuchBucket.*\(HTTP 404\)$/);
    } finally {
      await service.shutdown(1000);
    }
  });
});
