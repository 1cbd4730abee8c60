import net from 'node:net';
import { bool, duration, int, object, optional, size, str, type Infer, localPath } from '../../core/config/schema';

export const tlsConfig = {
  cert_file: localPath({ use: 'read-file', doc: 'PEM certificate (chain) the server presents. Its SAN must name the host in the Event Handler\'s `fluentd_url`.' }),
  key_file: localPath({ use: 'read-file', doc: 'PEM private key of `cert_file`.' }),
  key_passphrase: optional(str({ doc: 'Passphrase of an encrypted `key_file` (`teleport-event-handler configure` encrypts `server.key`). Use `${env:VAR}`; it is never logged.' })),
  client_ca_file: optional(localPath({ use: 'read-file',
    doc: 'PEM CA certificate(s) that sign client certificates. When set, a client without a certificate signed by one of them is refused during the TLS handshake (mutual TLS, as the Event Handler expects).',
  })),
};

export const httpReceiverConfig = {
  endpoint: str({ doc: '`host:port` to listen on (`[::1]:8888` for IPv6; port 0 picks a free one).', default: '127.0.0.1:8888' }),
  tls: optional(object(tlsConfig, { doc: 'Serve HTTPS. Required on a non-loopback `endpoint` unless `insecure` is true.' })),
  insecure: bool({ doc: 'Allow plain HTTP on a non-loopback `endpoint` (behind a TLS-terminating proxy, say).', default: false }),
  auth: optional(object({
    bearer_token: str({ doc: 'Requests must carry `Authorization: Bearer <token>`; others get 401. Use `${env:VAR}` to keep it out of the file; it is never logged.' }),
  }, { doc: 'Optional shared-secret check on top of (or instead of) client certificates.' })),
  max_body_size: size({ doc: 'Largest request body accepted (after gzip inflation too); a larger one is answered 413 and not read further.', default: '1MiB', min: 1 }),
  max_in_flight: int({
    doc: 'Most requests whose events are held (not yet acknowledged downstream) at once; beyond it a request is answered 503 with `Retry-After` at once, so memory stays bounded whatever the clients do.',
    default: 256,
    min: 1,
  }),
  ack_timeout: duration({
    doc: 'How long a request waits for its events to be acknowledged downstream before it is answered 503 with `Retry-After` (the events stay in the pipeline and may arrive twice). Keep it under the client\'s timeout: the Event Handler waits 30s.',
    default: '10s',
    min: 1,
  }),
  retry_after: duration({ doc: 'The `Retry-After` a 503 carries when the pipeline did not name one (rounded up to whole seconds).', default: '5s', min: 1000 }),
  max_batch_size: int({ doc: 'Most events handed to the pipeline in one batch: events of requests that arrive while earlier batches are being written are grouped.', default: 1000, min: 1 }),
  max_batches_in_flight: int({ doc: 'Most batches awaiting acknowledgement at once; requests arriving meanwhile join the next batch.', default: 2, min: 1 }),
};

export type HttpReceiverConfig = Infer<typeof httpReceiverConfig>;

export interface Endpoint { readonly host: string; readonly port: number }

/** `host:port`, `[v6]:port`; undefined when it is not one. */
export function parseEndpoint(text: string): Endpoint | undefined {
  const m = /^(?:\[([0-9a-fA-F:.%\w-]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  const host = m[1] ?? m[2];
  if (m[1] !== undefined && !net.isIPv6(host)) return undefined;
  return { host, port };
}

/** True for addresses only this machine can reach: no TLS needed there. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

export function validateHttp(config: HttpReceiverConfig): string[] {
  const errors: string[] = [];
  const endpoint = parseEndpoint(config.endpoint);
  if (endpoint === undefined) {
    errors.push(`endpoint: must be host:port, e.g. 0.0.0.0:8888 or [::]:8888 (got "${config.endpoint}")`);
  } else if (config.tls === undefined && !config.insecure && !isLoopback(endpoint.host)) {
    errors.push(`endpoint: ${config.endpoint} is reachable from other hosts but tls is not set; set tls (cert_file, key_file, client_ca_file) or insecure: true`);
  }
  if (config.insecure && config.tls !== undefined) errors.push('insecure: contradicts tls; remove one');
  return errors;
}
