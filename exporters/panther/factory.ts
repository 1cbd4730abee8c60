import os from 'node:os';
import path from 'node:path';
import type { ExporterFactory } from '../../core/component';
import { pantherExporterConfig } from './config';
import { PantherRecordEncoder } from './encoder';
import type { PantherExporter } from './panther-exporter';

export const pantherExporterFactory: ExporterFactory<typeof pantherExporterConfig> = {
  kind: 'exporter',
  type: 'panther',
  description: 'Writes Panther-format gzip JSON lines, one file per log type and hour, appearing only when complete.',
  configShape: pantherExporterConfig,
  exampleConfig: { directory: path.join(os.tmpdir(), 'teleport-otel-example', 'panther') },
  // Loaded when a pipeline uses it (the encoder above is what worker threads need).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  create: (config, ctx) => new (require('./panther-exporter') as { PantherExporter: typeof PantherExporter }).PantherExporter(config, ctx),
  createEncoder: () => new PantherRecordEncoder(),
};
