/**
 * One `service.pipelines` entry: processors in order, then every exporter in parallel, then the
 * dead letter for what was refused. `consume` resolves only when all of that is durable.
 */
import type { Processor } from '../component';
import type { LogRecord, RecordFailure } from '../record';
import type { Logger } from '../telemetry/logger';
import type { ComponentTelemetry, Telemetry } from '../telemetry/metrics';
import { toDeadLetterRecord } from './dead-letter';
import type { EncodeForExporters } from './encode-for-exporters';
import { deliver, type ExporterHandle } from './deliver';
import { filteredBy, runProcessor } from './run-processor';
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
  /** Records a processor dropped on purpose (filter rules): handled, not exported. */
  filtered: number;
}

export class Pipeline {
  readonly stats: PipelineStats = { read: 0, exported: 0, deadLettered: 0, dropped: 0, filtered: 0 };
  /**
   * How many processors a refused record went through before it was refused (0: refused before
   * the first), for the processors' dead-letter views; absent: it went through all of them.
   */
  private readonly refusedAt = new WeakMap<RecordFailure, number>();
  /** Processors that say what a dead letter may hold (redaction), by position. */
  private readonly viewers: { index: number; handle: ProcessorHandle }[];
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
    /** Set when every exporter has an encoder: records are encoded for them here, after the processors. */
    private readonly encodeHere?: EncodeForExporters,
  ) {
    // Results from workers are written onto the records.
    this.mutates = workers !== undefined || processors.some((p) => p.processor.mutates);
    this.viewers = processors.flatMap((handle, index) => (handle.processor.deadLetterView ? [{ index, handle }] : []));
  }

  /**
   * `records` may be undecoded when every pipeline of the receiver runs on workers. `refused` are
   * records that failed before this pipeline (decoding); they go to its dead letter. `owned`: no
   * other pipeline sees these record objects, so their event and views may be dropped once encoded.
   */
  async consume(records: LogRecord[], refused: RecordFailure[] = [], owned = false): Promise<void> {
    this.stats.read += records.length + refused.length;
    const started = Date.now();
    const failures = [...refused];
    for (const f of refused) this.refusedAt.set(f, 0);
    const current = this.workers === undefined
      ? await this.process(records, failures)
      : await this.processOnWorkers(this.workers, records, failures);
    const before = this.stats.exported;
    const release = owned && this.encodeHere !== undefined && current.length > 0
      ? this.encodeHere.encode(current)
      : undefined;
    await this.export(current, failures);
    release?.();
    // Per batch, never per record: what --log-level debug shows of the data flowing.
    this.logger.debug(`batch of ${records.length + refused.length} acknowledged in ${Date.now() - started} ms: exported ${this.stats.exported - before}, refused ${failures.length}`);
  }

  private async process(records: LogRecord[], failures: RecordFailure[]): Promise<LogRecord[]> {
    let current = records;
    for (let i = 0; i < this.processors.length; i++) {
      const handle = this.processors[i];
      const result = await runProcessor(handle, current);
      const { filtered, undeclared } = filteredBy(current.length, result);
      this.counted(handle, result.records.length, result.failed.length, filtered, undeclared);
      for (const f of result.failed) {
        failures.push(f);
        this.refusedAt.set(f, i);
      }
      current = result.records;
    }
    return current;
  }

  /** A processor's counters, and the pipeline's count of what its filters dropped. */
  private counted(handle: ProcessorHandle, accepted: number, refused: number, filtered: number, undeclared: number): void {
    handle.telemetry.accepted(accepted);
    handle.telemetry.refused(refused);
    handle.telemetry.filtered(filtered);
    this.stats.filtered += filtered;
    if (undeclared > 0) {
      this.logger.rateLimited(`undeclared-drop-${handle.id}`, 'error',
        `processor ${handle.id} returned ${undeclared} records neither passed on, failed nor declared filtered (a bug); they are counted as filtered`);
    }
  }

  private async processOnWorkers(pool: WorkerPool, records: LogRecord[], failures: RecordFailure[]): Promise<LogRecord[]> {
    const work: LogRecord[] = [];
    for (const r of records) {
      if (r.refusal) {
        const f = { record: r, ...r.refusal };
        failures.push(f);
        this.refusedAt.set(f, 0);
      } else work.push(r);
    }
    if (work.length === 0) return work;
    const result = await pool.run(work);
    return applyWorkerResult(work, result, this.processors, failures, {
      counted: (handle, accepted, refused, filtered, undeclared) => this.counted(handle, accepted, refused, filtered, undeclared),
      refusedAt: (f, stage) => this.refusedAt.set(f, stage),
    });
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
    const letters = failures.map((f) => toDeadLetterRecord(this.viewedByProcessors(f), this.id));
    const results = await Promise.all(this.deadLetters.map((d) => deliver(d, letters, this.signal)));
    const lost = uniqueByRecord(results.flat());
    if (lost.length > 0) {
      this.stats.dropped += lost.length;
      this.logger.error(`dead letter refused ${lost.length} records; they are counted as dropped: ${lost[0].reason}`);
    }
    this.stats.deadLettered += failures.length;
    this.telemetry.deadLettered.labels(this.id).inc(failures.length);
  }

  /**
   * What the dead letter may hold of a refused record: processors that rewrite records
   * (redaction) and had not run on it yet rewrite its line and reason now, in pipeline order.
   * The record itself is left as it is (other pipelines may share it).
   */
  private viewedByProcessors(failure: RecordFailure): RecordFailure {
    const from = this.refusedAt.get(failure) ?? this.processors.length;
    let view: RecordFailure | undefined;
    for (const { index, handle } of this.viewers) {
      if (index < from) continue;
      const current = view ?? failure;
      const seen = handle.processor.deadLetterView!(current.record, current.reason);
      view = { ...current, record: { ...current.record, raw: seen.raw }, reason: seen.reason };
    }
    return view ?? failure;
  }
}

function uniqueByRecord(failures: RecordFailure[]): RecordFailure[] {
  if (failures.length < 2) return failures;
  const seen = new Set<LogRecord>();
  return failures.filter((f) => (seen.has(f.record) ? false : (seen.add(f.record), true)));
}
