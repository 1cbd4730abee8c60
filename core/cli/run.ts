/** `teleport-otel run`: start the service, wait for drain (--once) or a signal, shut down, summarize. */
import type { ServiceConfig } from '../config/load';
import type { ProcessSettings } from '../config/settings';
import type { Registry } from '../registry-types';
import { UserError, errorMessage } from '../errors';
import { Service } from '../pipeline/service';
import { createLogger } from '../telemetry/logger';
import { startTelemetryServer, type TelemetryServer } from '../telemetry/server';
import { startProgress, summaryLine } from './progress';

export interface RunOptions {
  once: boolean;
  progress: boolean;
  /** The registry `config` was loaded with. */
  registry: Registry;
  /** `teleport-otel replay`: exporters keep what their outputs hold (CreateContext.replay). */
  replay?: boolean;
}

export async function runService(config: ServiceConfig, settings: ProcessSettings, options: RunOptions): Promise<number> {
  const logger = createLogger({ level: settings.logLevel });
  for (const w of config.warnings) logger.warn(w);
  const service = new Service(config, {
    logger, dataDir: settings.dataDir, once: options.once, logLevel: settings.logLevel, registry: options.registry,
    onceFailingTimeoutMs: settings.onceFailingTimeout, replay: options.replay,
  });
  if (options.once) {
    const endless = service.endlessReceivers();
    if (endless.length > 0) throw new UserError([`--once: receivers ${endless.join(', ')} have no end; run without --once`]);
  }
  const started = Date.now();
  let server: TelemetryServer | undefined;
  if (settings.metricsPort > 0) {
    server = await startTelemetryServer(service.telemetry.registry, settings.metricsHost, settings.metricsPort, () => service.health())
      .catch((err: unknown) => { throw new UserError([`settings.metricsPort: cannot listen on ${settings.metricsHost}:${settings.metricsPort}: ${errorMessage(err)}`]); });
    logger.info(`metrics on http://${settings.metricsHost}:${server.port}/metrics`);
  }
  const stopSignal = waitForSignal(logger);
  const progress = options.progress && process.stderr.isTTY ? startProgress(service, started) : undefined;
  let code = 0;
  // An exporter that kept failing (--once): its batches are still retrying, so they are abandoned
  // at once at shutdown (unacknowledged, read again next run) rather than after the drain timeout.
  let abandon = false;
  const exporterFailed = service.failed().catch((err: unknown) => { abandon = true; throw err; });
  try {
    await service.start();
    logger.info(`started ${config.pipelines.length} pipeline(s)${options.once ? '; exiting when inputs are drained' : ''}`);
    // Without --once the process runs until a signal, even if no receiver holds the event loop open.
    const keepAlive = options.once ? undefined : setInterval(() => undefined, 1 << 30);
    const outcome = await Promise.race([
      options.once ? service.drained().then(() => 'drained' as const) : new Promise<never>(() => undefined),
      stopSignal.promise,
      exporterFailed,
    ]).finally(() => clearInterval(keepAlive));
    // A signal is how a daemon normally stops (exit 0); with --once it means the backfill did not finish.
    if (outcome !== 'drained' && options.once) code = 128 + (outcome === 'SIGINT' ? 2 : 15);
  } catch (err) {
    process.stderr.write(`${progress ? '\n' : ''}teleport-otel: ${errorMessage(err)}\n`);
    code = 1;
  } finally {
    progress?.stop();
    await service.shutdown(abandon ? 0 : settings.shutdownTimeout);
    stopSignal.dispose();
    await server?.close();
  }
  process.stderr.write(summaryLine(service, Date.now() - started) + '\n');
  return code;
}

/** First signal: graceful stop. Second: exit at once (unacknowledged data is re-read next start). */
function waitForSignal(logger: ReturnType<typeof createLogger>) {
  let resolveSignal: (s: NodeJS.Signals) => void = () => undefined;
  const promise = new Promise<NodeJS.Signals>((r) => { resolveSignal = r; });
  let received = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    received++;
    if (received === 1) {
      logger.info(`${signal}: draining in-flight batches (send again to exit at once)`);
      resolveSignal(signal);
    } else {
      process.stderr.write(`${signal} again: exiting without draining\n`);
      process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    promise,
    dispose: () => { process.off('SIGINT', onSignal); process.off('SIGTERM', onSignal); },
  };
}
