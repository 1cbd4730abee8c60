/**
 * Process log on stderr, one line per message. Never used per record: warnings that can repeat
 * per record go through `rateLimited`.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  /** A child logger whose lines are prefixed with `[component]`. */
  child(component: string): Logger;
  /** At most one line per `key` per interval; the next line says how many were suppressed. */
  rateLimited(key: string, level: LogLevel, msg: string): void;
}

export type LogFormat = 'text' | 'json';

export interface LoggerOptions {
  level: LogLevel;
  /** `text` (default): `<time> <LEVEL> [component] message`; `json`: one JSON object per line for log shippers. */
  format?: LogFormat;
  write?: (line: string) => void;
  rateLimitMs?: number;
}

export function createLogger(options: LoggerOptions, components: readonly string[] = []): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const threshold = ORDER[options.level];
  const interval = options.rateLimitMs ?? 10_000;
  const limits = new Map<string, { until: number; suppressed: number }>();
  const prefix = components.map((c) => `[${c}] `).join('');
  const emit = (level: LogLevel, msg: string) => {
    if (ORDER[level] < threshold) return;
    const time = new Date().toISOString();
    if (options.format === 'json') {
      // The innermost component names the source; the outer ones (a pipeline) give its context.
      const component = components.length > 0 ? { component: components[components.length - 1], ...(components.length > 1 ? { scope: components.slice(0, -1).join(' ') } : {}) } : {};
      write(JSON.stringify({ time, level, ...component, msg }));
    } else {
      write(`${time} ${level.toUpperCase()} ${prefix}${msg}`);
    }
  };
  return {
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warn: (m) => emit('warn', m),
    error: (m) => emit('error', m),
    child: (component) => createLogger({ ...options, write }, [...components, component]),
    rateLimited(key, level, msg) {
      const now = Date.now();
      const state = limits.get(key);
      if (state && now < state.until) {
        state.suppressed++;
        return;
      }
      const suffix = state && state.suppressed > 0 ? ` (${state.suppressed} similar suppressed)` : '';
      limits.set(key, { until: now + interval, suppressed: 0 });
      emit(level, msg + suffix);
    },
  };
}

export const silentLogger: Logger = createLogger({ level: 'error', write: () => undefined });
