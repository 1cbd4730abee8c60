/**
 * The kafkajs client from the receiver's config: brokers, TLS, SASL, the compression codecs
 * kafkajs lacks (codecs.ts), and kafkajs's own log routed to the process log: its warnings and
 * errors rate-limited, its info lines (group joins with their assignment, stops) at info level, so
 * `--log-level info` shows how the group settled. kafkajs never sees the config as a whole, and
 * nothing here logs a password.
 */
import fs from 'node:fs';
import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import { UserError } from '../../core/errors';
import type { Logger } from '../../core/telemetry/logger';
import { registerCodecs } from './codecs';
import type { KafkaReceiverConfig } from './config';

/** `onError`: each error kafkajs logs (a connection lost, a request failed), as one line, before rate limiting. */
export function createKafka(config: KafkaReceiverConfig, id: string, logger: Logger, onError: (text: string) => void = () => undefined): Kafka {
  registerCodecs();
  const options: KafkaConfig = {
    clientId: config.client_id,
    brokers: config.brokers,
    logLevel: logLevel.INFO,
    logCreator: () => (entry: LogEntry) => logEntry(entry, logger, onError),
    // Connection retries are kafkajs's; the receiver retries its own work (commits, rewinds) and,
    // once kafkajs gives up (about 10 s), connects again with its own backoff, counted and logged.
    retry: { initialRetryTime: 300, retries: 5, maxRetryTime: 5_000 },
  };
  if (config.tls !== undefined) options.ssl = tlsOptions(config.tls, id);
  if (config.sasl !== undefined) options.sasl = { mechanism: config.sasl.mechanism, username: config.sasl.username, password: config.sasl.password } as SASLOptions;
  return new Kafka(options);
}

function tlsOptions(tls: NonNullable<KafkaReceiverConfig['tls']>, id: string): ConnectionOptions {
  const read = (key: 'ca_file' | 'cert_file' | 'key_file'): string | undefined => {
    const file = tls[key];
    if (file === undefined) return undefined;
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new UserError([`receivers.${id}.tls.${key}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
    }
  };
  return { ca: read('ca_file'), cert: read('cert_file'), key: read('key_file'), rejectUnauthorized: !tls.insecure_skip_verify };
}

/**
 * One line from what kafkajs and OpenSSL say about a failed connection: OpenSSL's reports carry
 * source paths and a newline; keep the reason, and say what usually causes it.
 */
export function connectionProblem(text: string): string {
  let out = text.replace(/\s*\n\s*/g, ' ').trim();
  const ssl = /[0-9A-F]+:error:[0-9A-F]+:SSL routines:[^:]*:([^:]+):\S*(?: SSL alert number \d+)?/.exec(out);
  if (ssl !== null) {
    const reason = ssl[1];
    const hint = /certificate required/.test(reason) ? ' (the broker asks for a client certificate: set tls.cert_file and tls.key_file)'
      : /unknown ca|bad certificate/.test(reason) ? ' (the broker does not trust the client certificate)' : '';
    out = out.replace(ssl[0], `TLS handshake refused by the broker: ${reason}${hint}`);
  }
  return out;
}

/** Fields of kafkajs's info lines worth a place in the process log (never credentials: kafkajs logs none). */
const INFO_FIELDS = ['groupId', 'memberId', 'leaderId', 'isLeader', 'memberAssignment', 'groupProtocol', 'duration'];

/**
 * kafkajs logs every retry of every request: keep one line per kind of trouble per interval. Its
 * info lines are few (start, group join, stop) and say which member got which partitions.
 */
function logEntry(entry: LogEntry, logger: Logger, onError: (text: string) => void): void {
  const log = entry.log as Record<string, unknown> & { message: string; error?: string };
  if (entry.level >= logLevel.INFO) {
    // Pauses and resumes are the receiver's backpressure, per batch: counted, not logged.
    if (/^(Pausing|Resuming) fetching/.test(log.message)) return;
    const fields = INFO_FIELDS.filter((k) => log[k] !== undefined).map((k) => `${k}=${JSON.stringify(log[k])}`);
    logger.info(`kafka ${entry.namespace}: ${log.message}${fields.length > 0 ? ` (${fields.join(' ')})` : ''}`);
    return;
  }
  const text = connectionProblem(`kafka ${entry.namespace}: ${log.message}${log.error !== undefined ? `: ${log.error}` : ''}`);
  const level = entry.level === logLevel.ERROR ? 'error' : 'warn';
  if (level === 'error') onError(text);
  logger.rateLimited(`kafkajs ${entry.namespace} ${log.message}`, level, text);
}
