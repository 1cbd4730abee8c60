import { maxBytesInFlightField } from '../../core/in-flight-bytes';
import { bool, duration, int, list, object, oneOf, optional, size, str, type Infer, localPath } from '../../core/config/schema';

export const tlsConfig = {
  ca_file: optional(localPath({ use: 'read-file', doc: 'PEM file of the CA(s) that signed the brokers\' certificates; default: Node\'s bundled CAs.' })),
  cert_file: optional(localPath({ use: 'read-file', doc: 'PEM client certificate, for brokers that require mutual TLS (with `key_file`).' })),
  key_file: optional(localPath({ use: 'read-file', doc: 'PEM private key of `cert_file`.' })),
  insecure_skip_verify: bool({ doc: 'Accept any broker certificate (no chain or host name check). For tests only: anybody on the path can read and alter the stream.', default: false }),
};

export const saslConfig = {
  mechanism: oneOf(['plain', 'scram-sha-256', 'scram-sha-512'] as const, { doc: 'SASL mechanism the brokers expect.' }),
  username: str({ doc: 'SASL user name.' }),
  password: str({ doc: 'SASL password. Write it as `${env:VAR}` so it stays out of the file; it is never logged.' }),
};

export const kafkaReceiverConfig = {
  brokers: list(str({ doc: '`host:port`' }), { doc: 'Bootstrap brokers, `host:port` each; the rest of the cluster is discovered from them.', minItems: 1 }),
  topics: list(str({ doc: 'a topic name, or a regular expression when it starts with `^`' }), {
    doc: 'Topics to consume. An entry starting with `^` is a regular expression matched against the cluster\'s topics when the consumer starts (e.g. `^teleport-audit-.*`).',
    minItems: 1,
  }),
  group_id: str({ doc: 'Consumer group: processes with the same group share the partitions, and the group\'s committed offsets say where each partition resumes.', default: 'teleport-otel' }),
  client_id: str({ doc: 'Client id sent to the brokers (shows in their logs and quotas).', default: 'teleport-otel' }),
  initial_offset: oneOf(['earliest', 'latest'] as const, {
    doc: 'Where a partition starts when the group has no committed offset for it: its first retained message, or only messages produced from now on. A committed offset always wins.',
    default: 'earliest',
  }),
  session_timeout: duration({ doc: 'How long the group waits for a silent member before giving its partitions to the others (a crashed process is noticed after this long).', default: '30s', min: 1000 }),
  heartbeat_interval: duration({ doc: 'How often the member tells the group it is alive; well below `session_timeout`.', default: '3s', min: 100 }),
  rebalance_timeout: duration({
    doc: 'How long a rebalance may take: batches still in flight for partitions this member loses are drained until the group completes the rebalance, then abandoned uncommitted (their new owner reads them again).',
    default: '60s',
    min: 1000,
  }),
  max_bytes_per_partition: size({ doc: 'Most bytes fetched from one partition per request (a message larger than this is still fetched whole).', default: '1MiB', min: 1024 }),
  fetch_max_wait: duration({ doc: 'Longest a fetch waits at the broker for new messages; also bounds how long leaving the group at shutdown waits for the fetch in progress.', default: '500ms', min: 1 }),
  max_batch_size: int({ doc: 'Most records in one batch handed to the pipeline; a larger fetch is split.', default: 1000, min: 1 }),
  max_batches_in_flight: int({
    doc: 'Most batches of one partition awaiting acknowledgement at once; beyond it the partition is paused until one is acknowledged (backpressure: memory stays flat when exporters are slow).',
    default: 4,
    min: 1,
  }),
  max_bytes_in_flight: maxBytesInFlightField('partitions', 'a partition that has a batch in flight is paused', '16MiB'),
  encoding: oneOf(['json', 'json_lines'] as const, {
    doc: '`json`: each message value is one event. `json_lines`: a value holds events separated by newlines, as batching forwarders write. A gzip-compressed value is recognized by its magic bytes and inflated either way.',
    default: 'json',
  }),
  include_metadata: bool({ doc: 'Also put `kafka.topic`, `kafka.partition`, `kafka.offset`, `kafka.key` and `kafka.header.<name>` in each record\'s attributes.', default: false }),
  max_log_size: size({ doc: 'Largest event accepted (after inflating). A larger message or line is dead-lettered with its position (only a bounded prefix is kept).', default: '1MiB', min: 1 }),
  retry_backoff: duration({ doc: 'First delay before a partition whose batch was not acknowledged is read again from its last committed offset; it doubles up to 30s.', default: '1s', min: 1 }),
  tls: optional(object(tlsConfig, { doc: 'Connect to the brokers over TLS (set the block, even empty, to enable it).' })),
  sasl: optional(object(saslConfig, { doc: 'Authenticate with SASL (over TLS, unless the network is trusted).' })),
};

export type KafkaReceiverConfig = Infer<typeof kafkaReceiverConfig>;

export function validateKafka(config: KafkaReceiverConfig): string[] {
  const errors: string[] = [];
  config.brokers.forEach((b, i) => {
    if (!/^[^\s:/]+:\d{1,5}$/.test(b) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(b)) errors.push(`brokers[${i}]: must be host:port, got "${b}"`);
  });
  config.topics.forEach((t, i) => {
    if (!t.startsWith('^')) return;
    try {
      new RegExp(t);
    } catch (err) {
      errors.push(`topics[${i}]: not a valid regular expression: ${(err as Error).message}`);
    }
  });
  if (config.heartbeat_interval >= config.session_timeout) errors.push('heartbeat_interval: must be less than session_timeout (a third of it is usual)');
  const tls = config.tls;
  if (tls !== undefined && (tls.cert_file === undefined) !== (tls.key_file === undefined)) {
    errors.push(`tls.${tls.cert_file === undefined ? 'cert_file' : 'key_file'}: required with tls.${tls.cert_file === undefined ? 'key_file' : 'cert_file'} (mutual TLS needs both)`);
  }
  return errors;
}
