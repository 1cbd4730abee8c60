/** `teleport-otel run`: start the service, wait for drain (--once) or a signal, shut down, summarize. */
import type { ServiceConfig } from '../config/load';
import type { ProcessSettings } from '../config/settings';
import type { Registry } from '../registry-types';
import { prepareDataDir } from '../data-dir';
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
  const logger = createLogger({ level: settings.logLevel, format: settings.logFormat });
  for (const w of config.warnings) logger.warn(w);
  prepareDataDir(settings.dataDir);
  const service = new Service(config, {
    logger, dataDir: settings.dataDir, once: options.once, logLevel: settings.logLevel, logFormat: settings.logFormat, registry: options.registry,
    onceFailingTimeoutMs: settings.onceFailingTimeout, replay: options.replay,
  });
  // Runtime observers (GC, event-loop delay) cost CPU all run long: only when /metrics is served.
  if (settings.metricsPort > 0) service.telemetry.enableProcessMetrics();
  if (options.once) {
    const endless = service.endlessReceivers();
    if (endless.length > 0) throw new UserError([`--once: receivers ${endless.join(', ')} have no end; run without --once`]);
  }
  const started = Date.now();
  const servers: TelemetryServer[] = [];
  const listen = async (port: number, what: string, registry: typeof service.telemetry.registry | undefined) => {
    try {
      const s = await startTelemetryServer(registry, settings.metricsHost, port, () => service.health());
      servers.push(s);
      logger.info(`${what} on http://${settings.metricsHost}:${s.port}/${registry ? 'metrics and /healthz' : 'healthz'}`);
    } catch (err) {
      await Promise.all(servers.map((s) => s.close()));
      const flag = registry ? '--metrics-port / TELEPORT_OTEL_METRICS_PORT' : '--health-port / TELEPORT_OTEL_HEALTH_PORT';
      throw new UserError([`${flag}: cannot listen on ${settings.metricsHost}:${port}: ${errorMessage(err)}`]);
    }
  };
  if (settings.metricsPort > 0) await listen(settings.metricsPort, 'metrics', service.telemetry.registry);
  // A probe port of its own: health checks need not expose metrics (or share their port).
  if (settings.healthPort > 0 && settings.healthPort !== settings.metricsPort) await listen(settings.healthPort, 'health', undefined);
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
    await Promise.all(servers.map((s) => s.close()));
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
  // No reload yet: a SIGHUP (a closed terminal, a habit from other daemons) must not kill the process silently.
  const onHangup = () => logger.warn('SIGHUP: ignored (teleport-otel does not reload its config; restart it to apply changes)');
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onHangup);
  return {
    promise,
    dispose: () => { process.off('SIGINT', onSignal); process.off('SIGTERM', onSignal); process.off('SIGHUP', onHangup); },
  };
}
