/**
 * The batches of one S3 object, whatever its format (lines or Parquet rows): records are collected,
 * cut into batches of at most `max_batch_size` (or MAX_BATCH_BYTES), and handed to the pipeline
 * through an AckWindow, so at most `max_batches_in_flight` await acknowledgement and a slow
 * exporter slows the download. `finish` waits for every batch sent and says whether the object is
 * done (every record accepted or dead-lettered) or must be read again.
 */
import { AckWindow } from '../../core/ack-window';
import { RetryableError, errorMessage } from '../../core/errors';
import { newRecord, type LogRecord } from '../../core/record';
import type { ReadContext, ReadOutcome } from './object-reader';

/** A batch is cut at this many bytes even below max_batch_size, bounding memory per batch. */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;

export class ObjectBatches {
  private readonly window: AckWindow<number>;
  private records: LogRecord[] = [];
  private bytes = 0;
  /** Records handed to `add`, refused ones included. */
  count = 0;

  constructor(readonly source: string, private readonly ctx: ReadContext) {
    this.window = new AckWindow<number>(ctx.consumer, ctx.maxBatchesInFlight, () => undefined, ctx.bytesInFlight);
  }

  /** False once the read should stop: shutdown, or a batch was not acknowledged. */
  get going(): boolean {
    return !this.ctx.signal.aborted && this.window.failure === undefined;
  }

  add(record: LogRecord, bytes: number): void {
    this.records.push(record);
    this.bytes += bytes;
    this.count++;
  }

  /** A record the pipeline must dead-letter as it is (`code`, `reason`), never decode. */
  refuse(raw: string, position: LogRecord['position'], observed: bigint, code: string, reason: string, bytes = 0): void {
    const record = newRecord(raw, position, observed);
    record.refusal = { code, reason, component: this.ctx.component };
    this.add(record, bytes);
  }

  /** True once what was collected fills a batch: time to `cut`. */
  get full(): boolean {
    return this.records.length >= this.ctx.maxBatchSize || this.bytes >= MAX_BATCH_BYTES;
  }

  /** Sends what was collected once it fills a batch. */
  async sendFull(): Promise<void> {
    if (this.full) await this.cut();
  }

  /** Sends what was collected; returns when the window has room again. */
  async cut(): Promise<void> {
    if (this.records.length === 0) return;
    const batch = this.records;
    this.records = [];
    this.bytes = 0;
    this.ctx.counted(batch.length);
    // A batch over max_batch_size is split so the pipeline sees at most that many.
    for (let i = 0; i < batch.length; i += this.ctx.maxBatchSize) {
      await this.window.send(batch.slice(i, i + this.ctx.maxBatchSize), 0);
    }
  }

  /** Waits for every batch sent, then reports; `error` wins over a batch failure. */
  async finish(lines: number, error?: Error): Promise<ReadOutcome> {
    await this.window.settled();
    if (error !== undefined) return { kind: 'failed', error };
    if (this.ctx.signal.aborted) return { kind: 'failed', error: new RetryableError('shutdown', `${this.source}: shutting down`) };
    const failure = this.window.failure;
    if (failure !== undefined) {
      const message = `${this.source}: not acknowledged: ${errorMessage(failure)}`;
      return { kind: 'failed', error: new RetryableError('export_unavailable', message, { cause: failure }) };
    }
    return { kind: 'done', lines };
  }
}
