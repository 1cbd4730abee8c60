/** Command-line parsing: `run` and `validate`, with help text for each. */
import { parseArgs } from 'node:util';
import { UserError } from '../errors';

export const USAGE = `Usage: teleport-otel <command> [options]

Turns Teleport audit events into OpenTelemetry log records and Panther-format records.

Commands:
  run        Run the pipelines until stopped (SIGINT/SIGTERM), or until inputs are drained with --once
  validate   Check the config and exit: 0 when valid, 1 with one line per error

Run 'teleport-otel <command> --help' for the command's options; 'teleport-otel --version' prints the version.
`;

const COMMON = `  -c, --config <file>     pipeline config (default: pipeline.yaml; env TELEPORT_OTEL_CONFIG)
  -h, --help              show this help
`;

export const COMMAND_USAGE: Record<string, string> = {
  run: `Usage: teleport-otel run -c pipeline.yaml [--once] [options]

Runs every pipeline of the config. Exporters start first, receivers last. SIGINT/SIGTERM drain
in-flight batches (up to the shutdown timeout); a second signal exits at once.

Options:
${COMMON}      --once              exit 0 once every finite input is read and acknowledged (backfills)
      --log-level <level> debug, info, warn or error (env TELEPORT_OTEL_LOG_LEVEL; default info)
      --log-format <fmt>  text or json: one JSON object per log line (env TELEPORT_OTEL_LOG_FORMAT; default text)
      --metrics-port <n>  serve /metrics and /healthz on this port; 0 = off (env TELEPORT_OTEL_METRICS_PORT)
      --health-port <n>   serve /healthz alone on this port, with or without metrics; 0 = off (env TELEPORT_OTEL_HEALTH_PORT)
      --data-dir <dir>    checkpoints and queues (env TELEPORT_OTEL_DATA_DIR; default ./data)
      --no-progress       no progress line on a terminal
`,
  validate: `Usage: teleport-otel validate -c pipeline.yaml

Checks the config without starting anything: YAML syntax, \${env:} references, every component's
settings, pipeline references, and the files and directories it names (TLS files readable, output
and state directories writable; a warning when one may still appear, e.g. a volume not mounted yet).
Prints one line per error and exits 1, or exits 0.

Options:
${COMMON}`,
};

export interface CliArgs {
  command: 'run' | 'validate' | 'help' | 'version';
  help: boolean;
  config?: string;
  once: boolean;
  logLevel?: string;
  logFormat?: string;
  metricsPort?: number;
  healthPort?: number;
  dataDir?: string;
  progress: boolean;
}

export function parseCli(argv: string[]): CliArgs {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    return { command: 'help', help: true, once: false, progress: false };
  }
  if (command === '--version' || command === '-v' || command === 'version') return { command: 'version', help: false, once: false, progress: false };
  if (command !== 'run' && command !== 'validate') {
    throw new UserError([`unknown command "${command}" (known: run, validate); see teleport-otel --help`]);
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string', short: 'c' },
        help: { type: 'boolean', short: 'h' },
        once: { type: 'boolean' },
        'log-level': { type: 'string' },
        'log-format': { type: 'string' },
        'metrics-port': { type: 'string' },
        'health-port': { type: 'string' },
        'data-dir': { type: 'string' },
        'no-progress': { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new UserError([`${command}: ${(err as Error).message.split('\n')[0]}; see teleport-otel ${command} --help`]);
  }
  const v = parsed.values;
  if (command === 'validate' && (v.once || v['metrics-port'] || v['health-port'] || v['data-dir'])) {
    throw new UserError(['validate: takes only -c/--config; see teleport-otel validate --help']);
  }
  const port = portFlag(v['metrics-port'], '--metrics-port');
  const healthPort = portFlag(v['health-port'], '--health-port');
  return {
    command,
    help: v.help ?? false,
    config: v.config,
    once: v.once ?? false,
    logLevel: v['log-level'],
    logFormat: v['log-format'],
    metricsPort: port,
    healthPort,
    dataDir: v['data-dir'],
    progress: !(v['no-progress'] ?? false),
  };
}

function portFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UserError([`${flag}: must be a port number, got "${value}"`]);
  return Number(value);
}
