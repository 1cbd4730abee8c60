import type { ExporterFactory } from '../../core/component';
import { ProtoRecordEncoder } from '../../core/otlp/export/encoding';
import { resourceOf } from '../../core/otlp/export/otlp-exporter';
import { otlpExporterConfig, validateOtlpConfig } from './config';
import { createOtlpGrpcExporter } from './otlp-grpc-exporter';

export const otlpExporterFactory: ExporterFactory<typeof otlpExporterConfig> = {
  kind: 'exporter',
  type: 'otlp',
  description: 'Sends records as OTLP log records over gRPC (LogsService/Export, protobuf, gzip) to any OTLP backend or Collector, acknowledging only what the backend accepted or what is safe in its on-disk queue.',
  configShape: otlpExporterConfig,
  exampleConfig: { endpoint: '127.0.0.1:4317', tls: { insecure: true } },
  validate: validateOtlpConfig,
  create: (config, ctx) => createOtlpGrpcExporter(config, ctx),
  createEncoder: (config) => new ProtoRecordEncoder(resourceOf(config)),
};
