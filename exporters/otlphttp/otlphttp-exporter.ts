/**
 * The `otlphttp` exporter: the shared OTLP exporter (core/otlp/export) over HttpTransport.
 */
import type { CreateContext } from '../../core/component';
import { requestHeaders } from '../../core/otlp/export/headers';
import { OtlpExporter } from '../../core/otlp/export/otlp-exporter';
import { logsUrl, type OtlpHttpExporterConfig } from './config';
import { HttpTransport } from './transport';

export function createOtlpHttpExporter(c: OtlpHttpExporterConfig, ctx: CreateContext): OtlpExporter {
  return new OtlpExporter(c, ctx, {
    metricPrefix: 'otlphttp',
    encoding: c.encoding,
    compression: c.compression,
    compressionLevel: c.compression_level,
    createTransport: () => new HttpTransport({
      url: logsUrl(c), headers: requestHeaders(c), timeoutMs: c.timeout, tls: c.tls,
      maxSockets: c.sending_queue.num_consumers, configPath: `exporters.${ctx.id}`,
    }),
  });
}
