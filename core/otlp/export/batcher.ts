/**
 * The bounded in-memory sending queue: export calls from any number of pipelines go in, batches
 * of at most `maxBatchSize` records come out to at most `concurrency` concurrent dispatches, and
 * each call's promise settles once every record of that call has been dispatched and settled.
 *
 * - Larger calls are split; smaller ones are merged with whatever else is waiting. A batch goes
 *   out as soon as a dispatcher is free (or after `flushIntervalMs`, when set, if it is not full),
 *   so a receiver that waits for its acknowledgement is never held up by a timer by default.
 * - Bounded: when `queueSize` batches' worth of records, or `maxBytes` of them (as `weigh` counts
 *   them), are waiting, `add` waits for room before queueing: the wait propagates to the receiver
 *   (backpressure); nothing is dropped. A call is always let in when nothing waits.
 * - Outcome per call: `retryable` if any of its records' batches was (the core then retries the
 *   whole call: at-least-once), else `rejected` listing its records the batches rejected, else
 *   `success`.
 */
import { EXPORT_SUCCESS, type ExportResult } from '../../component';
import { RetryableError } from '../../errors';
import type { LogRecord, RecordFailure } from '../../record';

/** A record of a dispatched batch that can never be accepted, by its index in that batch. */
export interface BatchRejection { readonly index: number; readonly code: string; readonly reason: string }

export type BatchOutcome =
  | { readonly kind: 'success' }
  | { readonly kind: 'retryable'; readonly error: Error; readonly retryAfterMs?: number }
  /** `rejected` never accepted; every other record of the batch was. */
  | { readonly kind: 'rejected'; readonly rejected: readonly BatchRejection[] };

export type Dispatch = (records: LogRecord[]) => Promise<BatchOutcome>;

export interface BatcherOptions {
  readonly maxBatchSize: number;
  readonly flushIntervalMs: number;
  readonly concurrency: number;
  readonly queueSize: number;
  /** Most bytes of records waiting, as `weigh` counts them. */
  readonly maxBytes: number;
  /** A record's bytes while it waits. */
  readonly weigh: (record: LogRecord) => number;
  /** Names the component in failures (`otlphttp`). */
  readonly component: string;
}

interface Call {
  readonly records: readonly LogRecord[];
  /** Bytes of its records not yet taken into a batch. */
  bytes: number;
  /** Records not yet taken into a batch start here. */
  taken: number;
  /** Batches holding records of this call that have not settled. */
  outstanding: number;
  readonly failed: RecordFailure[];
  retry: { error: Error; retryAfterMs?: number } | undefined;
  readonly resolve: (result: ExportResult) => void;
}

interface Slice { readonly call: Call; readonly from: number; readonly to: number }

export class Batcher {
  private readonly waiting: Call[] = [];
  private waitingRecords = 0;
  private waitingBytes = 0;
  private oldestSince = 0;
  private active = 0;
  private timer: NodeJS.Timeout | undefined;
  private roomWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  /** Shutting down: waiting records go out without waiting for the flush interval. */
  private draining = false;

  constructor(private readonly options: BatcherOptions, private readonly dispatch: Dispatch) {}

  /** From now on, sends what waits as soon as a sender is free: the service is shutting down. */
  drain(): void {
    this.draining = true;
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    this.pump();
  }

  /** Records waiting for a dispatcher (for tests and progress). */
  get queued(): number {
    return this.waitingRecords;
  }

  /** Bytes of the records waiting for a dispatcher. */
  get queuedBytes(): number {
    return this.waitingBytes;
  }

  async add(records: readonly LogRecord[]): Promise<ExportResult> {
    if (records.length === 0) return EXPORT_SUCCESS;
    const limit = this.options.queueSize * this.options.maxBatchSize;
    const bytes = this.weight(records, 0, records.length);
    while (!this.closed && this.waitingRecords > 0
      && (this.waitingRecords + records.length > limit || this.waitingBytes + bytes > this.options.maxBytes)) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
    if (this.closed) return shuttingDown(this.options.component);
    return new Promise<ExportResult>((resolve) => {
      if (this.waitingRecords === 0) this.oldestSince = Date.now();
      this.waiting.push({ records, bytes, taken: 0, outstanding: 0, failed: [], retry: undefined, resolve });
      this.waitingRecords += records.length;
      this.waitingBytes += bytes;
      this.pump();
    });
  }

