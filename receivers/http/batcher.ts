/**
 * Group commit across requests: the Event Handler sends one event per request, and one
 * `consume` (one pass through the pipeline, one write and fsync) per event would bound the
 * receiver by disk latency. Requests that arrive while earlier batches are being delivered wait
 * together and go out as one batch; each request learns its batch's outcome, so a request is
 * still answered 200 only once its own events were acknowledged.
 */
import type { Consumer } from '../../core/component';
import type { LogRecord } from '../../core/record';

interface Waiting {
  readonly records: LogRecord[];
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export class Batcher {
  private queue: Waiting[] = [];
  private queued = 0;
  /** Events waiting for a batch. */
  get waiting(): number {
    return this.queued;
  }

  private inFlight = 0;
  private scheduled = false;
  private readonly batches = new Set<Promise<void>>();

  constructor(
    private readonly consumer: Consumer,
    private readonly maxBatchSize: number,
    private readonly maxBatchesInFlight: number,
  ) {}

  /**
   * Resolves when the batch holding `records` was acknowledged by every exporter (or its bad
   * records dead-lettered); rejects with the pipeline's error (usually a RetryableError).
   */
  submit(records: LogRecord[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ records, resolve, reject });
      this.queued += records.length;
      this.schedule();
    });
  }

  /** Resolves when everything submitted so far was delivered or failed. */
  async settled(): Promise<void> {
    while (this.queue.length > 0 || this.batches.size > 0) {
      this.schedule();
      await Promise.allSettled([...this.batches]);
      // A batch that ended may have started the next one on a later tick.
      if (this.batches.size === 0 && this.queue.length > 0) await new Promise((r) => setImmediate(r));
    }
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0 || this.inFlight >= this.maxBatchesInFlight) return;
    this.scheduled = true;
    // One turn of the event loop: requests parsed in the same I/O phase share a batch.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxBatchesInFlight) {
      const group = this.take();
      const records = group.length === 1 ? group[0].records : group.flatMap((w) => w.records);
      this.inFlight++;
      const p = this.consumer.consume(records).then(
        () => { for (const w of group) w.resolve(); },
        (err: unknown) => { for (const w of group) w.reject(err); },
      ).finally(() => {
        this.inFlight--;
        this.batches.delete(p);
        this.schedule();
      });
      this.batches.add(p);
    }
  }

  /** Whole requests, oldest first, up to `maxBatchSize` events (a bigger request goes alone). */
  private take(): Waiting[] {
    let n = 0;
    let i = 0;
    while (i < this.queue.length && (i === 0 || n + this.queue[i].records.length <= this.maxBatchSize)) n += this.queue[i++].records.length;
    const group = this.queue.slice(0, i);
    this.queue = this.queue.slice(i);
    this.queued -= n;
    return group;
  }
}
