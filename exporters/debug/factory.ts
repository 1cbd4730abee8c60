import type { ExporterFactory } from '../../core/component';
import { debugExporterConfig } from './config';
import { DebugExporter } from './debug-exporter';

export const debugExporterFactory: ExporterFactory<typeof debugExporterConfig> = {
  kind: 'exporter',
  type: 'debug',
  description: 'Prints a readable summary of what passed through on stdout, for the quick start and troubleshooting.',
  configShape: debugExporterConfig,
  create: (config, ctx) => new DebugExporter(config, ctx),
};