  /** Refuses new calls, fails calls still waiting (retryable: the caller keeps them), and waits for dispatches in flight. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const call of this.waiting.splice(0)) call.resolve(shuttingDown(this.options.component));
    this.waitingRecords = 0;
    this.waitingBytes = 0;
    for (const wake of this.roomWaiters.splice(0)) wake();
    while (this.active > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (!this.closed && this.active < this.options.concurrency && this.waitingRecords > 0) {
      const full = this.waitingRecords >= this.options.maxBatchSize;
      const due = this.draining || this.options.flushIntervalMs === 0 || Date.now() - this.oldestSince >= this.options.flushIntervalMs;
      if (!full && !due) {
        if (!this.timer) {
          const wait = Math.max(1, this.oldestSince + this.options.flushIntervalMs - Date.now());
          this.timer = setTimeout(() => { this.timer = undefined; this.pump(); }, wait);
        }
        return;
      }
      this.send(this.take());
    }
  }

  /** Up to maxBatchSize waiting records, oldest first, splitting a call when needed. */
  private take(): Slice[] {
    const slices: Slice[] = [];
    let room = this.options.maxBatchSize;
    while (room > 0 && this.waiting.length > 0) {
      const call = this.waiting[0];
      const to = Math.min(call.records.length, call.taken + room);
      slices.push({ call, from: call.taken, to });
      call.outstanding++;
      room -= to - call.taken;
      this.waitingRecords -= to - call.taken;
      const bytes = to === call.records.length ? call.bytes : this.weight(call.records, call.taken, to);
      call.bytes -= bytes;
      this.waitingBytes -= bytes;
      call.taken = to;
      if (to === call.records.length) this.waiting.shift();
    }
    this.oldestSince = Date.now();
    for (const wake of this.roomWaiters.splice(0)) wake();
    return slices;
  }

  private weight(records: readonly LogRecord[], from: number, to: number): number {
    let bytes = 0;
    for (let i = from; i < to; i++) bytes += this.options.weigh(records[i]);
    return bytes;
  }

  private send(slices: Slice[]): void {
    const records: LogRecord[] = [];
    for (const s of slices) for (let i = s.from; i < s.to; i++) records.push(s.call.records[i]);
    this.active++;
    this.dispatch(records)
      .catch((err: unknown): BatchOutcome => ({ kind: 'retryable', error: err instanceof Error ? err : new Error(String(err)) }))
      .then((outcome) => {
        const rejected = outcome.kind === 'rejected' ? new Map(outcome.rejected.map((r) => [r.index, r])) : undefined;
        let offset = 0;
        for (const s of slices) {
          this.settle(s, outcome, rejected, offset);
          offset += s.to - s.from;
        }
        this.active--;
        if (this.active === 0) for (const wake of this.idleWaiters.splice(0)) wake();
        this.pump();
      });
  }

  /** `offset`: where the slice's records start in the dispatched batch (what `rejected` indexes). */
  private settle(slice: Slice, outcome: BatchOutcome, rejected: Map<number, BatchRejection> | undefined, offset: number): void {
    const call = slice.call;
    if (outcome.kind === 'retryable') {
      const later = call.retry?.retryAfterMs;
      const retryAfterMs = later === undefined ? outcome.retryAfterMs : Math.max(later, outcome.retryAfterMs ?? 0);
      call.retry = { error: outcome.error, retryAfterMs };
    } else if (rejected !== undefined) {
      for (let i = slice.from; i < slice.to; i++) {
        const r = rejected.get(offset + i - slice.from);
        if (r !== undefined) call.failed.push({ record: call.records[i], code: r.code, reason: r.reason, component: this.options.component });
      }
    }
    call.outstanding--;
    if (call.outstanding > 0 || call.taken < call.records.length) return;
    if (call.retry) call.resolve({ kind: 'retryable', error: call.retry.error, retryAfterMs: call.retry.retryAfterMs });
    else if (call.failed.length > 0) call.resolve({ kind: 'rejected', failed: call.failed });
    else call.resolve(EXPORT_SUCCESS);
  }
}

function shuttingDown(component: string): ExportResult {
  return { kind: 'retryable', error: new RetryableError('shutdown', `${component}: exporter is shutting down; nothing was sent`) };
}
