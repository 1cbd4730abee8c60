import os from 'node:os';
import path from 'node:path';
import type { ExporterFactory } from '../../core/component';
import { fileExporterConfig } from './config';
import { FileExporter } from './file-exporter';

export const fileExporterFactory: ExporterFactory<typeof fileExporterConfig> = {
  kind: 'exporter',
  type: 'file',
  description: 'Writes records as OTLP/JSON lines to a local file; also the usual dead-letter destination.',
  configShape: fileExporterConfig,
  exampleConfig: { path: path.join(os.tmpdir(), 'teleport-otel-example', 'out.jsonl') },
  create: (config, ctx) => new FileExporter(config, ctx),
};
