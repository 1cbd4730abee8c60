/**
 * kill -9 of a real child process (the CLI with the test registry) at random moments while lines
 * are appended and the exporter is slow. After restarts: every line is in the output at least
 * once, no run re-reads below the checkpoint it started from, and the only duplicates are lines
 * past the checkpoint at a kill (in flight, or acknowledged while their checkpoint was being written).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { delay, lines, tmpDir, waitFor } from './helpers';
import { exited, startChild } from '../../support/child';
import { completeLines } from '../../support/output-file';

const BATCH = 50;
const IN_FLIGHT = 2;


function checkpointOffset(storage: string): number {
  const file = path.join(storage, 'filelog.checkpoints.json');
  if (!fs.existsSync(file)) return 0;
  const files = JSON.parse(fs.readFileSync(file, 'utf8')).files as { offset: number }[];
  return files.length === 0 ? 0 : files[0].offset;
}



describe('filelog receiver: kill -9 while appending with a slow exporter', function () {
  this.timeout(60_000);

  it('loses nothing, and duplicates only what was past the checkpoint at each kill', async () => {
    const dir = tmpDir();
    const input = path.join(dir, 'log', 'x.log');
    const output = path.join(dir, 'out.jsonl');
    const storage = path.join(dir, 'state');
    fs.mkdirSync(path.dirname(input));
    const config = path.join(dir, 'pipeline.yaml');
    fs.writeFileSync(config, `
receivers:
  filelog:
    include: [${JSON.stringify(path.join(dir, 'log', '*.log'))}]
    storage: ${JSON.stringify(storage)}
    poll_interval: 20ms
    max_batch_size: ${BATCH}
    max_batches_in_flight: ${IN_FLIGHT}
exporters:
  testexporter: {path: ${JSON.stringify(output)}, delay: 15ms}
  file/dead-letter: {path: ${JSON.stringify(path.join(dir, 'dead.jsonl'))}, append: true}
service:
  pipelines:
    logs: {receivers: [filelog], exporters: [testexporter], dead_letter: [file/dead-letter]}
`);
    // The writer: distinct lines, appended continuously; it knows each line's byte offset.
    const offsetOf = new Map<string, number>();
    let size = 0;
    let written = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        const batch = lines('k', written, written + 20);
        for (const l of batch) { offsetOf.set(l, size); size += Buffer.byteLength(l) + 1; }
        fs.appendFileSync(input, batch.join('\n') + '\n');
        written += batch.length;
        await delay(8);
      }
    })();

    const segments: { startCheckpoint: number; lines: string[]; endCheckpoint: number }[] = [];
    let startCheckpoint = 0;
    const kills = 4;
    for (let k = 0; k < kills; k++) {
      const child = startChild(config, path.join(dir, 'data'));
      const before = completeLines(output).length;
      // Wait until this run has exported something, then kill at a random moment.
      await waitFor('output from the child', () => completeLines(output).length > before + BATCH, 20_000);
      await delay(50 + Math.floor(Math.random() * 400));
      child.kill('SIGKILL');
      await exited(child);
      const all = completeLines(output);
      const endCheckpoint = checkpointOffset(storage);
      segments.push({ startCheckpoint, lines: all.slice(before), endCheckpoint });
      startCheckpoint = endCheckpoint;
    }
    writing = false;
    await writer;
    // A last run reads to the end; SIGTERM drains and checkpoints.
    const child = startChild(config, path.join(dir, 'data'));
    const before = completeLines(output).length;
    const expected = lines('k', 0, written);
    await waitFor('every line', () => new Set(completeLines(output)).size >= expected.length, 30_000);
    child.kill('SIGTERM');
    await exited(child);
    segments.push({ startCheckpoint, lines: completeLines(output).slice(before), endCheckpoint: checkpointOffset(storage) });

    const out = completeLines(output);
    const seen = new Set(out);
    assert.deepEqual(expected.filter((l) => !seen.has(l)), [], 'lines lost');
    assert.equal(seen.size, expected.length, 'unexpected lines in the output');
    assert.equal(segments[segments.length - 1].endCheckpoint, size, 'final checkpoint is the end of the file');
    let duplicates = 0;
    for (const [i, s] of segments.entries()) {
      assert.equal(new Set(s.lines).size, s.lines.length, `run ${i} exported a line twice`);
      const below = s.lines.filter((l) => offsetOf.get(l)! < s.startCheckpoint);
      assert.deepEqual(below, [], `run ${i} re-read lines below the checkpoint it started from`);
      if (i === segments.length - 1) continue;
      // What the next run will read again: lines this run exported past the checkpoint at the kill.
      const past = s.lines.filter((l) => offsetOf.get(l)! >= s.endCheckpoint);
      assert.ok(past.length <= 2 * IN_FLIGHT * BATCH, `run ${i}: ${past.length} lines exported past the checkpoint at the kill`);
      duplicates += past.length;
    }
    assert.equal(out.length - expected.length, duplicates, 'duplicates are exactly the lines past a checkpoint at a kill');
  });
});
