/** Shared by the Panther tests: fixtures and a real schema -> indicators chain, in-process. */
import fs from 'node:fs';
import path from 'node:path';
import type { CreateContext } from '../../../core/component';
import { decodeRecords } from '../../../core/decode';
import { newRecord, type LogRecord, type RecordFailure } from '../../../core/record';
import { silentLogger } from '../../../core/telemetry/logger';
import { testTelemetry } from '../../../core/telemetry/metrics';
import { IndicatorsProcessor } from '../../../processors/indicators/indicators-processor';
import type { SchemaProcessorConfig } from '../../../processors/schema/config';
import { SchemaProcessor } from '../../../processors/schema/schema-processor';
import { tmpDir } from '../../support/service';

export const FIXTURES = path.resolve('test/fixtures/panther');

export function fixtureLines(name: string): string[] {
  return fs.readFileSync(path.join(FIXTURES, name), 'utf8').split('\n').filter((l) => l.trim() !== '');
}

export interface ParserCase {
  source: string;
  name: string;
  input: string;
  model_datalake_line: string;
  model_s3_key_prefix: string;
}

export function parserCases(): ParserCase[] {
  return fixtureLines('panther-parser-tests.jsonl').map((l) => JSON.parse(l) as ParserCase);
}

/** Processors take a data directory but do not write to it: one for all. */
const SCRATCH = tmpDir();

export function ctx(id: string): CreateContext {
  return { id, logger: silentLogger, telemetry: testTelemetry(id), dataDir: SCRATCH };
}

export const PARSER_TEST_SOURCE = { source_id: '00000000-0000-4000-8000-000000000000', source_label: 'teleport-prod' };

export function schemaProcessor(config: Partial<SchemaProcessorConfig> = {}): SchemaProcessor {
  return new SchemaProcessor({ unknown_fields: 'keep', source_label: 'teleport-otel', source_id: undefined, schema_file: undefined, ...config }, ctx('schema'));
}

/** Decodes lines as the core does, then runs schema and indicators; returns what passed and what failed. */
export function normalize(lines: string[], config: Partial<SchemaProcessorConfig> = {}, source = 'test'): { records: LogRecord[]; failed: RecordFailure[] } {
  const decoded = decodeRecords(lines.map((raw, i) => newRecord(raw, { source, line: i + 1 }, 0n)));
  const typed = schemaProcessor(config).process(decoded.records);
  const withIndicators = new IndicatorsProcessor({ schema_file: config.schema_file }, ctx('indicators')).process(typed.records);
  return { records: withIndicators.records as LogRecord[], failed: [...decoded.failed, ...typed.failed] };
}

export const PANTHER_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{9}$/;
export const ROW_ID = /^[0-9a-f]{24,}$/;
