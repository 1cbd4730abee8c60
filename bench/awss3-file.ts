/**
 * `awss3 -> file` against the floor (read + JSON.parse + JSON.stringify of the same lines), in one
 * run: the bench input split into objects in S3 (s3rver) announced over SQS (fauxqs), both
 * emulators in this process so the measured child's CPU is the pipeline's alone; and the same
 * objects in backfill mode. Usage: node dist/bench/awss3-file.js [events] [objects]
 * (default 1,000,000 events in 10 objects).
 */
import fs from 'node:fs';
import path from 'node:path';
import { awsEmulators, stopAwsEmulators, type ObjectInfo } from '../test/support/aws-emulators';
import { removeTmpDirs } from '../test/support/service';
import { awss3FileConfig, awss3Receivers } from './lib/awss3-config';
import { measureAsync, report } from './lib/measure';
import { benchSetup } from './lib/setup';

const OBJECTS = Number(process.argv[3] ?? 10);

/** Byte ranges of `file` cut at line ends into `n` parts of about the same size. */
function lineRanges(file: string, n: number): [number, number][] {
  const size = fs.statSync(file).size;
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(1 << 16);
  const cuts = [0];
  for (let i = 1; i < n; i++) {
    const at = Math.floor((size * i) / n);
    const got = fs.readSync(fd, buf, 0, buf.length, at);
    const nl = buf.subarray(0, got).indexOf(10);
    if (nl >= 0) cuts.push(at + nl + 1);
  }
  fs.closeSync(fd);
  cuts.push(size);
  return cuts.slice(1).map((end, i) => [cuts[i], end]);
}

async function main(): Promise<void> {
  const { events, dir, input, floor } = benchSetup(`, in ${OBJECTS} objects`);
  const aws = await awsEmulators();
  const bucket = aws.unique('bench');
  await aws.createBucket(bucket);
  const objects: ObjectInfo[] = [];
  for (const [i, [start, end]] of lineRanges(input, OBJECTS).entries()) {
    const slice = path.join(dir, 'awss3-slice.log');
    await new Promise<void>((resolve, reject) => {
      fs.createReadStream(input, { start, end: end - 1 }).pipe(fs.createWriteStream(slice)).on('finish', resolve).on('error', reject);
    });
    objects.push(await aws.putObject(bucket, `logs/part-${String(i).padStart(3, '0')}.log`, { file: slice }));
  }
  const queue = await aws.createQueue(aws.unique('bench'));
  for (const o of objects) await aws.notify(queue, [o]);
  const receivers = awss3Receivers(aws, queue, bucket);
  const sqsConfig = awss3FileConfig(dir, 'awss3-sqs-file', receivers.sqs);
  const backfillConfig = awss3FileConfig(dir, 'awss3-backfill-file', receivers.backfill('logs/'));
  const sqs = await measureAsync(`awss3 (sqs, ${OBJECTS} objects) -> file`, events, ['pipeline', sqsConfig]);
  const backfill = await measureAsync(`awss3 (backfill, ${OBJECTS} objects) -> file`, events, ['pipeline', backfillConfig]);
  process.stdout.write(report(floor, [sqs, backfill]) + '\n');
  fs.rmSync(path.join(dir, 'awss3-slice.log'), { force: true });
  await stopAwsEmulators();
  removeTmpDirs(); // s3rver's copy of the objects
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
