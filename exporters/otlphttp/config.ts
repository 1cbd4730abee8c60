import { int, object, oneOf, optional, url, type Infer, duration } from '../../core/config/schema';
import { bodyField } from '../../core/otlp/body-field';
import { exportQueueFields, headerFields, tlsFileFields, validateOtlpExportConfig } from '../../core/otlp/export/config';

export { diskQueueDirectory } from '../../core/otlp/export/config';

export const otlphttpExporterConfig = {
  endpoint: optional(url({
    doc: 'Base URL of the OTLP/HTTP receiver, e.g. `http://collector:4318`; `/v1/logs` is appended, as the Collector does. One of `endpoint` or `logs_endpoint` is required.',
  })),
  logs_endpoint: optional(url({ doc: 'Full URL for logs, used as is (overrides `endpoint`).' })),
  encoding: oneOf(['proto', 'json'] as const, {
    doc: '`proto`: binary protobuf (`application/x-protobuf`); `json`: OTLP/JSON (`application/json`).',
    default: 'proto',
  }),
  compression: oneOf(['gzip', 'none'] as const, { doc: 'Request body compression.', default: 'gzip' }),
  body: bodyField,
  compression_level: int({
    doc: 'gzip level, 1 (fastest) to 9 (smallest). Compression runs off the main thread.',
    default: 1, min: 1, max: 9,
  }),
  ...headerFields('HTTP headers'),
  timeout: duration({ doc: 'Deadline of one HTTP request (connect, send, response); a timeout is retried.', default: '30s', min: 1 }),
  tls: object(tlsFileFields, { doc: 'TLS settings for https endpoints.' }),
  ...exportQueueFields,
};

export type OtlpHttpExporterConfig = Infer<typeof otlphttpExporterConfig>;

export function validateOtlpHttpConfig(c: OtlpHttpExporterConfig): string[] {
  const errors: string[] = [];
  if (c.endpoint === undefined && c.logs_endpoint === undefined) errors.push('endpoint: required (or set logs_endpoint)');
  errors.push(...validateOtlpExportConfig(c));
  return errors;
}

/** The URL requests go to. */
export function logsUrl(c: OtlpHttpExporterConfig): string {
  if (c.logs_endpoint !== undefined) return c.logs_endpoint;
  return c.endpoint!.replace(/\/+$/, '') + '/v1/logs';
}
