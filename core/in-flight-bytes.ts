/**
 * A receiver's bound on what it has handed to its pipeline and not yet seen settle, in bytes of
 * event text, across all its streams (S3 objects, Kafka partitions). Per-stream batch bounds alone
 * multiply with the streams. (filelog bounds the lines its files hold read and unacknowledged
 * instead, so that a file waits before reading: receivers/filelog/tracked-file.ts.)
 *
 * There is room while the bytes are under the bound, or while nothing is in flight at all, so a
 * batch larger than the bound still goes (alone) and the receiver never stalls. `acquire` checks
 * and counts in one step, so streams woken together cannot all pass on the same room; waiters are
 * woken one at a time, in the order they came, each passing the turn on while room is left.
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
  private readonly waiters: (() => void)[] = [];

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

  /** Waits for room, then counts `bytes`. */
  async acquire(bytes: number): Promise<void> {
    while (!this.hasRoom) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.used += bytes;
    this.wakeIfRoom();
  }

  /** Bytes that settled (acknowledged or failed). */
  release(bytes: number): void {
    this.used -= bytes;
    this.wakeIfRoom();
  }

  private wakeIfRoom(): void {
    if (this.waiters.length > 0 && this.hasRoom) this.waiters.shift()!();
  }
}

/** A batch's weight: the length of its records' text. */
export function textBytes(records: readonly LogRecord[]): number {
  let bytes = 0;
  for (let i = 0; i < records.length; i++) bytes += records[i].raw.length;
  return bytes;
}
