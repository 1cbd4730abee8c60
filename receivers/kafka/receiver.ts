/**
 * The kafka receiver: a member of a consumer group (kafkajs), reading its partitions with
 * `eachBatch`, `autoCommit: false` and manual offset resolution, and committing an offset only
 * once every batch up to it was accepted by every exporter (partition.ts, committer.ts).
 *
 * eachBatch never waits for the pipeline: it hands the batch over and returns, so one slow
 * partition never holds the fetches of the others, and heartbeats keep flowing. Two bounds pause
 * a partition until batches settle: `max_batches_in_flight` of its own awaiting acknowledgement,
 * or `max_bytes_in_flight` of event text in flight across all partitions (with many partitions the
 * first alone allows hundreds of megabytes). A partition with nothing in flight always gets one
 * batch, so no partition waits on the others for ever. A batch the pipeline could not deliver
 * pauses its partition until every batch settled, then after a backoff the fetch goes back to the
 * last acknowledged offset.
 *
 * kafkajs has no revocation callback: a rebalance shows as REBALANCING, then GROUP_JOIN with the
 * new assignment. Until GROUP_JOIN, batches in flight keep being acknowledged and committed under
 * the old generation (the drain, bounded by the group's rebalance timeout); at GROUP_JOIN, the
 * partitions this member lost are dropped with whatever they still have in flight, never committed
 * again. Partitions it keeps are fetched again from the committed offset by kafkajs; what is
 * already in flight is skipped.
 */
import { type Admin, type Consumer as KafkaConsumer, type EachBatchPayload, type Kafka } from 'kafkajs';
import type { CreateContext, Receiver, ReceiverHost } from '../../core/component';
import { LocatedError, errorMessage } from '../../core/errors';
import { InFlightBytes, textBytes } from '../../core/in-flight-bytes';
import { nowUnixNano, type LogRecord } from '../../core/record';
import { backoffDelay, sleep } from '../../core/retry';
import { connectionProblem, createKafka } from './client';
import { UNDECODABLE_HEADER } from './codecs';
import { Committer } from './committer';
import type { KafkaReceiverConfig } from './config';
import { MessageDecoder } from './message-decoder';
import { OnceTracker } from './once';
import { PartitionStream, type PartitionEvents } from './partition';
import { kafkaTelemetry, type KafkaCounters } from './telemetry';

/** Upper bound of the backoff before a failed partition is read again. */
const MAX_BACKOFF_MS = 30_000;
/** How long shutdown waits for kafkajs to leave the group. */
const DISCONNECT_TIMEOUT_MS = 10_000;
/** Backoff before connecting again when the brokers cannot be reached or refuse us (not in --once), and before a new consumer replaces a crashed one. */
const RECONNECT = { initialIntervalMs: 1_000, maxIntervalMs: 30_000, maxElapsedMs: 0 };

export class KafkaReceiver implements Receiver, PartitionEvents {
  private readonly abort = new AbortController();
  private readonly streams = new Map<string, PartitionStream>();
  private readonly decoder: MessageDecoder;
  private readonly counters: KafkaCounters;
  private readonly committer: Committer;
  private kafka: Kafka | undefined;
  private consumer: KafkaConsumer | undefined;
  private admin: Admin | undefined;
  private host: ReceiverHost | undefined;
  private once: OnceTracker | undefined;
  private loop: Promise<void> | undefined;
  private shutdownPromise: Promise<void> | undefined;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;
  private rejectDone!: (err: Error) => void;
  private records = 0;
  private readonly bytesInFlight: InFlightBytes;
  private joins = 0;
  /** Failed connects or crashes since the last group join: the backoff's attempt number. */
  private failures = 0;
  private healthy = false;

  constructor(private readonly config: KafkaReceiverConfig, private readonly ctx: CreateContext) {
    this.bytesInFlight = new InFlightBytes(config.max_bytes_in_flight);
    this.decoder = new MessageDecoder({
      encoding: config.encoding, includeMetadata: config.include_metadata, maxLogSize: config.max_log_size, component: ctx.id,
    });
    this.counters = kafkaTelemetry(ctx.telemetry, this.streams, this.bytesInFlight);
    this.committer = new Committer(
      { commitOffsets: (offsets) => this.consumer!.commitOffsets(offsets) },
      () => this.streams.values(),
      ctx.logger,
      (n) => { this.counters.commits.inc(); this.counters.committedPartitions.inc(n); this.checkOnce(); },
    );
    this.done = new Promise<void>((resolve, reject) => { this.resolveDone = resolve; this.rejectDone = reject; });
    this.done.catch(() => undefined);
  }

  /** `--once`: resolves when every assigned partition was read to its high watermark at assignment and committed (once.ts). */
  drained(): Promise<void> {
    return this.done;
  }

