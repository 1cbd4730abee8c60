/**
 * One big object through the real CLI in a child process, RSS sampled from /proc: what the memory
 * tests of lines and Parquet objects share. With two workers and a 1 s visibility timeout, only the
 * visibility heartbeat keeps a second worker from reading the object again, so a run that reads
 * every record exactly once and takes longer than two timeouts proves the heartbeat.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { awsEmulators } from '../../support/aws-emulators';
import { rssMb } from '../../support/child';
import { tmpDir } from './helpers';

const RUNNER = path.resolve(__dirname, '../../support/run-pipeline.js');
export const RSS_LIMIT_MB = 150;
const VISIBILITY_S = 1;

export interface BigObject {
  /** Writes the object's content to `file`; returns how many records it holds. */
  write(file: string): Promise<number> | number;
  readonly bucketPrefix: string;
  readonly key: string;
  /** How long the run may take before it is killed (a run without heartbeat would not end). */
  readonly deadlineMs: number;
}

/** Reads the object once, asserts exactly-once, the heartbeat and the RSS bound; returns what it measured. */
export async function readBigObjectOnce(o: BigObject): Promise<{ count: number; seconds: number; peakMb: number; megabytes: number }> {
  const aws = await awsEmulators();
  const dir = tmpDir();
  const file = path.join(dir, 'big');
  const count = await o.write(file);
  const megabytes = fs.statSync(file).size / 1e6;
  const bucket = aws.unique(o.bucketPrefix);
  await aws.createBucket(bucket);
  const queue = await aws.createQueue(aws.unique('big'));
  const object = await aws.putObject(bucket, o.key, { file });
  fs.rmSync(file);
  await aws.notify(queue, [object]);
  const config = path.join(dir, 'pipeline.yaml');
  // The test exporter writes raw lines (no encoding) to /dev/null, 4 ms per batch of 1000: the
  // read takes several visibility timeouts without making the test slow.
  fs.writeFileSync(config, `
receivers:
  awss3:
    sqs: {queue_url: ${JSON.stringify(queue)}, endpoint: ${JSON.stringify(aws.sqsEndpoint)}, wait_time: 1s, visibility_timeout: ${VISIBILITY_S}s, workers: 2}
    s3: {endpoint: ${JSON.stringify(aws.s3Endpoint)}, force_path_style: true}
exporters:
  testexporter: {path: /dev/null, fsync: false, delay: 4ms}
service:
  pipelines:
    logs: {receivers: [awss3], exporters: [testexporter]}
`);
  const child = spawn(process.execPath, [RUNNER, 'run', '-c', config, '--once', '--data-dir', dir, '--log-level', 'error'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  let peakMb = 0;
  const sampler = setInterval(() => { peakMb = Math.max(peakMb, rssMb(child.pid!)); }, 25);
  const deadline = setTimeout(() => child.kill('SIGKILL'), o.deadlineMs);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(deadline);
  clearInterval(sampler);
  assert.equal(code, 0, code === null ? 'the run did not end: the object was read again and again' : stderr);
  // Read exactly once: a second worker that got the message would have read it again.
  assert.match(stderr, new RegExp(`read ${count}, exported ${count}, dead-lettered 0`));
  const seconds = Number(/summary after ([\d.]+)s/.exec(stderr)?.[1]);
  assert.ok(seconds > 2 * VISIBILITY_S, `the read took ${seconds}s: not longer than the visibility timeout, so the heartbeat was not exercised`);
  assert.deepEqual(await aws.queueCounts(queue), { visible: 0, inFlight: 0, delayed: 0 });
  assert.ok(peakMb > 0, 'RSS was sampled');
  assert.ok(peakMb < RSS_LIMIT_MB, `peak RSS ${peakMb.toFixed(0)} MB`);
  return { count, seconds, peakMb, megabytes };
}
