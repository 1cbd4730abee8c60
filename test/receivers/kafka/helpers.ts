/** Helpers for the kafka tests: Teleport-like events, pipelines against the mock cluster, child processes, what arrived. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { KafkaMock } from '../../support/kafka-mock';
import { delay } from '../../support/service';

export { deadLetters, exactlyOnce, uidCounts } from '../awss3/helpers';
export { delay, tmpDir } from '../../support/service';

/** Distinct events tagged `tag` (uid `tag-n`). */
export function events(tag: string, from: number, to: number): string[] {
  const out: string[] = [];
  for (let i = from; i < to; i++) {
    out.push(JSON.stringify({ event: 'user.login', code: 'T1000I', time: '2024-02-22T10:00:00.000Z', uid: `${tag}-${i}`, user: 'alice', success: true }));
  }
  return out;
}

export function uidOf(line: string): string {
  return (JSON.parse(line) as { uid: string }).uid;
}

/**
 * The receiver block: mock-cluster timings (the group's first join waits 3 s, later rebalances
 * sessionTimeout - 1 s), a fresh group by default.
 */
export function kafkaReceiver(kafka: KafkaMock, topics: string[], group: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    brokers: [kafka.bootstrap], topics, group_id: group,
    session_timeout: '3s', heartbeat_interval: '500ms', rebalance_timeout: '3s', retry_backoff: '100ms', ...extra,
  });
}

/** kafka → testexporter (a JSONL file of accepted raw lines), dead letters to a file. */
export function fileYaml(receiver: string, output: string, dead: string, exporter: Record<string, unknown> = {}): string {
  return `
receivers:
  kafka: ${receiver}
exporters:
  testexporter: ${JSON.stringify({ path: output, ...exporter })}
  file/dead-letter: {path: ${JSON.stringify(dead)}, append: true}
service:
  pipelines:
    logs: {receivers: [kafka], exporters: [testexporter], dead_letter: [file/dead-letter]}
`;
}

export function outputLines(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : [];
}

const RUNNER = path.resolve(__dirname, '../../support/run-pipeline.js');

/** The real CLI in a child process (test registry), following the stream until signalled. */
export function startChild(config: string, dataDir: string): ChildProcess {
  const child = spawn(process.execPath, [RUNNER, 'run', '-c', config, '--data-dir', dataDir, '--log-level', process.env.TEST_LOG ? 'info' : 'error'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; if (process.env.TEST_LOG) process.stderr.write(d); });
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
    await delay(25);
  }
}

/** Events spread over the 4 partitions explicitly, uid `tag-p<partition>-<n>`, so offsets and uids line up. */
export function perPartition(tag: string, partitions: number, each: number, from = 0): { partition: number; value: string }[] {
  const out: { partition: number; value: string }[] = [];
  for (let p = 0; p < partitions; p++) {
    for (const line of events(`${tag}-p${p}`, from, from + each)) out.push({ partition: p, value: line });
  }
  return out;
}

/** How many distinct uids of partition p the lines hold. */
export function distinctPerPartition(tag: string, lines: string[], partitions: number): number[] {
  const sets = Array.from({ length: partitions }, () => new Set<string>());
  for (const l of lines) {
    const m = new RegExp(`^${tag}-p(\\d+)-`).exec(uidOf(l));
    if (m) sets[Number(m[1])].add(uidOf(l));
  }
  return sets.map((s) => s.size);
}