  progress(): string {
    return `${this.streams.size.toLocaleString('en-US')} partitions, ${this.records.toLocaleString('en-US')} records, ${this.committer.commits.toLocaleString('en-US')} commits`;
  }

  async start(host: ReceiverHost): Promise<void> {
    if (this.loop !== undefined || this.abort.signal.aborted) return;
    this.host = host;
    const kafka = (this.kafka = createKafka(this.config, this.ctx.id, this.ctx.logger, (text) => {
      // kafkajs retries a lost broker for a while before it gives up: not consuming meanwhile.
      if (this.healthy && !this.abort.signal.aborted) this.health('failing', `${text}; kafkajs is retrying`);
    }));
    if (host.once) this.once = new OnceTracker((this.admin = kafka.admin()), this.config.group_id, this.config.initial_offset);
    this.ctx.stopping?.addEventListener('abort', () => this.pauseAll(), { once: true });
    this.health('failing', `joining group ${this.config.group_id} through ${this.config.brokers.join(',')}: not consuming yet`);
    this.startConsumer();
  }

  private startConsumer(): void {
    const c = this.config;
    const consumer = (this.consumer = this.kafka!.consumer({
      groupId: c.group_id,
      sessionTimeout: c.session_timeout,
      heartbeatInterval: c.heartbeat_interval,
      rebalanceTimeout: c.rebalance_timeout,
      maxBytesPerPartition: c.max_bytes_per_partition,
      maxWaitTimeInMs: c.fetch_max_wait,
    }));
    this.watch(consumer);
    this.loop = this.run(consumer, this.host!.once).catch((err: unknown) => {
      if (!this.abort.signal.aborted) this.rejectDone(err instanceof LocatedError ? err : new Error(`${this.ctx.id}: ${errorMessage(err)}`));
    });
  }

  /**
   * Stops fetching, waits for the batches in flight (the pipeline bounds that by its shutdown
   * deadline), commits what they acknowledged, and leaves the group so the others take the
   * partitions over at once.
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.stop();
    return this.shutdownPromise;
  }

  private async stop(): Promise<void> {
    this.abort.abort();
    this.pauseAll();
    await Promise.all([...this.streams.values()].map((s) => s.settled()));
    try {
      if (this.consumer !== undefined && this.joins > 0) await this.committer.flush();
    } catch (err) {
      this.ctx.logger.error(`offsets not committed: ${errorMessage(err)}`);
    }
    this.committer.stop();
    const leave = async () => {
      await this.consumer?.disconnect();
      await this.admin?.disconnect();
      await this.loop;
    };
    // Bounded: kafkajs may still be retrying a connection to brokers that are gone. The timer is
    // cleared once the member left, or it would hold the process up to its end.
    const left = new AbortController();
    await Promise.race([
      leave().catch((err: unknown) => this.ctx.logger.warn(`leaving the group failed: ${errorMessage(err)}`)).finally(() => left.abort()),
      sleep(DISCONNECT_TIMEOUT_MS, left.signal).then((timedOut) => { if (timedOut) this.ctx.logger.warn(`leaving the group took more than ${DISCONNECT_TIMEOUT_MS / 1000}s; stopped waiting`); }),
    ]);
    left.abort();
    this.resolveDone();
  }

  private async run(consumer: KafkaConsumer, once: boolean): Promise<void> {
    const topics = this.config.topics.map((t) => (t.startsWith('^') ? new RegExp(t) : t));
    for (;;) {
      try {
        await consumer.connect();
        await this.admin?.connect();
        break;
      } catch (err) {
        const message = `receivers.${this.ctx.id}.brokers: cannot connect to ${this.config.brokers.join(',')}: ${connectionProblem(errorMessage(err))}`;
        if (once || this.abort.signal.aborted) throw new LocatedError(message);
        this.counters.connectFailures.inc();
        this.health('failing', `${message}; no consumer running`);
        const delay = backoffDelay(RECONNECT, ++this.failures);
        this.ctx.logger.rateLimited('connect', 'error', `${message} (retrying in ${(delay / 1000).toFixed(1)}s)`);
        await sleep(delay, this.abort.signal);
      }
    }
    if (this.abort.signal.aborted) return;
    await consumer.subscribe({ topics, fromBeginning: this.config.initial_offset === 'earliest' });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async (payload) => this.onBatch(payload),
    });
  }

  private watch(consumer: KafkaConsumer): void {
    const { GROUP_JOIN, CRASH, REBALANCING, FETCH } = consumer.events;
    // A fetch answered: the consumer runs again after trouble kafkajs retried through.
    consumer.on(FETCH, () => { if (!this.healthy && this.joins > 0 && consumer === this.consumer) this.health('ok'); });
    consumer.on(GROUP_JOIN, (e) => {
      if (consumer !== this.consumer) return;
      this.failures = 0;
      this.health('ok');
      this.onJoin(e.payload.memberAssignment);
    });
    consumer.on(REBALANCING, () => {
      this.ctx.logger.rateLimited('rebalancing', 'info', `group ${this.config.group_id} is rebalancing; in-flight batches keep committing until it completes`);
    });
    consumer.on(CRASH, (e) => {
      const { error, restart } = e.payload;
      if (this.abort.signal.aborted) return;
      if (consumer !== this.consumer) return;
      const message = `consumer failed: ${connectionProblem(errorMessage(error))}`;
      this.counters.crashes.inc();
      this.health('failing', `${message}; ${restart ? 'kafkajs restarts it' : 'a new consumer joins after a backoff'}; not consuming until it joins the group`);
      if (restart) {
        this.ctx.logger.rateLimited('crash', 'warn', `${message} (restarting)`);
      } else if (this.once !== undefined) {
        this.rejectDone(new Error(`${this.ctx.id}: ${message}`));
      } else {
        void this.rejoin(message);
      }
    });
  }

  /**
   * kafkajs gives up on an error it deems non-retriable (a broker answering a late SyncGroup with
   * INVALID_REQUEST, say) and has already left the group: a long-running member must not stay
   * alive consuming nothing. What it had in flight is dropped uncommitted, as in a revocation, and
   * a new consumer joins the group after a delay.
   */
  private async rejoin(message: string): Promise<void> {
    const delay = backoffDelay(RECONNECT, ++this.failures);
    this.ctx.logger.rateLimited('crash', 'error', `${message}; joining the group again in ${(delay / 1000).toFixed(1)}s`);
    this.revokeAllBut(new Set());
    if (!(await sleep(delay, this.abort.signal))) return;
    this.counters.restarts.inc();
    this.startConsumer();
  }

