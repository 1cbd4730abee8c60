/**
 * The kafkajs client from the receiver's config: brokers, TLS, SASL, and kafkajs's own log routed
 * to the process log (warnings and errors only, rate-limited; kafkajs never sees the config as a
 * whole, and nothing here logs a password).
 */
import fs from 'node:fs';
import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import { UserError } from '../../core/errors';
import type { Logger } from '../../core/telemetry/logger';
import type { KafkaReceiverConfig } from './config';

export function createKafka(config: KafkaReceiverConfig, id: string, logger: Logger): Kafka {
  const options: KafkaConfig = {
    clientId: config.client_id,
    brokers: config.brokers,
    logLevel: process.env.DEBUG_KAFKAJS ? logLevel.INFO : logLevel.WARN,
    logCreator: () => (entry: LogEntry) => logEntry(entry, logger),
    // Connection retries are kafkajs's; the receiver retries its own work (commits, rewinds).
    retry: { initialRetryTime: 300, retries: 8, maxRetryTime: 10_000 },
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

/** kafkajs logs every retry of every request: keep one line per kind of trouble per interval. */
function logEntry(entry: LogEntry, logger: Logger): void {
  const { message, error } = entry.log as { message: string; error?: string };
  const text = `kafka ${entry.namespace}: ${message}${error !== undefined ? `: ${error}` : ''}`;
  const level = entry.level === logLevel.ERROR ? 'error' : 'warn';
  if (process.env.DEBUG_KAFKAJS) { logger.warn(text + ' ' + JSON.stringify(entry.log)); return; }
  logger.rateLimited(`kafkajs ${entry.namespace} ${message}`, level, text);
}
