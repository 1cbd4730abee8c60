/** The real CLI in a child process (test registry), for kill -9 and restart tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { delay } from './service';

const RUNNER = path.resolve(__dirname, 'run-pipeline.js');

/** Runs `config` until signalled; its stderr is shown when it fails on its own (TEST_LOG: always). */
export function startChild(config: string, dataDir: string): ChildProcess {
  const child = spawn(process.execPath, [RUNNER, 'run', '-c', config, '--data-dir', dataDir, '--log-level', process.env.TEST_LOG ? 'info' : 'error'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; if (process.env.TEST_LOG) process.stderr.write(d.replace(/^(?=.)/gm, `[${child.pid}] `)); });
  child.on('exit', (code, signal) => { if (signal === null && code !== 0) process.stderr.write(`child exited ${code}: ${err}\n`); });
  return child;
}

export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

/** The resident set of process `pid` in MB, from /proc (0 once it is gone). */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}
