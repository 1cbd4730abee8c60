/**
 * kill -9 of the real CLI (a child process) in the middle of a Parquet object, with a slow
 * exporter: the message was not deleted, so after a restart SQS redelivers it once its visibility
 * timeout passes, the object is read again from its first row, and every row is in the output at
 * least once.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { awsEmulators } from '../../support/aws-emulators';
import { exited, startChild, waitFor } from '../../support/child';
import { delay, outputLines, slowFilePipelineYaml, tmpDir } from './helpers';
import { rowOf, sampleLines, writeRepeatedAuditParquet } from './parquet-fixtures';

const ROWS = 8000;

/** The `seq` each output line carries (writeRepeatedAuditParquet numbers the rows). */
function seqs(lines: string[]): Set<number> {
  return new Set(lines.map((l) => (JSON.parse(l) as { seq: number }).seq));
}

describe('awss3 receiver: kill -9 mid-Parquet-object', function () {
  this.timeout(60_000);

  it('after a restart every row arrives at least once, and the message is deleted', async () => {
    const aws = await awsEmulators();
    const dir = tmpDir();
    const file = path.join(dir, 'big.parquet');
    await writeRepeatedAuditParquet(file, sampleLines().map(rowOf), ROWS, 2048);
    const bucket = aws.unique('kill9-parquet');
    await aws.createBucket(bucket);
    const queue = await aws.createQueue(aws.unique('kill9-parquet'));
    const object = await aws.putObject(bucket, 'events/2026-03-01/019ca945-0a00-7b4b-afae-eef88e82ab65.parquet', { file });
    await aws.notify(queue, [object]);
    const output = path.join(dir, 'out.jsonl');
    const config = path.join(dir, 'pipeline.yaml');
    fs.writeFileSync(config, slowFilePipelineYaml(aws, queue, output));
    let child = startChild(config, path.join(dir, 'data'));
    // Mid-object: past the first row group, far from the end.
    await waitFor('output from the first run', () => outputLines(output).length >= 2500, 30_000);
    child.kill('SIGKILL');
    await exited(child);
    const beforeRestart = seqs(outputLines(output));
    assert.ok(beforeRestart.size < ROWS, 'killed before the object was read to its end');

    child = startChild(config, path.join(dir, 'data'));
    await waitFor('every row', () => seqs(outputLines(output)).size === ROWS, 40_000);
    let counts = await aws.queueCounts(queue);
    for (let i = 0; i < 50 && counts.inFlight + counts.visible > 0; i++) { await delay(100); counts = await aws.queueCounts(queue); }
    child.kill('SIGTERM');
    await exited(child);
    assert.deepEqual(counts, { visible: 0, inFlight: 0, delayed: 0 }, 'the message deleted after the restart');
    const out = outputLines(output);
    const seen = seqs(out);
    assert.deepEqual(Array.from({ length: ROWS }, (_, i) => i).filter((i) => !seen.has(i)), [], 'rows lost');
    assert.ok(out.length > ROWS, 'the killed run\'s rows were read again (at-least-once)');
    assert.ok(!fs.existsSync(path.join(dir, 'dead.jsonl')) || fs.readFileSync(path.join(dir, 'dead.jsonl'), 'utf8') === '', 'nothing dead-lettered');
  });
});
