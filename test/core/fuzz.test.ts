/**
 * A seeded fuzz run of the default pipelines through the real CLI: every line is either delivered
 * or dead-lettered, in every pipeline, and the process exits cleanly. `bench/fuzz.ts` runs the
 * same for a million lines.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runDefaultPipelines, writeFuzzedLines } from '../support/fuzz';
import { tmpDir } from '../support/service';

const RUNNER = path.resolve(__dirname, '../support/run-pipeline.js');
const LINES = 3000;

describe('fuzzed input through the default pipelines', function () {
  this.timeout(120_000);
  for (const [seed, workers] of [[1, 0], [2, 2]]) {
    it(`seed ${seed}, workers ${workers}: delivered + dead-lettered = lines in every pipeline, exit 0`, () => {
      const dir = tmpDir();
      const log = path.join(dir, 'log', 'fuzz.log');
      fs.mkdirSync(path.dirname(log), { recursive: true });
      writeFuzzedLines(log, seed, LINES);
      const outcome = runDefaultPipelines(RUNNER, dir, log, workers);
      assert.equal(outcome.exitCode, 0, outcome.stderr);
      assert.equal(outcome.internal, 0, 'no component threw (a deep value is kept as text, not a stack overflow)');
      for (const name of ['teleport', 'panther'] as const) {
        const { delivered, deadLettered } = outcome[name];
        assert.equal(delivered + deadLettered, LINES, `${name}: ${delivered} delivered + ${deadLettered} dead-lettered`);
        assert.ok(delivered > LINES / 4, `${name}: most mutations keep a valid event (${delivered})`);
      }
    });
  }
});
