/**
 * Process-level settings (not component settings): convict, with env overrides and CLI flags on
 * top. Precedence: flag > environment > default.
 */
import convict from 'convict';
import { UserError } from '../errors';
import { DEFAULT_MAX_NESTING_DEPTH, MAX_NESTING_DEPTH_LIMIT } from '../nesting';

export const settingsSchema = {
  config: { doc: 'Path of the pipeline config.', format: String, default: 'pipeline.yaml', env: 'TELEPORT_OTEL_CONFIG' },
  logLevel: { doc: 'Process log level.', format: ['debug', 'info', 'warn', 'error'], default: 'info', env: 'TELEPORT_OTEL_LOG_LEVEL' },
  metricsPort: {
    doc: 'Port of /metrics and /healthz; 0 = off.',
    format: 'port',
    default: 0,
    env: 'TELEPORT_OTEL_METRICS_PORT',
  },
  metricsHost: { doc: 'Address /metrics and /healthz listen on.', format: String, default: '127.0.0.1', env: 'TELEPORT_OTEL_METRICS_HOST' },
  dataDir: { doc: 'Directory for checkpoints and on-disk queues.', format: String, default: './data', env: 'TELEPORT_OTEL_DATA_DIR' },
  shutdownTimeout: {
    doc: 'Milliseconds to drain in-flight batches on SIGINT/SIGTERM before giving up on them (unacknowledged, so re-read next time).',
    format: 'nat',
    default: 10_000,
    env: 'TELEPORT_OTEL_SHUTDOWN_TIMEOUT_MS',
  },
  onceFailingTimeout: {
    doc: 'With --once: milliseconds an exporter may keep failing for a reason no record caused (endpoint or credentials refused, TLS/DNS failure, unwritable output) before the run ends with exit 1, nothing acknowledged.',
    format: 'nat',
    default: 60_000,
    env: 'TELEPORT_OTEL_ONCE_FAILING_TIMEOUT_MS',
  },
  maxNestingDepth: {
    doc: 'Deepest nesting of a JSON value kept as structure; deeper values are kept as their JSON text (a string), so no component walks deeper.',
    format: 'nat',
    default: DEFAULT_MAX_NESTING_DEPTH,
    env: 'TELEPORT_OTEL_MAX_NESTING_DEPTH',
  },
} as const;

const FLAGS: Partial<Record<keyof typeof settingsSchema, string>> = {
  config: '--config',
  logLevel: '--log-level',
  metricsPort: '--metrics-port',
  dataDir: '--data-dir',
};

export interface ProcessSettings {
  config: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  metricsPort: number;
  metricsHost: string;
  dataDir: string;
  shutdownTimeout: number;
  onceFailingTimeout: number;
  maxNestingDepth: number;
}

/** `overrides` are the CLI flags that were given. */
export function loadSettings(overrides: Partial<ProcessSettings>, env: NodeJS.ProcessEnv = process.env): ProcessSettings {
  const c = convict<ProcessSettings>(settingsSchema as never, { env, args: [] });
  const given = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  try {
    c.load(given);
    c.validate({ allowed: 'strict' });
    const depth = c.get('maxNestingDepth');
    if (depth < 1 || depth > MAX_NESTING_DEPTH_LIMIT) throw new Error(`maxNestingDepth: must be from 1 to ${MAX_NESTING_DEPTH_LIMIT}, got ${depth}`);
  } catch (err) {
    // convict says `metricsPort: ...`; the user wrote a flag or an environment variable.
    const lines = (err as Error).message.split('\n').map((l) => l.trim()).filter(Boolean).map((line) => {
      const key = line.split(':')[0] as keyof typeof settingsSchema;
      const spec = settingsSchema[key];
      return spec ? `${FLAGS[key] ? `${FLAGS[key]} / ` : ''}${spec.env}${line.slice(key.length)}` : `settings: ${line}`;
    });
    throw new UserError(lines);
  }
  return c.getProperties();
}
