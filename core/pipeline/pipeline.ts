/**
 * One `service.pipelines` entry: processors in order, then every exporter in parallel, then the
 * dead letter for what was refused. `consume` resolves only when all of that is durable.
 */
import type { Processor } from '../component';
import type { LogRecord, RecordFailure } from '../record';
import type { Logger } from '../telemetry/logger';
import type { ComponentTelemetry, Telemetry } from '../telemetry/metrics';
import { toDeadLetterRecord } from './dead-letter';
import { deliver, type ExporterHandle } from './deliver';
import { runProcessor } from './run-processor';
import type { WorkerPool } from './workers/worker-pool';
import { applyWorkerResult } from './workers/apply-result';

export interface ProcessorHandle {
  readonly id: string;
  readonly processor: Processor;
  readonly telemetry: ComponentTelemetry;
}

/** Totals for the end-of-run summary line. */
export interface PipelineStats {
  read: number;
  exported: number;
  deadLettered: number;
  /** Refused records that had no dead letter to go to (logged and counted, see README). */
  dropped: number;
}

export class Pipeline {
  readonly stats: PipelineStats = { read: 0, exported: 0, deadLettered: 0, dropped: 0 };
  readonly mutates: boolean;

  constructor(
    readonly id: string,
    private readonly processors: ProcessorHandle[],
    private readonly exporters: ExporterHandle[],
    private readonly deadLetters: ExporterHandle[],
    private readonly telemetry: Telemetry,
    private readonly logger: Logger,
    private readonly signal: AbortSignal,
    /** Set when the pipeline decodes, processes and encodes on worker threads. */
    readonly workers?: WorkerPool,
  ) {
    // Results from workers are written onto the records.
    this.mutates = workers !== undefined || processors.some((p) => p.processor.mutates);
  }

  /**
   * `records` may be undecoded when every pipeline of the receiver runs on workers. `refused` are
   * records that failed before this pipeline (decoding); they go to its dead letter.
   */
  async consume(records: LogRecord[], refused: RecordFailure[] = []): Promise<void> {
    this.stats.read += records.length + refused.length;
    const started = Date.now();
    const failures = [...refused];
    const current = this.workers === undefined
      ? await this.process(records, failures)
      : await this.processOnWorkers(this.workers, records, failures);
    const before = this.stats.exported;
    await this.export(current, failures);
    // Per batch, never per record: what --log-level debug shows of the data flowing.
    this.logger.debug(`batch of ${records.length + refused.length} acknowledged in ${Date.now() - started} ms: exported ${this.stats.exported - before}, refused ${failures.length}`);
  }

  private async process(records: LogRecord[], failures: RecordFailure[]): Promise<LogRecord[]> {
    let current = records;
    for (const handle of this.processors) {
      const result = await runProcessor(handle, current);
      handle.telemetry.accepted(result.records.length);
      handle.telemetry.refused(result.failed.length);
      for (const f of result.failed) failures.push(f);
      current = result.records;
    }
    return current;
  }

  private async processOnWorkers(pool: WorkerPool, records: LogRecord[], failures: RecordFailure[]): Promise<LogRecord[]> {
    const work: LogRecord[] = [];
    for (const r of records) {
      if (r.refusal) failures.push({ record: r, ...r.refusal });
      else work.push(r);
    }
    if (work.length === 0) return work;
    const result = await pool.run(work);
    return applyWorkerResult(work, result, this.processors, failures);
  }

  private async export(current: LogRecord[], failures: RecordFailure[]): Promise<void> {
    const rejectedByExporters = await Promise.all(this.exporters.map((e) => deliver(e, current, this.signal)));
    const rejected = uniqueByRecord(rejectedByExporters.flat());
    this.stats.exported += current.length - rejected.length;
    for (const f of rejected) failures.push(f);
    if (failures.length > 0) await this.deadLetter(failures);
  }

  private async deadLetter(failures: RecordFailure[]): Promise<void> {
    if (this.deadLetters.length === 0) {
      this.stats.dropped += failures.length;
      const f = failures[0];
      this.logger.rateLimited('no-dead-letter', 'warn',
        `${failures.length} records refused and no dead_letter configured; first: ${f.component}: ${f.reason}`);
      return;
    }
    const letters = failures.map((f) => toDeadLetterRecord(f, this.id));
    const results = await Promise.all(this.deadLetters.map((d) => deliver(d, letters, this.signal)));
    const lost = uniqueByRecord(results.flat());
    if (lost.length > 0) {
      this.stats.dropped += lost.length;
      this.logger.error(`dead letter refused ${lost.length} records; they are counted as dropped: ${lost[0].reason}`);
    }
    this.stats.deadLettered += failures.length;
    this.telemetry.deadLettered.labels(this.id).inc(failures.length);
  }
}

function uniqueByRecord(failures: RecordFailure[]): RecordFailure[] {
  if (failures.length < 2) return failures;
  const seen = new Set<LogRecord>();
  return failures.filter((f) => (seen.has(f.record) ? false : (seen.add(f.record), true)));
}
