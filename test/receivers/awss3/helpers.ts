/** Helpers for the awss3 tests: Teleport-like lines, pipelines against the emulators, what arrived. */
import fs from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../../core/config/load';
import { UserError } from '../../../core/errors';
import type { AwsEmulators } from '../../support/aws-emulators';
import { completeLines } from '../../support/output-file';
import { testRegistry } from '../../support/test-registry';
import { decode, type OtlpSink } from '../../support/otlp-sink';

export { delay, tmpDir } from '../../support/service';

/** Lines of distinct events tagged `tag` (their uid is `tag-n`). */
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

/** Receiver block for notification mode against the emulators. */
export function sqsReceiver(aws: AwsEmulators, queueUrl: string, extra: Record<string, unknown> = {}): string {
  const { sqs, ...rest } = extra as { sqs?: Record<string, unknown> };
  return JSON.stringify({
    sqs: { queue_url: queueUrl, endpoint: aws.sqsEndpoint, wait_time: '1s', visibility_timeout: '5s', ...sqs },
    s3: { endpoint: aws.s3Endpoint, force_path_style: true },
    ...rest,
  });
}

/** awss3 → otlphttp (the sink), dead letters to `dead`: a pipeline.yaml text. */
export function pipelineYaml(receiver: string, sink: OtlpSink, dead: string, otlp: Record<string, unknown> = {}): string {
  return `
receivers:
  awss3: ${receiver}
exporters:
  otlphttp: ${JSON.stringify({ endpoint: sink.url, retry_on_failure: { initial_interval: '50ms', max_interval: '200ms' }, ...otlp })}
  file/dead-letter: {path: ${JSON.stringify(dead)}, append: true}
service:
  pipelines:
    logs: {receivers: [awss3], exporters: [otlphttp], dead_letter: [file/dead-letter]}
`;
}

/**
 * awss3 (two workers, 3 s visibility, batches of 100) → the test exporter writing raw lines to
 * `output` 20 ms a batch, dead letters beside it: a slow pipeline a kill -9 can interrupt mid-object.
 */
export function slowFilePipelineYaml(aws: AwsEmulators, queueUrl: string, output: string): string {
  return `
receivers:
  awss3: ${sqsReceiver(aws, queueUrl, { sqs: { visibility_timeout: '3s', workers: 2 }, max_batch_size: 100 })}
exporters:
  testexporter: {path: ${JSON.stringify(output)}, delay: 20ms}
  file/dead-letter: {path: ${JSON.stringify(path.join(path.dirname(output), 'dead.jsonl'))}, append: true}
service:
  pipelines:
    logs: {receivers: [awss3], exporters: [testexporter], dead_letter: [file/dead-letter]}
`;
}

/** The complete lines of an output file (a child may be writing it). */
export const outputLines = completeLines;

/** How many times each uid reached the sink. */
export function uidCounts(sink: OtlpSink): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of sink.records) {
    const uid = String(r.attributes['log.record.uid']);
    counts.set(uid, (counts.get(uid) ?? 0) + 1);
  }
  return counts;
}

/** Every expected uid exactly once and nothing else; a description of the difference otherwise. */
export function exactlyOnce(sink: OtlpSink, lines: string[]): string | undefined {
  const counts = uidCounts(sink);
  const want = lines.map(uidOf);
  const missing = want.filter((u) => !counts.has(u));
  const twice = [...counts].filter(([, n]) => n > 1).map(([u]) => u);
  const extra = [...counts.keys()].filter((u) => !want.includes(u));
  if (missing.length + twice.length + extra.length === 0) return undefined;
  return `missing ${missing.length} (${missing.slice(0, 3).join(' ')}), twice ${twice.length} (${twice.slice(0, 3).join(' ')}), unexpected ${extra.length} (${extra.slice(0, 3).join(' ')})`;
}

/** The dead letters the file exporter wrote: each one's body and attributes. */
export function deadLetters(file: string): { body: unknown; attributes: Record<string, unknown> }[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '')
    .flatMap((l) => decode(Buffer.from(l), false)).map((r) => ({ body: r.body, attributes: r.attributes }));
}

/** The config error lines of an awss3 receiver block (YAML flow style), none when it is valid. */
export function receiverConfigErrors(receiver: string): string[] {
  const yaml = `receivers:\n  awss3: ${receiver}\nexporters:\n  debug: {}\nservice:\n  pipelines:\n    logs: {receivers: [awss3], exporters: [debug]}\n`;
  try {
    parseConfig(yaml, 'p.yaml', testRegistry, {});
    return [];
  } catch (err) {
    if (err instanceof UserError) return err.lines;
    throw err;
  }
}
