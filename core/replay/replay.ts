/**
 * `teleport-otel replay`: feeds dead-lettered records through a pipeline again, from their
 * original lines, so records refused while something was wrong (a backend refusing them, a schema
 * since fixed) can be delivered once it is right. What is refused again goes to the pipeline's
 * dead letter again, with the new reason and the original position.
 *
 * Each record goes back to the pipeline that dead-lettered it (or `--pipeline`). A record refused
 * by one exporter of that pipeline goes, after the pipeline's processors, to that exporter alone:
 * the others had accepted it. A record refused earlier (decoding, a processor) goes through the
 * whole pipeline. The run is a `--once` run of a config built from the user's: a replay source
 * per group of records in place of the receivers, and only the components these pipelines use.
 */
import fs from 'node:fs';
import type { CreateContext, Receiver, ReceiverFactory, ReceiverHost } from '../component';
import type { ComponentConfig, PipelineConfig, ServiceConfig } from '../config/load';
import { UserError } from '../errors';
import { newRecord, type LogRecord } from '../record';
import { readDeadLetterFile, type DeadLetter } from './dead-letter-file';

const BATCH = 1000;

interface Route { readonly pipeline: PipelineConfig; readonly exporters: string[] }

/** Where a dead letter goes: its pipeline (or `override`), and which of its exporters. */
function routeOf(letter: DeadLetter, config: ServiceConfig, override: string | undefined): Route | string {
  const id = override ?? letter.pipeline;
  if (id === undefined) return 'names no pipeline (teleport_otel.pipeline); pass --pipeline';
  const pipeline = config.pipelines.find((p) => p.id === id);
  if (pipeline === undefined) return `names pipeline "${id}", which ${config.file} does not define; pass --pipeline`;
  const component = letter.component;
  const exporters = component !== undefined && pipeline.exporters.includes(component) ? [component] : pipeline.exporters;
  return { pipeline, exporters };
}

const routeKey = (r: Route) => `${r.pipeline.id}\u0000${r.exporters.join('\u0000')}`;

/**
 * Reads `from` once to find where its records go, then returns the config a `--once` run replays
 * them with. Throws a UserError (one line per problem) when a record has nowhere to go.
 */
export async function replayConfig(config: ServiceConfig, from: string, pipelineOverride?: string): Promise<ServiceConfig> {
  if (pipelineOverride !== undefined && !config.pipelines.some((p) => p.id === pipelineOverride)) {
    throw new UserError([`--pipeline: ${config.file} defines no pipeline "${pipelineOverride}" (it has: ${config.pipelines.map((p) => p.id).join(', ')})`]);
  }
  let size: number;
  try {
    const stat = fs.statSync(from);
    if (!stat.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    size = stat.size;
  } catch (err) {
    throw new UserError([`--from: cannot read ${from}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  const routes = new Map<string, Route>();
  const problems: string[] = [];
  await readDeadLetterFile(from, size, (n, letters) => {
    for (const letter of letters ?? []) {
      const route = routeOf(letter, config, pipelineOverride);
      if (typeof route === 'string') {
        if (problems.length < 5) problems.push(`${from}:${n}: ${route}`);
      } else {
        routes.set(routeKey(route), route);
      }
    }
  });
  if (problems.length > 0) throw new UserError(problems);

  const receivers = new Map<string, ComponentConfig>();
  const pipelines: PipelineConfig[] = [];
  for (const [key, route] of routes) {
    const id = `replay/${receivers.size + 1}`;
    const factory = replaySourceFactory((letter) => {
      const r = routeOf(letter, config, pipelineOverride);
      return typeof r !== 'string' && routeKey(r) === key;
    }, from, size);
    receivers.set(id, { id, factory, config: {} });
    pipelines.push({ ...route.pipeline, receivers: [id], exporters: route.exporters, workers: 0 });
  }
  const exporters = new Set(pipelines.flatMap((p) => [...p.exporters, ...p.deadLetter]));
  const processors = new Set(pipelines.flatMap((p) => p.processors));
  return {
    file: config.file,
    receivers,
    processors: new Map([...config.processors].filter(([id]) => processors.has(id))),
    exporters: new Map([...config.exporters].filter(([id]) => exporters.has(id))),
    pipelines,
    warnings: routes.size === 0 ? [`${from}: no dead-lettered records to replay`] : [],
  };
}

/** A receiver over the dead letters of `file` (up to `size`) that `select` picks. */
function replaySourceFactory(select: (letter: DeadLetter) => boolean, file: string, size: number): ReceiverFactory {
  return {
    kind: 'receiver',
    type: 'replay',
    description: 'Dead-lettered records of a file, replayed.',
    configShape: {},
    create: (_config, ctx) => new ReplaySource(select, file, size, ctx),
  };
}

class ReplaySource implements Receiver {
  private done: Promise<void> = Promise.resolve();
  private records = 0;
  private skipped = 0;
  private stopped = false;

  constructor(
    private readonly select: (letter: DeadLetter) => boolean,
    private readonly file: string,
    private readonly size: number,
    private readonly ctx: CreateContext,
  ) {}

  async start(host: ReceiverHost): Promise<void> {
    this.done = this.play(host);
    this.done.catch(() => undefined);
  }

  /** One batch in flight at a time: a replay is small, and order is kept. */
  private async play(host: ReceiverHost): Promise<void> {
    let batch: LogRecord[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const records = batch;
      batch = [];
      await host.consumer.consume(records);
      this.records += records.length;
    };
    await readDeadLetterFile(this.file, this.size, async (n, letters) => {
      if (this.stopped) throw new Error('replay stopped');
      if (letters === undefined) {
        this.skipped++;
        this.ctx.logger.rateLimited('skipped', 'warn', `${this.file}:${n}: not an OTLP/JSON request (a line cut short by a crash, never acknowledged); skipped`);
        return;
      }
      for (const letter of letters) {
        if (this.select(letter)) batch.push(newRecord(letter.raw, letter.position, letter.observedTimeUnixNano));
      }
      if (batch.length >= BATCH) await flush();
    });
    await flush();
  }

  drained(): Promise<void> {
    return this.done;
  }

  progress(): string {
    return `${this.records.toLocaleString('en-US')} records replayed${this.skipped > 0 ? `, ${this.skipped} lines skipped` : ''}`;
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.done.catch(() => undefined);
  }
}
