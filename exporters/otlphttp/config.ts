import { bool, duration, int, map, object, oneOf, optional, size, str, url, type Infer, localPath } from '../../core/config/schema';
import path from 'node:path';
import { componentStateDir } from '../../core/data-dir';
import { retryOnFailureField } from '../../core/retry';
import { headerListErrors } from './headers';
import { bodyField } from '../../core/otlp/body-field';

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
  headers: map(str({ doc: 'value', nonEmpty: false }), {
    doc: 'Extra HTTP headers, e.g. `Authorization: Bearer ${env:OTLP_TOKEN}`. A header whose value is empty is not sent, so `${env:OTLP_TOKEN:-}` makes it optional.',
    default: {},
  }),
  headers_list: optional(str({
    doc: 'More headers as one string, `name1=value1,name2=value2` with values percent-encoded: the format of `OTEL_EXPORTER_OTLP_HEADERS`, so one environment variable can carry every header a hosted backend asks for. Wins over `headers` for the same name.',
    nonEmpty: false,
  })),
  timeout: duration({ doc: 'Deadline of one HTTP request (connect, send, response); a timeout is retried.', default: '30s', min: 1 }),
  tls: object({
    ca_file: optional(localPath({ use: 'read-file', doc: 'PEM file of the CA(s) that sign the server certificate (default: the system roots).' })),
    cert_file: optional(localPath({ use: 'read-file', doc: 'PEM client certificate for mutual TLS (with `key_file`).' })),
    key_file: optional(localPath({ use: 'read-file', doc: 'PEM private key of `cert_file`.' })),
    insecure_skip_verify: bool({ doc: 'Do not verify the server certificate. For tests only.', default: false }),
  }, { doc: 'TLS settings for https endpoints.' }),
  resource: map(str({ doc: 'value', nonEmpty: false }), {
    doc: 'Resource attributes added to every record; `service.name` defaults to `teleport`.',
    default: {},
  }),
  max_batch_size: int({
    doc: 'Most records in one request. Larger export calls are split; smaller ones are merged while all senders are busy.',
    default: 2048, min: 1,
  }),
  flush_interval: duration({
    doc: 'How long a batch smaller than `max_batch_size` may wait for more records before it is sent. `0` sends as soon as a sender is free (records arriving while every sender is busy are still merged), which never holds up the receiver. At shutdown, waiting records are sent at once.',
    default: '0',
  }),
  retry_on_failure: retryOnFailureField,
  sending_queue: object({
    num_consumers: int({ doc: 'Requests in flight at once.', default: 4, min: 1 }),
    queue_size: int({
      doc: 'Batches that may wait for a sender (in memory). When full, export calls wait: backpressure reaches the receiver, nothing is dropped.',
      default: 16, min: 1,
    }),
    persistent: bool({
      doc: 'Keep the queue on disk: batches are acknowledged once written and fsynced there, and delivered in the background, across backend outages and restarts. Its directory is `storage`, else `<data-dir>/<exporter id>/queue` (`--data-dir`; `otlphttp/grafana` → `otlphttp-grafana`).',
      default: false,
    }),
    storage: optional(localPath({ use: 'write-dir',
      doc: 'Directory of the on-disk queue; setting it turns `persistent` on.',
    })),
    max_size: size({
      doc: 'Cap of the on-disk queue. When full, export calls fail as retryable (`queue_full`) and the receiver waits: backpressure, not drops.',
      default: '1GiB', min: 1,
    }),
  }, { doc: 'Sending queue: concurrency, and where batches wait.' }),
};

export type OtlpHttpExporterConfig = Infer<typeof otlphttpExporterConfig>;

/** Where the on-disk queue lives, or undefined for the in-memory queue. */
export function diskQueueDirectory(c: OtlpHttpExporterConfig, dataDir: string, id: string): string | undefined {
  if (c.sending_queue.storage !== undefined) return path.resolve(c.sending_queue.storage);
  return c.sending_queue.persistent ? path.join(componentStateDir(dataDir, id), 'queue') : undefined;
}

export function validateOtlpHttpConfig(c: OtlpHttpExporterConfig): string[] {
  const errors: string[] = [];
  if (c.endpoint === undefined && c.logs_endpoint === undefined) errors.push('endpoint: required (or set logs_endpoint)');
  errors.push(...headerListErrors(c.headers_list));
  if ((c.tls.cert_file === undefined) !== (c.tls.key_file === undefined)) {
    errors.push(`tls.${c.tls.cert_file === undefined ? 'cert_file' : 'key_file'}: required when tls.${c.tls.cert_file === undefined ? 'key_file' : 'cert_file'} is set`);
  }
  return errors;
}

/** The URL requests go to. */
export function logsUrl(c: OtlpHttpExporterConfig): string {
  if (c.logs_endpoint !== undefined) return c.logs_endpoint;
  return c.endpoint!.replace(/\/+$/, '') + '/v1/logs';
}
