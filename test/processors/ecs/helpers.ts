/** Shared by the ECS tests: fixtures, the catalogue, and the processor run as the core runs it. */
import fs from 'node:fs';
import path from 'node:path';
import type { CreateContext } from '../../../core/component';
import { decodeRecords } from '../../../core/decode';
import { newRecord, type Attributes, type LogRecord } from '../../../core/record';
import { silentLogger, type Logger } from '../../../core/telemetry/logger';
import { Telemetry } from '../../../core/telemetry/metrics';
import type { EcsProcessorConfig } from '../../../processors/ecs/config';
import { EcsProcessor } from '../../../processors/ecs/ecs-processor';

export const FIXTURES = path.resolve('test/fixtures/ecs');

export function fixtureLines(name: string): string[] {
  return fs.readFileSync(path.join(FIXTURES, name), 'utf8').split('\n').filter((l) => l.trim() !== '');
}

export interface CatalogueRow { code: string; type: string; severity: string; description: string }

/** teleport-event-codes.tsv: one row per code. */
export function catalogue(): CatalogueRow[] {
  const [header, ...rows] = fixtureLines('teleport-event-codes.tsv');
  const cols = header.split('\t');
  const at = (name: string) => cols.indexOf(name);
  return rows.map((r) => r.split('\t')).map((c) => ({
    code: c[at('code')], type: c[at('event_type')], severity: c[at('severity')], description: c[at('description')],
  }));
}

export interface Harness {
  processor: EcsProcessor;
  telemetry: Telemetry;
  logLines: string[];
}

export function harness(config: Partial<EcsProcessorConfig> = {}): Harness {
  const telemetry = new Telemetry();
  const logLines: string[] = [];
  const logger: Logger = { ...silentLogger, info: (m: string) => logLines.push(m) };
  const ctx: CreateContext = { id: 'ecs', logger, telemetry: telemetry.forComponent('processor', 'ecs'), dataDir: '.' };
  const processor = new EcsProcessor({ categories_file: undefined, audit_prefix: 'teleport.audit', ...config }, ctx);
  return { processor, telemetry, logLines };
}

/** Decodes lines as the core does (undecodable lines are left out), then runs the processor. */
export function ecsOf(lines: string[], h: Harness = harness()): LogRecord[] {
  const decoded = decodeRecords(lines.map((raw, i) => newRecord(raw, { source: 'test', line: i + 1 }, 0n)));
  const out = h.processor.process(decoded.records);
  if (out.failed.length > 0) throw new Error('the ecs processor must never fail a record');
  return out.records;
}

export function attrsOf(event: Record<string, unknown>): Attributes {
  return ecsOf([JSON.stringify(event)])[0].attributes;
}

export async function unknownCount(h: Harness): Promise<number> {
  const metric = await h.telemetry.registry.getSingleMetric('teleport_otel_ecs_unknown_event_types_total')?.get();
  return metric?.values.reduce((n, v) => n + v.value, 0) ?? 0;
}