  /** `/healthz`: failing while no consumer runs (joining, connecting, crashed, retrying a lost broker). */
  private health(status: 'ok' | 'failing', reason?: string): void {
    this.healthy = status === 'ok';
    this.ctx.telemetry.health.report(status, reason);
  }

  private onBatch({ batch, resolveOffset, isRunning, isStale }: EachBatchPayload): void {
    if (this.abort.signal.aborted || !isRunning() || isStale() || batch.messages.length === 0) return;
    const s = this.stream(batch.topic, batch.partition);
    s.highWatermark = BigInt(batch.highWatermark);
    // A failed partition waits for its rewind; this fetch was made before it was paused.
    if (s.failure !== undefined || s.rewinding) return;
    const standIn = batch.messages.find((m) => m.headers?.[UNDECODABLE_HEADER] !== undefined);
    if (standIn !== undefined) {
      this.counters.undecodable.inc();
      this.ctx.logger.rateLimited(`undecodable ${s.key}`, 'warn', `kafka:${s.key}@${standIn.offset}: ${String(standIn.headers![UNDECODABLE_HEADER])}; its messages are dead-lettered with their offsets`);
    }
    const max = this.config.max_batch_size;
    const observed = nowUnixNano();
    let records: LogRecord[] = [];
    let first: bigint | undefined;
    let handled: bigint | undefined;
    let count = 0;
    for (const message of batch.messages) {
      const offset = BigInt(message.offset);
      // A fetch may hold far more than the bounds allow: what is left is fetched again from the
      // resolved offset once there is room (the partition is paused below).
      if (records.length === 0 && !this.hasRoom(s)) break;
      handled = offset;
      if (s.sent !== undefined && offset < s.sent) continue; // in flight or acknowledged already
      first ??= offset;
      this.decoder.decode(batch.topic, batch.partition, message, observed, records);
      if (records.length >= max) {
        count += records.length;
        this.send(s, records, first, offset + 1n);
        records = [];
      }
    }
    if (first !== undefined && handled !== undefined && (records.length > 0 || s.sent === undefined || s.sent <= handled)) {
      count += records.length;
      this.send(s, records, first, handled + 1n);
    }
    if (handled !== undefined) resolveOffset(String(handled));
    if (count > 0) {
      this.records += count;
      this.counters.records.inc({ topic: batch.topic, partition: String(batch.partition) }, count);
    }
    if (!this.hasRoom(s)) this.pause(s);
  }

  private send(s: PartitionStream, records: LogRecord[], first: bigint, next: bigint): void {
    const bytes = textBytes(records);
    this.bytesInFlight.add(bytes);
    s.send(records, first, next, bytes);
  }

