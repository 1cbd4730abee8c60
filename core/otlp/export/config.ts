/**
 * The config pieces both OTLP exporters (`otlphttp`, `otlp`) share, so the two read and document
 * them alike: headers, TLS files, resource, batching, retries and the sending queue.
 */
import path from 'node:path';
import { bool, duration, int, map, object, optional, size, str, localPath } from '../../config/schema';
import { componentStateDir } from '../../data-dir';
import { retryOnFailureField } from '../../retry';
import { headerListErrors } from './headers';

/** `headers` and `headers_list`; `what` says how they travel (HTTP headers, gRPC metadata). */
export function headerFields(what: string) {
  return {
    headers: map(str({ doc: 'value', nonEmpty: false }), {
      doc: `Extra ${what}, e.g. \`Authorization: Bearer \${env:OTLP_TOKEN}\`. A header whose value is empty is not sent, so \`\${env:OTLP_TOKEN:-}\` makes it optional.`,
      default: {},
    }),
    headers_list: optional(str({
      doc: 'More headers as one string, `name1=value1,name2=value2` with values percent-encoded: the format of `OTEL_EXPORTER_OTLP_HEADERS`, so one environment variable can carry every header a hosted backend asks for. Wins over `headers` for the same name.',
      nonEmpty: false,
    })),
  };
}

/** The certificate settings of `tls`. */
export const tlsFileFields = {
  ca_file: optional(localPath({ use: 'read-file', doc: 'PEM file of the CA(s) that sign the server certificate (default: the system roots).' })),
  cert_file: optional(localPath({ use: 'read-file', doc: 'PEM client certificate for mutual TLS (with `key_file`).' })),
  key_file: optional(localPath({ use: 'read-file', doc: 'PEM private key of `cert_file`.' })),
  insecure_skip_verify: bool({ doc: 'Do not verify the server certificate. For tests only.', default: false }),
};

/** Resource, batching, retries and the sending queue. */
export const exportQueueFields = {
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
    queue_bytes: size({
      doc: 'Bytes of records that may wait for a sender (in memory), whichever of this and `queue_size` is reached first: a record counts its encoded size (what the pipeline encoded it to), or four times its line when it waits whole. When reached, export calls wait, as for `queue_size`.',
      default: '32MiB', min: 1,
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

/** What the shared exporter reads of its config (both exporters' configs have it). */
export interface OtlpExportConfig {
  readonly body: 'original' | 'none';
  readonly headers: Record<string, string>;
  readonly headers_list?: string;
  readonly resource: Record<string, string>;
  readonly max_batch_size: number;
  readonly flush_interval: number;
  readonly retry_on_failure: { initial_interval: number; max_interval: number; max_elapsed_time: number };
  readonly sending_queue: { num_consumers: number; queue_size: number; queue_bytes: number; persistent: boolean; storage?: string; max_size: number };
  readonly tls: { ca_file?: string; cert_file?: string; key_file?: string; insecure_skip_verify: boolean };
}

/** Where the on-disk queue lives, or undefined for the in-memory queue. */
export function diskQueueDirectory(c: Pick<OtlpExportConfig, 'sending_queue'>, dataDir: string, id: string): string | undefined {
  if (c.sending_queue.storage !== undefined) return path.resolve(c.sending_queue.storage);
  return c.sending_queue.persistent ? path.join(componentStateDir(dataDir, id), 'queue') : undefined;
}

/** Problems with the shared settings, one line each (relative to the exporter's config path). */
export function validateOtlpExportConfig(c: OtlpExportConfig): string[] {
  const errors = [...headerListErrors(c.headers_list)];
  if ((c.tls.cert_file === undefined) !== (c.tls.key_file === undefined)) {
    errors.push(`tls.${c.tls.cert_file === undefined ? 'cert_file' : 'key_file'}: required when tls.${c.tls.cert_file === undefined ? 'key_file' : 'cert_file'} is set`);
  }
  return errors;
}
