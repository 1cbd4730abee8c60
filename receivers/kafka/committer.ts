/**
 * Offset commits, coalesced: at most one OffsetCommit request in flight; acknowledgements that
 * arrive meanwhile are committed together by the next one. Only partitions this member still owns
 * are committed (a revoked stream reports nothing in `toCommit`), and only what was acknowledged:
 * `acked` is the offset after the last message accepted by every exporter with all before it, the
 * offset Kafka expects (the next one to read). A failed commit is retried on the next
 * acknowledgement or after a second, whichever comes first; an offset not committed only means
 * those messages are read again after a restart or rebalance (at-least-once).
 */
import { errorMessage } from '../../core/errors';
import type { Logger } from '../../core/telemetry/logger';
import type { PartitionStream } from './partition';

export interface CommitTarget {
  commitOffsets(offsets: { topic: string; partition: number; offset: string }[]): Promise<void>;
}

const RETRY_MS = 1000;

export class Committer {
  private running: Promise<void> | undefined;
  private dirty = false;
  private retryTimer: NodeJS.Timeout | undefined;
  commits = 0;

  constructor(
    private readonly target: CommitTarget,
    private readonly streams: () => Iterable<PartitionStream>,
    private readonly logger: Logger,
    private readonly committed: (n: number) => void,
  ) {}

  /** Commits what is acknowledged, now or right after the commit in flight. */
  request(): void {
    this.dirty = true;
    this.running ??= this.loop().finally(() => { this.running = undefined; });
  }

  /** Resolves once everything acknowledged before the call was committed (or its commit failed). */
  async flush(): Promise<void> {
    await this.running;
    this.request();
    await this.running;
  }

  stop(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private async loop(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      const batch: { stream: PartitionStream; offset: bigint }[] = [];
      for (const stream of this.streams()) {
        const offset = stream.toCommit();
        if (offset !== undefined) batch.push({ stream, offset });
      }
      if (batch.length === 0) continue;
      try {
        await this.target.commitOffsets(batch.map(({ stream, offset }) => ({ topic: stream.topic, partition: stream.partition, offset: offset.toString() })));
        for (const { stream, offset } of batch) if (stream.committed === undefined || offset > stream.committed) stream.committed = offset;
        this.commits++;
        this.committed(batch.length);
      } catch (err) {
        const what = batch.map(({ stream, offset }) => `${stream.key}@${offset}`).join(', ');
        this.logger.rateLimited('commit', 'warn', `offset commit failed (${what}): ${errorMessage(err)}; retrying`);
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.request(), RETRY_MS);
        this.retryTimer.unref();
        return;
      }
    }
  }
}
