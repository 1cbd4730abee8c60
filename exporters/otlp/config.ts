import { bool, duration, object, oneOf, str, type Infer } from '../../core/config/schema';
import { bodyField } from '../../core/otlp/body-field';
import { exportQueueFields, headerFields, tlsFileFields, validateOtlpExportConfig } from '../../core/otlp/export/config';
import { parseGrpcEndpoint } from './grpc-endpoint';

export const otlpExporterConfig = {
  endpoint: str({
    doc: '`host:port` of the OTLP/gRPC receiver, e.g. `collector:4317` (port 4317 when absent), as the Collector\'s `otlp` exporter takes it. An `http://` or `https://` prefix, as `OTEL_EXPORTER_OTLP_ENDPOINT` allows, chooses plaintext or TLS; a path is refused (gRPC\'s method path is fixed).',
  }),
  compression: oneOf(['gzip', 'none'] as const, { doc: 'gRPC message compression (`grpc-encoding: gzip`, done by grpc-js at zlib\'s default level).', default: 'gzip' }),
  body: bodyField,
  ...headerFields('request headers, sent as gRPC metadata (names lower-cased; `-bin` names are refused)'),
  timeout: duration({ doc: 'Deadline of one Export call; a call past it is retried.', default: '30s', min: 1 }),
  tls: object({
    insecure: bool({ doc: 'Plaintext HTTP/2 (h2c), as the Collector\'s `tls.insecure`: for a Collector beside this one on a trusted network. Without it, TLS is used unless the endpoint starts with `http://`.', default: false }),
    ...tlsFileFields,
  }, { doc: 'TLS settings (TLS is on unless `insecure` or an `http://` endpoint).' }),
  ...exportQueueFields,
};

export type OtlpExporterConfig = Infer<typeof otlpExporterConfig>;

export function validateOtlpConfig(c: OtlpExporterConfig): string[] {
  const errors: string[] = [];
  let secure = true;
  try {
    secure = parseGrpcEndpoint(c.endpoint, c.tls.insecure, 'endpoint').secure;
  } catch (err) {
    errors.push((err as Error).message);
  }
  const files = (['ca_file', 'cert_file', 'key_file'] as const).filter((k) => c.tls[k] !== undefined);
  if (!secure && files.length > 0) errors.push(`tls.${files[0]}: set, but the connection is plaintext (tls.insecure: true or an http:// endpoint)`);
  errors.push(...validateOtlpExportConfig(c));
  return errors;
}
