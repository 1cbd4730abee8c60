/**
 * `awss3 (parquet) -> file` against the floor (read + JSON.parse + JSON.stringify of the same
 * lines), in one run: the bench input written by DuckDB as Teleport-shaped Parquet objects
 * (Snappy, six columns, rows of ROW_GROUP), in S3 (s3rver) announced over SQS (fauxqs), both
 * emulators in this process so the measured child's CPU is the pipeline's alone; the same objects
 * in backfill mode; and, for scale, the same events as JSON-lines objects in backfill mode.
 * Usage: node dist/bench/awss3-parquet-file.js [events] [objects] (default 1,000,000 in 10).
 */
import fs from 'node:fs';
import path from 'node:path';
import { awsEmulators, stopAwsEmulators, type ObjectInfo } from '../test/support/aws-emulators';
import { removeTmpDirs } from '../test/support/service';
import { rowOf, writeAuditParquet } from '../test/receivers/awss3/parquet-fixtures';
import { awss3FileConfig, awss3Receivers } from './lib/awss3-config';
import { measureAsync, report } from './lib/measure';
import { benchSetup } from './lib/setup';

const OBJECTS = Number(process.argv[3] ?? 10);
/** Rows per row group; DuckDB writes each as one page (Teleport's writer cuts 256 KiB pages). */
const ROW_GROUP = 8192;

async function main(): Promise<void> {
  const { events, dir, input, floor } = benchSetup(`, in ${OBJECTS} Parquet objects`);
  const lines = fs.readFileSync(input, 'utf8').split('\n').filter((l) => l !== '');
  const aws = await awsEmulators();
  const bucket = aws.unique('teleport-longterm');
  await aws.createBucket(bucket);
  const parquet: ObjectInfo[] = [];
  const per = Math.ceil(lines.length / OBJECTS);
  const slice = path.join(dir, 'awss3-parquet-slice');
  for (let i = 0; i < OBJECTS; i++) {
    const part = lines.slice(i * per, (i + 1) * per);
    await writeAuditParquet(`${slice}.parquet`, part.map(rowOf), ROW_GROUP);
    parquet.push(await aws.putObject(bucket, `events/2026-03-01/part-${String(i).padStart(3, '0')}.parquet`, { file: `${slice}.parquet` }));
    fs.writeFileSync(`${slice}.log`, part.join('\n') + '\n');
    await aws.putObject(bucket, `logs/part-${String(i).padStart(3, '0')}.log`, { file: `${slice}.log` });
  }
  const megabytes = parquet.reduce((n, o) => n + o.size, 0) / 1e6;
  process.stdout.write(`${megabytes.toFixed(0)} MB of Parquet (${fs.statSync(input).size / 1e6 | 0} MB as lines)\n`);
  const queue = await aws.createQueue(aws.unique('bench-parquet'));
  for (const o of parquet) await aws.notify(queue, [o]);
  const receivers = awss3Receivers(aws, queue, bucket);
  const sqs = awss3FileConfig(dir, 'awss3-parquet-sqs-file', receivers.sqs);
  const backfill = awss3FileConfig(dir, 'awss3-parquet-backfill-file', receivers.backfill('events/'));
  const linesBackfill = awss3FileConfig(dir, 'awss3-lines-backfill-file', receivers.backfill('logs/'));
  const results = [
    await measureAsync(`awss3 (parquet, sqs, ${OBJECTS} objects) -> file`, events, ['pipeline', sqs]),
    await measureAsync(`awss3 (parquet, backfill) -> file`, events, ['pipeline', backfill]),
    await measureAsync(`awss3 (lines, backfill) -> file`, events, ['pipeline', linesBackfill]),
  ];
  process.stdout.write(report(floor, results) + '\n');
  for (const ext of ['parquet', 'log']) fs.rmSync(`${slice}.${ext}`, { force: true });
  await stopAwsEmulators();
  removeTmpDirs(); // s3rver's copy of the objects
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