  /**
   * Whether `s` may be handed another batch: one at least (the fetch holds its messages anyway),
   * then within both bounds. Partitions paused for room are resumed as batches settle (settled).
   */
  private hasRoom(s: PartitionStream): boolean {
    const n = s.inFlight;
    return n === 0 || (n < this.config.max_batches_in_flight && this.bytesInFlight.hasRoom);
  }

  private stream(topic: string, partition: number): PartitionStream {
    const key = `${topic}/${partition}`;
    let s = this.streams.get(key);
    if (s === undefined) {
      s = new PartitionStream(topic, partition, this.host!.consumer, this);
      this.streams.set(key, s);
    }
    return s;
  }

  /** PartitionEvents */
  acknowledged(): void {
    this.committer.request();
  }

  /** PartitionEvents */
  settled(s: PartitionStream, bytes: number): void {
    // A revoked partition's batches held their bytes until now all the same.
    this.bytesInFlight.release(bytes);
    if (!s.revoked && s.failure !== undefined && s.inFlight === 0 && !s.rewinding) void this.rewind(s);
    this.resumeWhereRoom();
    if (!s.revoked) this.checkOnce();
  }

  /** Resumes the partitions paused for want of room that have some now (any of them, as bytes are shared). */
  private resumeWhereRoom(): void {
    // Stopping paused every topic: nothing is resumed any more.
    if (this.abort.signal.aborted || this.ctx.stopping?.aborted === true) return;
    const resumed: { topic: string; partitions: number[] }[] = [];
    for (const s of this.streams.values()) {
      if (!s.paused || s.failure !== undefined || s.rewinding || !this.hasRoom(s)) continue;
      s.paused = false;
      resumed.push({ topic: s.topic, partitions: [s.partition] });
    }
    if (resumed.length > 0) this.consumer?.resume(resumed);
  }

  /** PartitionEvents */
  failed(s: PartitionStream, error: unknown): void {
    this.pause(s);
    if (!this.abort.signal.aborted) {
      this.ctx.logger.rateLimited(`failed ${s.key}`, 'warn', `kafka:${s.key}: batch not acknowledged (${errorMessage(error)}); partition paused, read again from offset ${s.acked} after a backoff`);
    }
  }

  /** Once every batch of a failed partition settled: back off, then fetch again from the last acknowledged offset. */
  private async rewind(s: PartitionStream): Promise<void> {
    s.rewinding = true;
    const delay = backoffDelay({ initialIntervalMs: this.config.retry_backoff, maxIntervalMs: MAX_BACKOFF_MS, maxElapsedMs: 0 }, ++s.attempts);
    await sleep(delay, this.abort.signal);
    s.rewinding = false;
    if (s.revoked || this.abort.signal.aborted) return;
    const offset = s.rewind();
    this.counters.rewinds.inc();
    if (offset !== undefined) this.consumer!.seek({ topic: s.topic, partition: s.partition, offset: offset.toString() });
    s.paused = false;
    this.consumer!.resume([{ topic: s.topic, partitions: [s.partition] }]);
  }

  private pause(s: PartitionStream): void {
    if (s.paused) return;
    s.paused = true;
    this.counters.paused.inc();
    this.consumer?.pause([{ topic: s.topic, partitions: [s.partition] }]);
  }

  private pauseAll(): void {
    const topics = new Set([...this.streams.values()].map((s) => s.topic));
    if (topics.size > 0) this.consumer?.pause([...topics].map((topic) => ({ topic })));
  }

  private onJoin(assignment: Record<string, number[]>): void {
    if (this.joins++ > 0) this.counters.rebalances.inc();
    this.revokeAllBut(new Set(Object.entries(assignment).flatMap(([topic, ps]) => ps.map((p) => `${topic}/${p}`))));
    if (this.once !== undefined) {
      this.once.assigned(assignment).then(() => this.checkOnce(), (err: unknown) => {
        this.rejectDone(new Error(`${this.ctx.id}: cannot read the high watermarks for --once: ${errorMessage(err)}`));
      });
    }
  }

  private revokeAllBut(owned: Set<string>): void {
    for (const [key, s] of this.streams) {
      if (owned.has(key)) {
        // The fetch restarts from the committed offset; a partition we paused stays paused.
        if (s.paused) this.consumer?.pause([{ topic: s.topic, partitions: [s.partition] }]);
        continue;
      }
      this.streams.delete(key);
      this.counters.revoked.inc();
      const abandoned = s.revoke();
      this.counters.abandoned.inc(abandoned);
      if (abandoned > 0) this.ctx.logger.info(`kafka:${key}: revoked with ${abandoned} batches in flight; left uncommitted for its new owner`);
    }
  }

  private checkOnce(): void {
    if (this.once?.done((key) => this.streams.get(key)) === true) this.resolveDone();
  }
}
