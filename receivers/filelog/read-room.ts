/**
 * `max_bytes_in_flight` for filelog: the bytes of complete lines its files hold read and not yet
 * acknowledged, summed over the files, stay under the bound. Unlike the other receivers (which
 * count batches as they go, core/in-flight-bytes.ts), a file asks before it reads: one that finds
 * no room hands over what it read and waits, so a waiting file holds nothing, however many files
 * are caught up at once (tracked-file.ts).
 */
import type { TrackedFile } from './tracked-file';

export class ReadRoom {
  private waiters: (() => void)[] = [];

  constructor(
    private readonly files: Iterable<TrackedFile>,
    private readonly maxBytes: number,
    /** Waiters look again after this long even unsignalled (a rewind changes what files hold too). */
    private readonly recheckMs: number,
  ) {}

  /** Lines the files hold read and unacknowledged, in bytes. */
  get heldBytes(): number {
    let bytes = 0;
    for (const f of this.files) bytes += f.heldBytes;
    return bytes;
  }

  get hasRoom(): boolean {
    return this.heldBytes < this.maxBytes;
  }

  /** Resolves when a batch settled (settled), or after recheckMs: time to look at hasRoom again. */
  changed(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.recheckMs);
      this.waiters.push(() => { clearTimeout(timer); resolve(); });
    });
  }

  /** A batch of some file settled: its acknowledgement moves that file's checkpoint first, then waiters look again. */
  settled(): void {
    setImmediate(() => {
      const woken = this.waiters;
      this.waiters = [];
      for (const wake of woken) wake();
    });
  }
}
