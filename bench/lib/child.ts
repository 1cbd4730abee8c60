/**
 * Runs one measured job in a fresh process and prints `BENCH {json}` with wall time, CPU time and
 * peak RSS. Jobs: `floor <file>` (read + JSON.parse + JSON.stringify in one process), or
 * `pipeline <config.yaml>` (the real CLI with --once, on a data directory of its own: checkpoints
 * left in a shared one by an earlier run would make this one read nothing, or refuse a backfill
 * of another bucket).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { registry } from '../../components';
import { main } from '../../core/cli/main';
import { forEachLineBatch } from './lines';
import { printResult } from './measure';

function floor(file: string): void {
  let bytes = 0;
  forEachLineBatch(file, 1000, (lines) => {
    for (const line of lines) bytes += JSON.stringify(JSON.parse(line)).length;
  });
  if (bytes === 0) throw new Error('floor read nothing');
}

async function run(): Promise<void> {
  const [job, arg] = process.argv.slice(2);
  const started = process.hrtime.bigint();
  let code = 0;
  let dataDir: string | undefined;
  if (job === 'floor') floor(arg);
  else {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'teleport-otel-bench-'));
    code = await main(['run', '-c', arg, '--once', '--no-progress', '--log-level', 'warn', '--data-dir', dataDir], registry);
  }
  if (code === 0) printResult(started);
  if (dataDir !== undefined) fs.rmSync(dataDir, { recursive: true, force: true });
  process.exit(code);
}

void run();
