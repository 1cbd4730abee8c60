/** Shared pieces of the otlphttp tests: sample input, pipeline YAML, and reading results. */
import fs from 'node:fs';
import path from 'node:path';
import { registry } from '../../../components';
import type { Service } from '../../../core/pipeline/service';
import { attributes, type OtlpSink } from '../../support/otlp-sink';
import { tmpDir } from '../../support/service';

export const SAMPLE_DIR = path.resolve('examples/teleport-log');

/** The bundled sample audit log files (one folder per auth server), sorted. */
export function sampleFiles(): string[] {
  const out: string[] = [];
  for (const dir of fs.readdirSync(SAMPLE_DIR).sort()) {
    const sub = path.join(SAMPLE_DIR, dir);
    if (!fs.statSync(sub).isDirectory()) continue;
    for (const f of fs.readdirSync(sub).sort()) if (f.endsWith('.log')) out.push(path.join(sub, f));
  }
  return out;
}

export function sampleLines(): string[] {
  return sampleFiles().flatMap((f) => fs.readFileSync(f, 'utf8').split('\n').filter((l) => l !== ''));
}

/** Lines that are JSON objects: the ones that can reach an exporter. */
export function parsedSamples(): { raw: string; event: Record<string, unknown> }[] {
  const out: { raw: string; event: Record<string, unknown> }[] = [];
  for (const raw of sampleLines()) {
    try {
      const event = JSON.parse(raw) as unknown;
      if (event && typeof event === 'object' && !Array.isArray(event)) out.push({ raw, event: event as Record<string, unknown> });
    } catch { /* malformed on purpose: dead-lettered upstream */ }
  }
  return out;
}

/** Synthetic events with unique uids, for fault tests that count deliveries. */
export function syntheticLines(n: number, tag = 'x'): string[] {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(JSON.stringify({
      event: 'user.login', code: 'T1000I', time: `2024-02-23T10:00:${String(i % 60).padStart(2, '0')}.123456789Z`,
      uid: `${tag}-${i}`, user: `alice${i % 7}`, success: true, cluster_name: 'test-cluster',
      addr: { remote: `10.0.${i % 250}.1:3022` },
    }));
  }
  return lines;
}

export function registered(type: string): boolean {
  return registry.all().some((f) => f.type === type);
}

/** The processors, those already registered, in pipeline order. */
export function availableProcessors(): string[] {
  return ['schema', 'indicators', 'ecs'].filter(registered);
}

export const yamlList = (items: string[]) => `[${items.map((s) => JSON.stringify(s)).join(', ')}]`;

/** A receiver block: `filelog` over files when it is registered, else the test receiver. */
export function receiverYaml(files: string[], lines: () => string[]): { id: string; yaml: string } {
  if (registered('filelog')) {
    return { id: 'filelog', yaml: `  filelog:\n    include: ${yamlList(files)}\n    start_at: beginning\n` };
  }
  return { id: 'testreceiver', yaml: `  testreceiver:\n    batch_size: 50\n    concurrency: 2\n    lines: ${yamlList(lines())}\n` };
}

/** The `log.record.uid` of every record the sink received, in arrival order. */
export const uidsOf = (sink: OtlpSink): string[] => sink.records.map((r) => r.attributes['log.record.uid'] as string);

/** Metric value from the service's Prometheus registry (sum over label sets matching `labels`). */
export async function metric(service: Service, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = service.telemetry.registry.getSingleMetric(name);
  if (!m) return 0;
  const { values } = await m.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x))
    .reduce((sum, v) => sum + v.value, 0);
}

/** Records of an OTLP/JSON lines file (file exporter output, dead letters). */
export function readOtlpJsonLines(file: string): { body: string; attributes: Record<string, unknown> }[] {
  if (!fs.existsSync(file)) return [];
  const out: { body: string; attributes: Record<string, unknown> }[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const req = JSON.parse(line) as { resourceLogs: { scopeLogs: { logRecords: { body: { stringValue: string }; attributes: { key: string; value: Record<string, unknown> }[] }[] }[] }[] };
    for (const rl of req.resourceLogs) for (const sl of rl.scopeLogs) for (const lr of sl.logRecords) {
      out.push({ body: lr.body.stringValue, attributes: attributes(lr.attributes) });
    }
  }
  return out;
}

export async function waitUntil(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A directory with `n` synthetic lines tagged `tag` and a pipeline.yaml reading them with a
 * checkpoint, in batches of 50, to `exporter` (an id and its YAML block, indented two spaces),
 * dead letters to a file beside it: the CLI tests of refusals no record caused.
 */
export function refusalPipeline(n: number, tag: string, exporter: { id: string; block: string }): { dir: string; config: string; deadLetter: string } {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'audit.log'), syntheticLines(n, tag).join('\n') + '\n');
  const deadLetter = path.join(dir, 'dead-letter.jsonl');
  const config = path.join(dir, 'pipeline.yaml');
  fs.writeFileSync(config, `
receivers:
  filelog:
    include: [${JSON.stringify(path.join(dir, 'audit.log'))}]
    storage: ${JSON.stringify(path.join(dir, 'checkpoints'))}
    max_batch_size: 50
exporters:
  ${exporter.id}:
${exporter.block}
  file/dead-letter: {path: ${JSON.stringify(deadLetter)}, append: true}
service:
  pipelines:
    logs: {receivers: [filelog], exporters: [${exporter.id}], dead_letter: [file/dead-letter]}
`);
  return { dir, config, deadLetter };
}
