/**
 * The batches one ordered stream of a receiver has in flight: a file, a Kafka partition, an S3
 * object. Every receiver needs the same three rules, so they live here once:
 * - backpressure: `send` returns only when fewer than `maxInFlight` batches await acknowledgement,
 *   and hands a batch over only when the receiver's byte bound across its streams has room;
 * - ordered checkpoints: `onAcknowledged` gets the furthest checkpoint whose batch, and every batch
 *   sent before it, was acknowledged (OrderedAcks): a checkpoint never passes a batch in flight;
 * - failure: the first rejection is kept in `failure`, and no later acknowledgement moves the
 *   checkpoint past the failed batch. The receiver stops sending, awaits `settled()`, rewinds to
 *   its last checkpoint and calls `reset()` before reading again.
 */
import type { Consumer } from './component';
import { textBytes, type InFlightBytes } from './in-flight-bytes';
import { OrderedAcks } from './ordered-acks';
import type { LogRecord } from './record';

export class AckWindow<C> {
  private acks = new OrderedAcks<C>();
  private readonly inFlight = new Set<Promise<void>>();
  /** The first rejection since the last reset (a RetryableError, usually). */
  failure: unknown;

  constructor(
    private readonly consumer: Consumer,
    private readonly maxInFlight: number,
    /** Called in order, each time the checkpoint moves. */
    private readonly onAcknowledged: (checkpoint: C) => void,
    /** The receiver's bound across its streams, if it has one. */
    private readonly bytes?: InFlightBytes,
  ) {}

  /** Batches sent and not yet settled. */
  get size(): number {
    return this.inFlight.size;
  }

  /**
   * Hands `records` to the consumer; `checkpoint` is where the stream stands once they (and all
   * before them) are acknowledged. An empty batch moves the checkpoint in its turn (skipped lines).
   * Resolves when there is room for another batch; never rejects (see `failure`).
   */
  async send(records: LogRecord[], checkpoint: C): Promise<void> {
    const budget = records.length === 0 ? undefined : this.bytes;
    const weight = budget === undefined ? 0 : textBytes(records);
    // Before the batch goes: while it waits, its records are lines, not yet processed records.
    if (budget !== undefined) await budget.acquire(weight);
    const acks = this.acks;
    const ticket = acks.begin(checkpoint);
    if (records.length === 0) {
      this.advance(acks, acks.ack(ticket));
      return;
    }
    const p: Promise<void> = this.consumer.consume(records).then(
      () => this.advance(acks, acks.ack(ticket)),
      (err: unknown) => { if (acks === this.acks) this.failure ??= err; },
    ).finally(() => {
      this.inFlight.delete(p);
      budget?.release(weight);
    });
    this.inFlight.add(p);
    while (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight);
  }

  /** Resolves when every batch sent so far was acknowledged or failed. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  /**
   * Forgets the batches sent so far: whatever they do later moves no checkpoint of this window
   * (a rewind after a failure, or a Kafka partition revoked while batches were in flight).
   */
  reset(): void {
    this.acks = new OrderedAcks<C>();
    this.failure = undefined;
  }

  private advance(acks: OrderedAcks<C>, reached: C | undefined): void {
    if (reached !== undefined && acks === this.acks) this.onAcknowledged(reached);
  }
}
