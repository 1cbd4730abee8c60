/**
 * The `teleport-otel` entry point. Only this file decides exit codes; user errors are printed as
 * one line each, never with a stack.
 */
import type { Registry } from '../registry-types';
import { loadConfigFile } from '../config/load';
import { loadSettings } from '../config/settings';
import { UserError } from '../errors';
import { setMaxNestingDepth } from '../nesting';
import { parseCli, USAGE, COMMAND_USAGE } from './args';
import { runService } from './run';
import { replayConfig } from '../replay/replay';

/** `registry` is the distribution's components (components.ts), or a test's with test-only ones. */
export async function main(argv: string[], registry: Registry): Promise<number> {
  try {
    const args = parseCli(argv);
    if (args.command === 'help') return print(USAGE, 0);
    if (args.help) return print(COMMAND_USAGE[args.command], 0);
    const settings = loadSettings({
      config: args.config,
      logLevel: args.logLevel as never,
      metricsPort: args.metricsPort,
      dataDir: args.dataDir,
    });
    setMaxNestingDepth(settings.maxNestingDepth);
    const config = loadConfigFile(settings.config, registry);
    if (args.command === 'validate') {
      for (const w of config.warnings) process.stderr.write(`warning: ${w}\n`);
      const n = config.pipelines.length;
      process.stdout.write(`${settings.config}: valid (${n} pipeline${n === 1 ? '' : 's'})\n`);
      return 0;
    }
    if (args.command === 'replay') {
      const replay = await replayConfig(config, args.from!, args.pipeline);
      return await runService(replay, settings, { once: true, progress: args.progress, registry, replay: true });
    }
    return await runService(config, settings, { once: args.once, progress: args.progress, registry });
  } catch (err) {
    if (err instanceof UserError) {
      for (const line of err.lines) process.stderr.write(`${line}\n`);
      return 1;
    }
    const e = err as Error;
    process.stderr.write(`teleport-otel: internal error: ${e.message} (please report it; stack follows)\n${e.stack ?? ''}\n`);
    return 70;
  }
}

function print(text: string, code: number): number {
  process.stdout.write(text);
  return code;
}
