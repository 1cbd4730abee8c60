/**
 * The `otlp` exporter: the shared OTLP exporter (core/otlp/export) over GrpcTransport. Requests
 * are encoded uncompressed: grpc-js compresses each message itself (grpc-transport.ts).
 */
import type { CreateContext } from '../../core/component';
import { requestHeaders } from '../../core/otlp/export/headers';
import { OtlpExporter } from '../../core/otlp/export/otlp-exporter';
import type { OtlpExporterConfig } from './config';
import type { GrpcTransport } from './grpc-transport';

export function createOtlpGrpcExporter(c: OtlpExporterConfig, ctx: CreateContext): OtlpExporter {
  return new OtlpExporter(c, ctx, {
    metricPrefix: 'otlp',
    encoding: 'proto',
    compression: 'none',
    compressionLevel: 1,
    // grpc-js is loaded when an `otlp` exporter starts: it costs every other process ~65 modules at start.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    createTransport: () => new (require('./grpc-transport') as { GrpcTransport: typeof GrpcTransport }).GrpcTransport({
      endpoint: c.endpoint, insecure: c.tls.insecure, headers: requestHeaders(c), compression: c.compression,
      timeoutMs: c.timeout, tls: c.tls, configPath: `exporters.${ctx.id}`,
    }),
  });
}
