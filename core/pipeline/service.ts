/**
 * Builds the component graph from a validated config and runs its lifecycle: exporters start
 * first and stop last; receivers start last and stop first, draining what is in flight.
 */
import { setMaxListeners } from 'node:events';
import type { Processor, Receiver, ReceiverFactory, ProcessorFactory, ExporterFactory, CreateContext } from '../component';
import type { ServiceConfig, ComponentConfig } from '../config/load';
import { DEFAULT_RETRY } from '../retry';
import type { Logger, LogFormat, LogLevel } from '../telemetry/logger';
import { Telemetry } from '../telemetry/metrics';
import { maxNestingDepth } from '../nesting';
import { EncodeForExporters, type ExporterEncoder } from './encode-for-exporters';
import { Fanout } from './fanout';
import { Pipeline, type ProcessorHandle } from './pipeline';
import type { ExporterHandle } from './deliver';
import { DestinationHealth } from './destination-health';
import type { Registry } from '../registry-types';
import { WorkerPool } from './workers/worker-pool';
import { parsedYamlDocuments } from '../yaml-file';

export interface ServiceOptions {
  readonly logger: Logger;
  readonly dataDir: string;
  readonly once: boolean;
  readonly telemetry?: Telemetry;
  /** The registry `config` was loaded with; pipelines with `workers` load it again by its ref. */
  readonly registry: Registry;
  /** Log level of worker threads. */
  readonly logLevel?: LogLevel;
  /**
   * With `once`: how long an exporter's destination may keep refusing (DestinationError) before
   * the run fails (`failed()` rejects). Default 60 s.
   */
  readonly onceFailingTimeoutMs?: number;
  /** `teleport-otel replay` (see CreateContext.replay). */
  readonly replay?: boolean;
  /** Log format of worker threads. */
  readonly logFormat?: LogFormat;
}

export const DEFAULT_ONCE_FAILING_TIMEOUT_MS = 60_000;

export class Service {
  readonly telemetry: Telemetry;
  readonly pipelines: Pipeline[] = [];
  private readonly receivers = new Map<string, Receiver>();
  private readonly processors: { id: string; processor: Processor }[] = [];
  private readonly exporters = new Map<string, ExporterHandle>();
  private readonly pools: WorkerPool[] = [];
  private readonly abort = new AbortController();
  /** Fired when shutdown begins (see CreateContext.stopping). */
  private readonly stopping = new AbortController();
  private state: 'created' | 'starting' | 'running' | 'stopping' | 'stopped' = 'created';
  private failRun: (error: Error) => void = () => undefined;
  private readonly fatal: Promise<never>;

  constructor(private readonly config: ServiceConfig, private readonly options: ServiceOptions) {
    this.telemetry = options.telemetry ?? new Telemetry();
    // Every batch retrying an exporter sleeps on this signal: a Kafka receiver alone has
    // partitions × max_batches_in_flight of them, well past Node's leak warning at 10.
    setMaxListeners(0, this.abort.signal, this.stopping.signal);
    this.fatal = new Promise<never>((_, reject) => { this.failRun = reject; });
    this.fatal.catch(() => undefined);
    for (const [id, c] of config.exporters) this.exporters.set(id, this.createExporter(id, c));
    for (const p of config.pipelines) this.pipelines.push(this.createPipeline(p));
    for (const [id, c] of config.receivers) {
      if (!config.pipelines.some((p) => p.receivers.includes(id))) continue;
      this.receivers.set(id, (c.factory as ReceiverFactory).create(c.config as never, this.context('receiver', id)));
    }
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /** What `/healthz` answers: `starting`/`stopping` outside the running state, else the components' worst. */
  health(): ReturnType<Telemetry['health']['snapshot']> | { status: 'starting' | 'stopping'; components: Record<string, never> } {
    if (this.state === 'running') return this.telemetry.health.snapshot();
    return { status: this.state === 'created' || this.state === 'starting' ? 'starting' : 'stopping', components: {} };
  }

  /** Starts exporters, then processors, then receivers. A failure stops what was started. */
  async start(): Promise<void> {
    this.state = 'starting';
    try {
      for (const e of this.exporters.values()) await e.exporter.start();
      for (const p of this.processors) await p.processor.start();
      await Promise.all(this.pools.map((pool) => pool.start()));
      for (const [id, receiver] of this.receivers) {
        const pipelines = this.pipelines.filter((_, i) => this.config.pipelines[i].receivers.includes(id));
        const consumer = new Fanout(pipelines, this.telemetry.forComponent('receiver', id));
        await receiver.start({ consumer, once: this.options.once });
      }
      this.state = 'running';
    } catch (err) {
      await this.shutdown(0);
      throw err;
    }
  }

  /** Resolves when every receiver reported its finite input drained (`--once`). */
  async drained(): Promise<void> {
    await Promise.all([...this.receivers.values()].map((r) => r.drained?.()));
  }

  /**
   * Rejects when the run cannot succeed and must end (exit 1): under `--once`, an exporter whose
   * destination refused for longer than `onceFailingTimeoutMs`. Never resolves.
   */
  failed(): Promise<never> {
    return this.fatal;
  }

  /** Receivers with no end, which `--once` cannot wait for. */
  endlessReceivers(): string[] {
    return [...this.receivers].filter(([, r]) => r.drained === undefined).map(([id]) => id);
  }

  progress(): string {
    return [...this.receivers].map(([id, r]) => (r.progress ? `${id}: ${r.progress()}` : id)).join('; ');
  }

  /**
   * Stops receivers (each drains its in-flight batches), then processors and exporters. After
   * `deadlineMs`, pending retries are abandoned: their batches fail upstream unacknowledged, so
   * receivers keep their checkpoints and nothing is lost. Idempotent.
   */
  async shutdown(deadlineMs: number): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    this.stopping.abort();
    const timer = setTimeout(() => this.abort.abort(), deadlineMs);
    try {
      await Promise.allSettled([...this.receivers.values()].map((r) => r.shutdown()));
      this.abort.abort();
      await Promise.allSettled(this.pools.map((pool) => pool.stop()));
      for (const p of this.processors) await settle(p.processor.shutdown(), this.options.logger, p.id);
      for (const [id, e] of this.exporters) {
        e.destination.dispose();
        await settle(e.exporter.shutdown(), this.options.logger, id);
      }
    } finally {
      clearTimeout(timer);
      this.state = 'stopped';
    }
  }

