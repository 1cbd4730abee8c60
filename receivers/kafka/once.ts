/**
 * `--once` for a stream: the run ends when every partition assigned to this member was read up
 * to the high watermark it had when the partition was assigned, and all of it was acknowledged and
 * committed. Messages produced later wait for the next run. After each rebalance the targets are
 * taken again for the new assignment, from the brokers (ListOffsets) and the group's committed
 * offsets (OffsetFetch): a partition with nothing left to read is done without a fetch.
 */
import type { Admin } from 'kafkajs';
import type { PartitionStream } from './partition';

interface Target {
  /** Where this member starts: the committed offset, or `initial_offset`'s end of the log. */
  readonly start: bigint;
  /** The high watermark at assignment. */
  readonly end: bigint;
}

export class OnceTracker {
  private targets: Map<string, Target> | undefined;
  private generation = 0;

  constructor(
    private readonly admin: Admin,
    private readonly groupId: string,
    private readonly initial: 'earliest' | 'latest',
  ) {}

  /** Takes the targets of a new assignment (topic → partitions); the last call wins. */
  async assigned(assignment: Record<string, number[]>): Promise<void> {
    const generation = ++this.generation;
    this.targets = undefined;
    const targets = new Map<string, Target>();
    for (const [topic, partitions] of Object.entries(assignment)) {
      if (partitions.length === 0) continue;
      const [offsets, committed] = await Promise.all([
        this.admin.fetchTopicOffsets(topic),
        this.admin.fetchOffsets({ groupId: this.groupId, topics: [topic] }),
      ]);
      const byPartition = new Map(offsets.map((o) => [o.partition, o]));
      const committedBy = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
      for (const partition of partitions) {
        const o = byPartition.get(partition);
        if (o === undefined) continue;
        const high = BigInt(o.high);
        const c = committedBy.get(partition) ?? -1n;
        const start = c >= 0n ? c : this.initial === 'earliest' ? BigInt(o.low) : high;
        targets.set(`${topic}/${partition}`, { start, end: high });
      }
    }
    if (generation === this.generation) this.targets = targets;
  }

  /** True when every assigned partition reached its target, with nothing in flight or uncommitted. */
  done(stream: (key: string) => PartitionStream | undefined): boolean {
    if (this.targets === undefined) return false;
    for (const [key, t] of this.targets) {
      const s = stream(key);
      const position = s?.acked ?? t.start;
      if (position < t.end) return false;
      if (s !== undefined && (s.inFlight > 0 || s.failure !== undefined || s.toCommit() !== undefined)) return false;
    }
    return true;
  }
}
