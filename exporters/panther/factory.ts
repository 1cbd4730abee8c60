import os from 'node:os';
import path from 'node:path';
import type { ExporterFactory } from '../../core/component';
import { pantherExporterConfig } from './config';
import { PantherRecordEncoder } from './encoder';
import { PantherExporter } from './panther-exporter';

export const pantherExporterFactory: ExporterFactory<typeof pantherExporterConfig> = {
  kind: 'exporter',
  type: 'panther',
  description: 'Writes Panther-format gzip JSON lines, one file per log type and hour, appearing only when complete.',
  configShape: pantherExporterConfig,
  exampleConfig: { directory: path.join(os.tmpdir(), 'teleport-otel-example', 'panther') },
  create: (config, ctx) => new PantherExporter(config, ctx),
  createEncoder: () => new PantherRecordEncoder(),
};