  private createExporter(id: string, c: ComponentConfig): ExporterHandle {
    const ctx = this.context('exporter', id);
    const exporter = (c.factory as ExporterFactory).create(c.config as never, ctx) ;
    const giveUp = this.options.once
      ? { afterMs: this.options.onceFailingTimeoutMs ?? DEFAULT_ONCE_FAILING_TIMEOUT_MS, fail: (error: Error) => this.failRun(error) }
      : undefined;
    const destination = new DestinationHealth(id, ctx.telemetry.health, ctx.logger, giveUp);
    return { id, exporter, retry: exporter.retryPolicy ?? DEFAULT_RETRY, telemetry: ctx.telemetry, logger: ctx.logger, destination };
  }

  private createPipeline(p: ServiceConfig['pipelines'][number]): Pipeline {
    const processors: ProcessorHandle[] = p.processors.map((id) => {
      const c = this.config.processors.get(id)!;
      // Each pipeline gets its own processor instance, as in the Collector.
      const ctx = this.context('processor', `${p.id}/${id}`);
      const processor = (c.factory as ProcessorFactory).create(c.config as never, ctx);
      this.processors.push({ id: ctx.id, processor });
      return { id, processor, telemetry: ctx.telemetry };
    });
    const pick = (ids: string[]) => ids.map((id) => this.exporters.get(id)!);
    const logger = this.options.logger.child(p.id);
    // With workers, the processors built above still start and stop here (so a bad config fails
    // before any thread starts), but records go through the workers' own instances.
    const pool = p.workers > 0 ? this.createWorkerPool(p, logger) : undefined;
    return new Pipeline(p.id, processors, pick(p.exporters), pick(p.deadLetter), this.telemetry, logger, this.abort.signal, pool, pool === undefined ? this.encodeForExporters(p) : undefined);
  }

  /**
   * When the pipeline has processors and every exporter of it has an encoder: encoding for them in
   * the pipeline (encode-for-exporters.ts). Without processors a record holds only its parsed
   * event, and encoding early costs more (a copy, objects per record) than it frees: measured,
   * `filelog → otlphttp` peaked ~4 MB higher with it, for no CPU saved.
   */
  private encodeForExporters(p: ServiceConfig['pipelines'][number]): EncodeForExporters | undefined {
    if (p.processors.length === 0) return undefined;
    const encoders: ExporterEncoder[] = [];
    for (const id of p.exporters) {
      const c = this.config.exporters.get(id)!;
      const encoder = (c.factory as ExporterFactory).createEncoder?.(c.config as never);
      if (encoder === undefined) return undefined;
      encoders.push({ id, encoder });
    }
    return encoders.length > 0 ? new EncodeForExporters(encoders) : undefined;
  }

  private createWorkerPool(p: ServiceConfig['pipelines'][number], logger: Logger): WorkerPool {
    const describe = (section: Map<string, ComponentConfig>) => (id: string) => {
      const c = section.get(id)!;
      return { id, type: c.factory.type, config: c.config };
    };
    const pool = new WorkerPool({
      registry: this.options.registry.ref,
      pipelineId: p.id,
      processors: p.processors.map(describe(this.config.processors)),
      exporters: p.exporters.map(describe(this.config.exporters)),
      logLevel: this.options.logLevel ?? 'info',
      logFormat: this.options.logFormat,
      dataDir: this.options.dataDir,
      maxNestingDepth: maxNestingDepth(),
      yamlDocuments: parsedYamlDocuments(),
    }, p.workers, logger);
    this.pools.push(pool);
    return pool;
  }

  private context(kind: string, id: string): CreateContext {
    return {
      id,
      logger: this.options.logger.child(id),
      telemetry: this.telemetry.forComponent(kind, id),
      dataDir: this.options.dataDir,
      stopping: this.stopping.signal,
      replay: this.options.replay,
    };
  }
}

async function settle(p: Promise<void>, logger: Logger, id: string): Promise<void> {
  try {
    await p;
  } catch (err) {
    logger.error(`${id}: shutdown failed: ${(err as Error).message}`);
  }
}
