/**
 * A receiver's bound on what it has handed to its pipeline and not yet seen settle, in bytes of
 * event text, across all its streams (S3 objects, Kafka partitions). Per-stream batch bounds alone
 * multiply with the streams. (filelog bounds the lines its files hold read and unacknowledged
 * instead, so that a file waits before reading: receivers/filelog/tracked-file.ts.)
 *
 * There is room while the bytes are under the bound, or while nothing is in flight at all, so a
 * batch larger than the bound still goes (alone) and the receiver never stalls. `acquire` checks
 * and counts in one step, so streams woken together cannot all pass on the same room; waiters are
 * let through in the order they came, each counted before the next is looked at, and a batch that
 * arrives while others wait queues behind them.
 */
import { size } from './config/schema';
import type { LogRecord } from './record';

/** The `max_bytes_in_flight` setting of a receiver whose streams are `streams` (files, objects...). */
export function maxBytesInFlightField(streams: string, whenFull: string, defaultSize: string) {
  return size({
    doc: `Most bytes of event text awaiting acknowledgement across all ${streams} at once; beyond it ${whenFull} until enough is acknowledged. The records made from that text take several times as much memory while they are processed and wait; \`max_batches_in_flight\` alone allows that many batches per ${streams.replace(/s$/, '')}.`,
    default: defaultSize,
    min: 1,
  });
}

export class InFlightBytes {
  private used = 0;
  /** Waiting batches, first come first served: each is counted as it is let through. */
  private readonly waiters: { readonly bytes: number; readonly go: () => void }[] = [];

  constructor(readonly max: number) {}

  get bytes(): number {
    return this.used;
  }

  get hasRoom(): boolean {
    return this.used < this.max || this.used === 0;
  }

  /** Counts `bytes` at once, room or not (a stream that must go on, and pauses itself after). */
  add(bytes: number): void {
    this.used += bytes;
  }

  /** Waits for room behind the batches already waiting, then counts `bytes`. */
  async acquire(bytes: number): Promise<void> {
    if (this.waiters.length === 0 && this.hasRoom) {
      this.used += bytes;
      return;
    }
    await new Promise<void>((go) => this.waiters.push({ bytes, go }));
  }

  /** Bytes that settled (acknowledged or failed). */
  release(bytes: number): void {
    this.used -= bytes;
    // Counted here, in order, so a batch that arrives meanwhile cannot pass the ones waiting.
    while (this.waiters.length > 0 && this.hasRoom) {
      const next = this.waiters.shift()!;
      this.used += next.bytes;
      next.go();
    }
  }
}

/** A batch's weight: the length of its records' text. */
export function textBytes(records: readonly LogRecord[]): number {
  let bytes = 0;
  for (let i = 0; i < records.length; i++) bytes += records[i].raw.length;
  return bytes;
}
