/** Helpers for the kafka tests: Teleport-like events, pipelines against the mock cluster, child processes, what arrived. */
import path from 'node:path';
import type { KafkaMock } from '../../support/kafka-mock';
import type { OtlpSink } from '../../support/otlp-sink';
import { startService, tmpDir } from '../../support/service';

import { events, uidOf } from '../awss3/helpers';

export { deadLetters, events, exactlyOnce, outputLines, uidCounts, uidOf } from '../awss3/helpers';
export { delay, tmpDir } from '../../support/service';
export { exited, startChild, waitFor } from '../../support/child';

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

/**
 * Runs `kafka → otlphttp (the test sink)` with a file dead letter under `--once` until the topics
 * are drained; returns the dead-letter file.
 */
export async function drainToSink(receiver: string, sink: OtlpSink): Promise<string> {
  const dead = path.join(tmpDir(), 'dead.jsonl');
  const service = await startService(`
receivers:
  kafka: ${receiver}
exporters:
  otlphttp: ${JSON.stringify({ endpoint: sink.url, retry_on_failure: { initial_interval: '50ms', max_interval: '200ms' } })}
  file/dead-letter: {path: ${JSON.stringify(dead)}, append: true}
service:
  pipelines:
    logs: {receivers: [kafka], exporters: [otlphttp], dead_letter: [file/dead-letter]}
`, { once: true });
  try {
    await service.drained();
  } finally {
    await service.shutdown(5000);
  }
  return dead;
}
