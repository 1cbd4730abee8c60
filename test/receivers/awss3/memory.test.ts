/**
 * A 200 MB object through the real CLI (a child process, RSS sampled from /proc): memory stays
 * bounded while it is streamed, and its message stays hidden the whole time (visibility
 * heartbeat), so with two workers and a 1 s visibility timeout no second worker reads it: the
 * run reads each line exactly once. AWSS3_MEMORY_MB changes the size.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sampleEvents } from '../../../bench/lib/generate';
import { awsEmulators } from '../../support/aws-emulators';
import { rssMb } from '../../support/child';
import { tmpDir } from './helpers';

const RUNNER = path.resolve(__dirname, '../../support/run-pipeline.js');
const MEGABYTES = Number(process.env.AWSS3_MEMORY_MB ?? 200);
const RSS_LIMIT_MB = 150;
const VISIBILITY_S = 1;

/** Writes about `mb` megabytes of sample events, chunk by chunk; returns the line count. */
function writeFile(file: string, mb: number): number {
  const events = sampleEvents().map((e) => JSON.stringify(e));
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  let n = 0;
  while (bytes < mb * 1e6) {
    const chunk: string[] = [];
    for (let i = 0; i < 10_000; i++) chunk.push(events[(n + i) % events.length].replace('{', `{"seq":${n + i},`));
    const text = chunk.join('\n') + '\n';
    fs.writeSync(fd, text);
    bytes += Buffer.byteLength(text);
    n += chunk.length;
  }
  fs.closeSync(fd);
  return n;
}

describe('awss3 receiver: a big object', function () {
  this.timeout(300_000);

  it(`streams a ${MEGABYTES} MB object with RSS under ${RSS_LIMIT_MB} MB, its visibility extended so no second worker reads it`, async function () {
    if (!fs.existsSync('/proc/self/status')) this.skip();
    const aws = await awsEmulators();
    const dir = tmpDir();
    const file = path.join(dir, 'big.log');
    const count = writeFile(file, MEGABYTES);
    const bucket = aws.unique('big');
    await aws.createBucket(bucket);
    const queue = await aws.createQueue(aws.unique('big'));
    const object = await aws.putObject(bucket, 'logs/big.log', { file });
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
    let peak = 0;
    const sampler = setInterval(() => { peak = Math.max(peak, rssMb(child.pid!)); }, 25);
    // Read again and again (no heartbeat), a run would not end: fail instead of hanging.
    const deadline = setTimeout(() => child.kill('SIGKILL'), 90_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearTimeout(deadline);
    clearInterval(sampler);
    assert.equal(code, 0, code === null ? 'the run did not end: the object was read again and again' : stderr);
    // Read exactly once: a second worker that got the message would have read it again.
    assert.match(stderr, new RegExp(`read ${count}, exported ${count}, dead-lettered 0`));
    const seconds = Number(/summary after ([\d.]+)s/.exec(stderr)?.[1]);
    // Without the heartbeat, the second worker would receive the message after one timeout.
    assert.ok(seconds > 2 * VISIBILITY_S, `the read took ${seconds}s: not longer than the visibility timeout, so the heartbeat was not exercised`);
    assert.deepEqual(await aws.queueCounts(queue), { visible: 0, inFlight: 0, delayed: 0 });
    assert.ok(peak > 0, 'RSS was sampled');
    assert.ok(peak < RSS_LIMIT_MB, `peak RSS ${peak.toFixed(0)} MB`);
    process.stdout.write(`      ${count} lines in ${seconds}s, peak RSS ${peak.toFixed(0)} MB\n`);
  });
});
