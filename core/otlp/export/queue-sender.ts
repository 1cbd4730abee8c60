/**
 * Background delivery of the on-disk queue: `consumers` loops each take the oldest batch no one
 * holds, send it, and retry it with backoff (honouring Retry-After) until the backend accepts it
 * (delete) or refuses it permanently (move to `rejected/`). A queued batch was already
 * acknowledged upstream, so it is retried for as long as it takes, across restarts:
 * `max_elapsed_time` does not apply here.
 */
import { backoffDelay, sleep, type RetryPolicy } from '../../retry';
import type { Logger } from '../../telemetry/logger';
import type { DiskQueue, QueueEntry } from './disk-queue';
import type { OtlpTransport, SendOutcome, SendSuccess } from './transport';

export interface QueueSenderHooks {
  /** A batch was accepted (with the backend's partial-success answer). */
  onAccepted(count: number, outcome: SendSuccess): void;
  /** A send failed and is retried (`endpoint`: the endpoint or credentials are wrong). */
  onRetry(count: number, outcome: Extract<SendOutcome, { kind: 'retryable' | 'endpoint' }>): void;
  onRejected(count: number): void;
}

export class QueueSender {
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(
    private readonly queue: DiskQueue,
    private readonly transport: OtlpTransport,
    private readonly retry: RetryPolicy,
    private readonly logger: Logger,
    private readonly hooks: QueueSenderHooks,
  ) {}

  start(consumers: number): void {
    for (let i = 0; i < consumers; i++) this.loops.push(this.loop());
  }

  /** Stops after the requests in flight settle; what is left stays on disk for the next start. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.loops);
    this.loops = [];
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      const entry = this.queue.claim();
      if (entry === undefined) {
        await this.queue.waitForEntry(signal);
        continue;
      }
      try {
        await this.deliver(entry, signal);
      } catch (err) {
        // A disk error reading or removing a batch: leave it queued and back off.
        this.queue.release(entry);
        this.logger.rateLimited('queue-io', 'error', `on-disk queue ${this.queue.dir}: ${(err as Error).message}`);
        await sleep(this.retry.maxIntervalMs, signal);
      }
    }
  }

  private async deliver(entry: QueueEntry, signal: AbortSignal): Promise<void> {
    const body = await this.queue.read(entry);
    const batch = { body, encoding: entry.encoding, compression: entry.compression, count: entry.count };
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.transport.send(batch);
      if (outcome.kind === 'success') {
        await this.queue.remove(entry);
        this.hooks.onAccepted(entry.count, outcome);
        return;
      }
      if (outcome.kind === 'permanent') {
        const kept = await this.queue.reject(entry, `${this.transport.target}: ${outcome.message}`);
        this.hooks.onRejected(entry.count);
        this.logger.error(`${entry.count} queued records refused permanently (${outcome.message}); the request is kept in ${kept}`);
        return;
      }
      this.hooks.onRetry(entry.count, outcome);
      const delay = backoffDelay(this.retry, attempt, outcome.retryAfterMs);
      this.logger.rateLimited('queue-retry', 'warn',
        `${this.queue.length} batches (${this.queue.records} records) queued on disk; sending failed (attempt ${attempt}), retrying in ${delay}ms: ${outcome.message}`);
      if (!(await sleep(delay, signal))) {
        this.queue.release(entry);
        return;
      }
    }
  }
}
