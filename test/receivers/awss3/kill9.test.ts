/**
 * kill -9 of the real CLI (a child process) in the middle of an object, with a slow exporter:
 * the message was not deleted, so after a restart SQS redelivers it once its visibility timeout
 * passes, and every event is in the output at least once.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { awsEmulators } from '../../support/aws-emulators';
import { delay, events, outputLines, slowFilePipelineYaml, tmpDir } from './helpers';
import { exited, startChild, waitFor } from '../../support/child';

describe('awss3 receiver: kill -9 mid-object', function () {
  this.timeout(60_000);

  it('after a restart every event arrives at least once, and the messages are deleted', async () => {
    const aws = await awsEmulators();
    const bucket = aws.unique('kill9');
    await aws.createBucket(bucket);
    const queue = await aws.createQueue(aws.unique('kill9'));
    const big = events('big', 0, 6000);
    const small = events('small', 0, 300);
    const objects = [
      await aws.putObject(bucket, 'logs/big.log', big.join('\n') + '\n'),
      await aws.putObject(bucket, 'logs/small.log', small.join('\n') + '\n'),
    ];
    await aws.notify(queue, [objects[0]]);
    await aws.notify(queue, [objects[1]]);
    const dir = tmpDir();
    const output = path.join(dir, 'out.jsonl');
    const config = path.join(dir, 'pipeline.yaml');
    fs.writeFileSync(config, slowFilePipelineYaml(aws, queue, output));
    let child = startChild(config, path.join(dir, 'data'));
    // Mid-object: some of the big object exported, far from all of it.
    await waitFor('output from the first run', () => outputLines(output).filter((l) => l.includes('"big-')).length >= 500, 20_000);
    child.kill('SIGKILL');
    await exited(child);
    const beforeRestart = new Set(outputLines(output));
    assert.ok(big.some((l) => !beforeRestart.has(l)), 'killed before the big object was read to its end');

    child = startChild(config, path.join(dir, 'data'));
    const expected = [...big, ...small];
    await waitFor('every event', () => { const seen = new Set(outputLines(output)); return expected.every((l) => seen.has(l)); }, 30_000);
    let counts = await aws.queueCounts(queue);
    for (let i = 0; i < 50 && counts.inFlight + counts.visible > 0; i++) { await delay(100); counts = await aws.queueCounts(queue); }
    child.kill('SIGTERM');
    await exited(child);
    assert.deepEqual(counts, { visible: 0, inFlight: 0, delayed: 0 }, 'both messages deleted after the restart');
    const out = outputLines(output);
    const seen = new Set(out);
    assert.deepEqual(expected.filter((l) => !seen.has(l)), [], 'events lost');
    assert.equal(seen.size, expected.length, 'nothing but the expected events');
    assert.ok(out.length > expected.length, 'the killed run\'s part of the big object was read again (at-least-once)');
  });
});
