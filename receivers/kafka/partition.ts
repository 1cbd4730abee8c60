/**
 * One assigned partition's batches in flight. Offsets are kept as bigint (Kafka's are int64).
 *
 * - `sent`: the offset after the last message handed to the pipeline. After a rebalance that keeps
 *   this partition, kafkajs fetches again from the committed offset; what is below `sent` is
 *   already in flight or acknowledged and is skipped, so keeping a partition reads nothing twice.
 * - `acked`: the offset after the last message whose batch, and every batch before it, was
 *   accepted by every exporter (OrderedAcks): what may be committed.
 * - `committed`: what this member last committed for it.
 *
 * A batch that fails (consume rejects: the pipeline gave up on a retryable failure) marks the
 * partition failed; nothing after it moves `acked`. The receiver pauses it, waits until every
 * batch settled, backs off, then rewinds: `rewind()` forgets what was in flight and the fetch
 * resumes at `acked`. `revoke()` does the same for a partition this member lost: whatever its
 * batches do later moves nothing, so nothing is ever committed for it again.
 */
import type { Consumer } from '../../core/component';
import { OrderedAcks } from '../../core/ordered-acks';
import type { LogRecord } from '../../core/record';

type Ticket = ReturnType<OrderedAcks<bigint>['begin']>;

export interface PartitionEvents {
  /** `acked` moved. */
  acknowledged(p: PartitionStream): void;
  /** A batch of `bytes` settled (acknowledged or failed): there may be room again, or the partition ready to rewind. */
  settled(p: PartitionStream, bytes: number): void;
  /** The first failure since the last rewind. */
  failed(p: PartitionStream, error: unknown): void;
}

export class PartitionStream {
  private acks = new OrderedAcks<bigint>();
  /** Changes at every rewind and at revocation: settlements of older batches are ignored. */
  private epoch = 0;
  private live = new Set<Promise<void>>();
  sent: bigint | undefined;
  acked: bigint | undefined;
  committed: bigint | undefined;
  failure: unknown;
  revoked = false;
  /** Consecutive failures, for the backoff; reset by an acknowledgement. */
  attempts = 0;
  /** The partition's high watermark as of the last fetch, for the lag gauge. */
  highWatermark: bigint | undefined;
  paused = false;
  /** Set while a rewind waits for its backoff. */
  rewinding = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly consumer: Consumer,
    private readonly events: PartitionEvents,
  ) {}

  get key(): string {
    return `${this.topic}/${this.partition}`;
  }

  /** Batches handed to the pipeline and not yet settled (of this epoch and older ones). */
  get inFlight(): number {
    return this.live.size;
  }

  /**
   * Sends `records`, the messages up to `next` (exclusive); `first` is the first offset of the
   * fetch they came from (the starting point when nothing was acknowledged yet). An empty batch
   * (every message skipped or blank) moves `acked` in its turn. `bytes`: the batch's weight,
   * handed back when it settles.
   */
  send(records: LogRecord[], first: bigint, next: bigint, bytes: number): void {
    if (this.acked === undefined) this.acked = first;
    this.sent = next;
    const acks = this.acks;
    const epoch = this.epoch;
    const ticket = acks.begin(next);
    if (records.length === 0) {
      this.advance(acks, ticket);
      return;
    }
    const p: Promise<void> = this.consumer.consume(records).then(
      () => { if (epoch === this.epoch) this.advance(acks, ticket); },
      (err: unknown) => {
        if (epoch !== this.epoch || this.failure !== undefined) return;
        this.failure = err ?? new Error('batch not acknowledged');
        this.events.failed(this, this.failure);
      },
    ).finally(() => {
      this.live.delete(p);
      this.events.settled(this, bytes);
    });
    this.live.add(p);
  }

  /** Resolves when every batch sent so far settled. */
  async settled(): Promise<void> {
    while (this.live.size > 0) await Promise.all(this.live);
  }

  /** After a failure, once settled: the fetch goes back to `acked`; what was in flight counts no more. */
  rewind(): bigint | undefined {
    this.epoch++;
    this.acks = new OrderedAcks<bigint>();
    this.failure = undefined;
    this.sent = this.acked;
    return this.acked;
  }

  /** This member lost the partition: nothing it has in flight will move `acked` again. */
  revoke(): number {
    const abandoned = this.live.size;
    this.revoked = true;
    this.epoch++;
    this.acks = new OrderedAcks<bigint>();
    return abandoned;
  }

  /** What to commit now, if anything: `acked`, when ahead of `committed`. */
  toCommit(): bigint | undefined {
    if (this.revoked || this.acked === undefined) return undefined;
    return this.committed === undefined || this.acked > this.committed ? this.acked : undefined;
  }

  private advance(acks: OrderedAcks<bigint>, ticket: Ticket): void {
    // A failed batch's ticket is never done, so nothing after it moves `acked`; batches before it still do.
    if (acks !== this.acks) return;
    const reached = acks.ack(ticket);
    if (reached === undefined) return;
    this.acked = reached;
    this.attempts = 0;
    this.events.acknowledged(this);
  }
}
