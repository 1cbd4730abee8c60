/**
 * A one-million-row Parquet object through the real CLI in a child process, RSS sampled from
 * /proc: memory is bounded by a page (here a row group: DuckDB writes one page per column chunk,
 * where Teleport's writer cuts 256 KiB pages), not by the object, and the message stays hidden the whole read (visibility heartbeat), so with two workers
 * and a 1 s visibility timeout no second worker reads it: every row is read exactly once.
 * AWSS3_PARQUET_ROWS changes the size.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { awsEmulators } from '../../support/aws-emulators';
import { rssMb } from '../../support/child';
import { tmpDir } from './helpers';
import { rowOf, sampleLines, writeRepeatedAuditParquet } from './parquet-fixtures';

const RUNNER = path.resolve(__dirname, '../../support/run-pipeline.js');
const ROWS = Number(process.env.AWSS3_PARQUET_ROWS ?? 1_000_000);
const RSS_LIMIT_MB = 150;
const VISIBILITY_S = 1;
/**
 * About 1.6 MB of event_data per row group, in one page: still bigger than the 256 KiB pages of
 * Teleport's writer (parquet-go's default), which is what bounds memory.
 */
const ROW_GROUP = 4096;

describe('awss3 receiver: a big Parquet object', function () {
  this.timeout(300_000);

  it(`streams ${ROWS.toLocaleString('en-US')} rows with RSS under ${RSS_LIMIT_MB} MB, its visibility extended so no second worker reads it`, async function () {
    if (!fs.existsSync('/proc/self/status')) this.skip();
    const aws = await awsEmulators();
    const dir = tmpDir();
    const file = path.join(dir, 'big.parquet');
    await writeRepeatedAuditParquet(file, sampleLines().map(rowOf), ROWS, ROW_GROUP);
    const megabytes = fs.statSync(file).size / 1e6;
    const bucket = aws.unique('teleport-longterm');
    await aws.createBucket(bucket);
    const queue = await aws.createQueue(aws.unique('big-parquet'));
    const object = await aws.putObject(bucket, 'events/2026-03-01/019ca945-0a00-7b4b-afae-eef88e82ab65.parquet', { file });
    fs.rmSync(file);
    await aws.notify(queue, [object]);
    const config = path.join(dir, 'pipeline.yaml');
    // The test exporter writes raw lines to /dev/null, 4 ms per batch of 1000: the read takes
    // several visibility timeouts without making the test slow.
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
    let peak = 0;
    const sampler = setInterval(() => { peak = Math.max(peak, rssMb(child.pid!)); }, 25);
    // Read again and again (no heartbeat), a run would not end: fail instead of hanging.
    const deadline = setTimeout(() => child.kill('SIGKILL'), 180_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearTimeout(deadline);
    clearInterval(sampler);
    assert.equal(code, 0, code === null ? 'the run did not end: the object was read again and again' : stderr);
    // Read exactly once: a second worker that got the message would have read it again.
    assert.match(stderr, new RegExp(`read ${ROWS}, exported ${ROWS}, dead-lettered 0`));
    const seconds = Number(/summary after ([\d.]+)s/.exec(stderr)?.[1]);
    assert.ok(seconds > 2 * VISIBILITY_S, `the read took ${seconds}s: not longer than the visibility timeout, so the heartbeat was not exercised`);
    assert.deepEqual(await aws.queueCounts(queue), { visible: 0, inFlight: 0, delayed: 0 });
    assert.ok(peak > 0, 'RSS was sampled');
    assert.ok(peak < RSS_LIMIT_MB, `peak RSS ${peak.toFixed(0)} MB`);
    process.stdout.write(`      ${ROWS} rows (${megabytes.toFixed(0)} MB of Parquet) in ${seconds}s, peak RSS ${peak.toFixed(0)} MB\n`);
  });
});
