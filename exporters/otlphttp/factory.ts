import type { ExporterFactory } from '../../core/component';
import { ProtoRecordEncoder } from '../../core/otlp/export/encoding';
import { resourceOf } from '../../core/otlp/export/otlp-exporter';
import { otlphttpExporterConfig, validateOtlpHttpConfig } from './config';
import { createOtlpHttpExporter } from './otlphttp-exporter';

export const otlphttpExporterFactory: ExporterFactory<typeof otlphttpExporterConfig> = {
  kind: 'exporter',
  type: 'otlphttp',
  description: 'Sends records as OTLP log records over HTTP (protobuf or JSON, gzip) to any OTLP backend, acknowledging only what the backend accepted or what is safe in its on-disk queue.',
  configShape: otlphttpExporterConfig,
  exampleConfig: { endpoint: 'http://127.0.0.1:4318' },
  validate: validateOtlpHttpConfig,
  create: (config, ctx) => createOtlpHttpExporter(config, ctx),
  // OTLP/JSON records come back whole from workers and are encoded here.
  createEncoder: (config) => (config.encoding === 'proto' ? new ProtoRecordEncoder(resourceOf(config)) : undefined),
};
