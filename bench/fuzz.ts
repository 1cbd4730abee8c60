/**
 * The fuzz test at scale: a million mutated lines (test/support/fuzz.ts) through the two default
 * pipelines with the real CLI; prints, per pipeline, delivered + dead-lettered against the lines,
 * the dead letters coded `internal` (a component that threw), and the run's time.
 * Usage: node dist/bench/fuzz.js [lines] [workers]   (default 1,000,000 and 0).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runDefaultPipelines, writeFuzzedLines } from '../test/support/fuzz';

const lines = Number(process.argv[2] ?? 1_000_000);
const workers = Number(process.argv[3] ?? 0);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'teleport-otel-fuzz-'));
const log = path.join(dir, 'log', 'fuzz.log');
fs.mkdirSync(path.dirname(log), { recursive: true });
writeFuzzedLines(log, 20261206, lines);
const runner = path.join(__dirname, '..', 'test', 'support', 'run-pipeline.js');
const started = Date.now();
const outcome = runDefaultPipelines(runner, dir, log, workers);
const seconds = (Date.now() - started) / 1000;
const sound = (p: { delivered: number; deadLettered: number }) => p.delivered + p.deadLettered === lines;
process.stdout.write(`${JSON.stringify({
  lines, workers, megabytes: Math.round(fs.statSync(log).size / 2 ** 20), seconds, exitCode: outcome.exitCode,
  teleport: outcome.teleport, panther: outcome.panther, internal: outcome.internal,
  sound: outcome.exitCode === 0 && sound(outcome.teleport) && sound(outcome.panther) && outcome.internal === 0,
})}\n`);
if (outcome.exitCode !== 0) process.stderr.write(outcome.stderr.slice(-2000));
fs.rmSync(dir, { recursive: true, force: true });
