/**
 * kill -9 of a real child process in the middle of writing: under `logs/` there are only complete
 * `.json.gz` files, each passing `gzip -t`; the next start completes what the killed run staged.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { STAGING_DIR } from '../../../exporters/panther/staging';
import { fixtureLines } from '../../processors/schema/helpers';
import { tmpDir } from '../../support/service';
import { FILE_NAME, linesOf, listFiles, published } from './helpers';

const RUNNER = path.resolve(__dirname, '../../support/run-pipeline.js');

function config(dir: string, lines: string[]): string {
  const file = path.join(tmpDir(), 'pipeline.yaml');
  fs.writeFileSync(file, `
receivers:
  testreceiver: {lines: ${JSON.stringify(lines)}, batch_size: 20, concurrency: 4}
processors:
  schema: {}
  indicators: {}
exporters:
  panther: {directory: ${JSON.stringify(dir)}, max_file_size: 8KiB, max_file_age: 100ms}
  file/dead: {path: ${JSON.stringify(path.join(dir, '..', 'dead.jsonl'))}, append: true}
service:
  pipelines:
    logs: {receivers: [testreceiver], processors: [schema, indicators], exporters: [panther], dead_letter: [file/dead]}
`);
  return file;
}

function assertOnlyCompleteFiles(dir: string): number {
  const files = published(dir);
  for (const f of files) {
    assert.match(f.split(path.sep).join('/'), FILE_NAME, `only final names under logs/: ${f}`);
    execFileSync('gzip', ['-t', path.join(dir, f)]); // throws on a partial or corrupt file
  }
  return files.length;
}

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting for the child to write');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('panther exporter: kill -9 during a flush', function () {
  this.timeout(60_000);

  it('leaves only complete .json.gz files, all gzip -t clean, and the next start publishes what was staged', async () => {
    const dir = path.join(tmpDir(), 'panther');
    const samples = fixtureLines('teleport-samples.jsonl');
    // Many lines, spread over many hours by the samples' own times: lots of small files and renames.
    const lines = Array.from({ length: 6000 }, (_, i) => samples[i % samples.length]);
    const cfg = config(dir, lines);
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, [RUNNER, 'run', '-c', cfg], { stdio: 'ignore' });
      const exited = new Promise((r) => child.once('exit', r));
      const before = published(dir).length;
      await waitFor(() => published(dir).length > before, 20_000);
      await new Promise((r) => setTimeout(r, 10 + round * 40));
      child.kill('SIGKILL');
      await exited;
      assert.ok(assertOnlyCompleteFiles(dir) > 0);
    }
    const staged = listFiles(path.join(dir, STAGING_DIR)).length;
    // A run with nothing to read only recovers: every staged file becomes a published one.
    const before = published(dir).length;
    execFileSync(process.execPath, [RUNNER, 'run', '-c', config(dir, []), '--once'], { stdio: 'ignore' });
    assert.deepEqual(listFiles(path.join(dir, STAGING_DIR)), []);
    assert.ok(published(dir).length <= before + staged && published(dir).length >= before);
    assertOnlyCompleteFiles(dir);
    for (const f of published(dir)) for (const l of linesOf(path.join(dir, f))) JSON.parse(l);
  });
});
