/** Command-line parsing: `run` and `validate`, with help text for each. */
import { parseArgs } from 'node:util';
import { UserError } from '../errors';

export const USAGE = `Usage: teleport-otel <command> [options]

Turns Teleport audit events into OpenTelemetry log records and Panther-format records.

Commands:
  run        Run the pipelines until stopped (SIGINT/SIGTERM), or until inputs are drained with --once
  validate   Check the config and exit: 0 when valid, 1 with one line per error
  replay     Feed dead-lettered records through their pipeline again (--from dead-letter.jsonl)

Run 'teleport-otel <command> --help' for the command's options.
`;

const COMMON = `  -c, --config <file>     pipeline config (default: pipeline.yaml; env TELEPORT_OTEL_CONFIG)
  -h, --help              show this help
`;

export const COMMAND_USAGE: Record<string, string> = {
  run: `Usage: teleport-otel run -c pipeline.yaml [--once] [options]

Runs every pipeline of the config. Exporters start first, receivers last. SIGINT/SIGTERM drain
in-flight batches (up to the shutdown timeout); a second signal exits at once.

Options:
${COMMON}      --once              exit 0 once every finite input is read and acknowledged (backfills); exit 1
                          when an exporter's endpoint, credentials or output directory keep failing
                          (env TELEPORT_OTEL_ONCE_FAILING_TIMEOUT_MS, default 60000)
      --log-level <level> debug, info, warn or error (env TELEPORT_OTEL_LOG_LEVEL; default info)
      --metrics-port <n>  serve /metrics and /healthz on this port; 0 = off (env TELEPORT_OTEL_METRICS_PORT)
      --data-dir <dir>    checkpoints and queues (env TELEPORT_OTEL_DATA_DIR; default ./data)
      --no-progress       no progress line on a terminal
`,
  replay: `Usage: teleport-otel replay -c pipeline.yaml --from dead-letter.jsonl [--pipeline NAME] [options]

Feeds the records of a dead-letter file (what a \`file\` exporter wrote as a pipeline's dead_letter)
through a pipeline again, from their original lines: each to the pipeline that dead-lettered it
(or --pipeline), through its processors, and to the exporter that refused it (or to every exporter
of the pipeline when it was refused before them). What is refused again goes to the pipeline's
dead letter again. Exits 0 once every record is delivered or dead-lettered again; 1 as \`run --once\`
does. Only the file as it was at the start is read, so it may be the pipeline's own dead letter;
moving it aside first keeps what is refused again apart.

Options:
${COMMON}      --from <file>       the dead-letter file to replay (OTLP/JSON lines)
      --pipeline <id>     replay every record through this pipeline instead (e.g. logs/teleport)
      --log-level <level> debug, info, warn or error (env TELEPORT_OTEL_LOG_LEVEL; default info)
      --metrics-port <n>  serve /metrics and /healthz on this port; 0 = off (env TELEPORT_OTEL_METRICS_PORT)
      --data-dir <dir>    checkpoints and queues (env TELEPORT_OTEL_DATA_DIR; default ./data)
      --no-progress       no progress line on a terminal
`,
  validate: `Usage: teleport-otel validate -c pipeline.yaml

Checks the config without starting anything: YAML syntax, \${env:} references, every component's
settings, pipeline references. Prints one line per error and exits 1, or exits 0.

Options:
${COMMON}`,
};

export interface CliArgs {
  command: 'run' | 'validate' | 'replay' | 'help';
  help: boolean;
  config?: string;
  once: boolean;
  logLevel?: string;
  metricsPort?: number;
  dataDir?: string;
  progress: boolean;
  /** replay: the dead-letter file, and the pipeline that overrides the recorded ones. */
  from?: string;
  pipeline?: string;
}

export function parseCli(argv: string[]): CliArgs {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    return { command: 'help', help: true, once: false, progress: false };
  }
  if (command !== 'run' && command !== 'validate' && command !== 'replay') {
    throw new UserError([`unknown command "${command}" (known: run, validate, replay); see teleport-otel --help`]);
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
        'metrics-port': { type: 'string' },
        'data-dir': { type: 'string' },
        'no-progress': { type: 'boolean' },
        from: { type: 'string' },
        pipeline: { type: 'string' },
      },
    });
  } catch (err) {
    throw new UserError([`${command}: ${(err as Error).message.split('\n')[0]}; see teleport-otel ${command} --help`]);
  }
  const v = parsed.values;
  if (command === 'validate' && (v.once || v['metrics-port'] || v['data-dir'])) {
    throw new UserError(['validate: takes only -c/--config; see teleport-otel validate --help']);
  }
  if (command !== 'replay' && (v.from !== undefined || v.pipeline !== undefined)) {
    throw new UserError([`${command}: --from and --pipeline are options of replay; see teleport-otel ${command} --help`]);
  }
  if (command === 'replay' && v.once) throw new UserError(['replay: always ends once the file is replayed; drop --once']);
  if (command === 'replay' && !v.help && v.from === undefined) throw new UserError(['replay: --from <dead-letter file> is required; see teleport-otel replay --help']);
  const port = v['metrics-port'];
  if (port !== undefined && !/^\d+$/.test(port)) throw new UserError([`--metrics-port: must be a port number, got "${port}"`]);
  return {
    command,
    help: v.help ?? false,
    config: v.config,
    once: v.once ?? false,
    logLevel: v['log-level'],
    metricsPort: port === undefined ? undefined : Number(port),
    dataDir: v['data-dir'],
    progress: !(v['no-progress'] ?? false),
    from: v.from,
    pipeline: v.pipeline,
  };
}
