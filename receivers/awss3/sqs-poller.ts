/**
 * Notification mode: long-polls the queue, and per message reads every object it announces, one
 * after another. The message is deleted only after every record of every object was accepted or
 * dead-lettered; on any failure it is left alone and SQS shows it again after its visibility
 * timeout (after `maxReceiveCount` receives, the queue's redrive policy moves it to its own
 * dead-letter queue). While a message is worked on, a heartbeat extends its visibility, so a big
 * object is never read by two consumers at once. At most `workers` messages are in flight: only
 * as many are asked for as there are free workers, so none waits unseen with its clock running.
 */
import {
  ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, type Message, type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Consumer, CreateContext } from '../../core/component';
import { LocatedError, errorMessage } from '../../core/errors';
import { newRecord, nowUnixNano } from '../../core/record';
import { backoffDelay, sleep, type RetryPolicy } from '../../core/retry';
import type { SqsConfig } from './config';
import { isSessionRecording, parseNotification, type ObjectRef } from './notification';
import { awsMessage, type ReadOutcome } from './object-reader';
import { accessError } from './access';

export interface PollerContext {
  readonly sqs: SQSClient;
  readonly consumer: Consumer;
  readonly signal: AbortSignal;
  readonly create: CreateContext;
  read(ref: ObjectRef): Promise<ReadOutcome>;
}

/** Backoff after a failed ReceiveMessage (queue unreachable, throttled). */
const RECEIVE_RETRY: RetryPolicy = { initialIntervalMs: 500, maxIntervalMs: 20_000, maxElapsedMs: 0 };

export class SqsPoller {
  private readonly active = new Set<Promise<void>>();
  private readonly counters;
  /** When a message last failed: in `--once` mode it must be seen again before the run ends. */
  private lastFailureAt = 0;
  /** An access error on an object: under --once the run ends with it rather than wait for redelivery. */
  private fatal: Error | undefined;
  /** The last object read was refused access: the queue answering does not make the receiver healthy. */
  private objectDenied = false;
  private once = false;
  messages = 0;

  constructor(private readonly config: SqsConfig, private readonly ctx: PollerContext) {
    const t = ctx.create.telemetry;
    this.counters = {
      deleted: t.counter('awss3_messages_deleted_total', 'SQS messages deleted after everything they announce was acknowledged.'),
      failed: t.counter('awss3_messages_failed_total', 'SQS messages left for redelivery after a failure.'),
      invalid: t.counter('awss3_messages_invalid_total', 'SQS messages that are not S3 event notifications (dead-lettered, deleted).'),
      tests: t.counter('awss3_test_events_total', 's3:TestEvent messages (deleted).'),
      ignored: t.counter('awss3_events_ignored_total', 'Notification records of event types other than ObjectCreated (skipped).'),
      missing: t.counter('awss3_objects_missing_total', 'Listed or announced objects that no longer exist (NoSuchKey: skipped).'),
      sessions: t.counter('awss3_session_recordings_skipped_total', 'Announced objects that are Teleport session recordings (`sessions/...`, `*.tar`), not audit events (skipped).'),
      heartbeats: t.counter('awss3_visibility_extensions_total', 'ChangeMessageVisibility calls that kept a message hidden while it was read.'),
    };
  }

  /** Until shutdown; with `once`, until the queue answers empty with nothing in flight. */
  async run(once: boolean): Promise<void> {
    const { workers, max_messages: max } = this.config;
    this.once = once;
    let attempt = 0;
    while (!this.ctx.signal.aborted) {
      const free = workers - this.active.size;
      if (free === 0) {
        await Promise.race(this.active);
        continue;
      }
      let messages: Message[];
      try {
        messages = await this.receive(Math.min(max, free));
        attempt = 0;
        if (!this.objectDenied) this.ctx.create.telemetry.health.report('ok');
      } catch (err) {
        if (this.ctx.signal.aborted) break;
        const denied = accessError(err, `receivers.${this.ctx.create.id}.sqs.queue_url`, this.config.queue_url, 'ReceiveMessage', 'sqs:ReceiveMessage');
        if (denied !== undefined) {
          if (once) throw denied;
          this.refused(denied);
        } else {
          const message = `receivers.${this.ctx.create.id}.sqs.queue_url: ${this.config.queue_url}: ReceiveMessage failed: ${awsMessage(err)}`;
          if (once && isClientFault(err)) throw new LocatedError(message);
          this.ctx.create.logger.rateLimited('receive', 'warn', `${message} (retrying)`);
        }
        await sleep(backoffDelay(RECEIVE_RETRY, ++attempt), this.ctx.signal);
        continue;
      }
      if (once && this.fatal !== undefined) break;
      if (messages.length === 0 && once && this.active.size === 0 && Date.now() - this.lastFailureAt > this.config.visibility_timeout) break;
      for (const m of messages) this.spawn(m);
    }
    await Promise.all(this.active);
    if (once && this.fatal !== undefined) throw this.fatal;
  }

  /** Credentials or permissions refused while running: said loudly, retried with backoff. */
  private refused(error: Error): void {
    this.ctx.create.telemetry.health.report('failing', error.message);
    this.ctx.create.logger.rateLimited('access', 'error', `${error.message} (retrying with backoff)`);
  }

  private async receive(n: number): Promise<Message[]> {
    const out = await this.ctx.sqs.send(new ReceiveMessageCommand({
      QueueUrl: this.config.queue_url,
      MaxNumberOfMessages: n,
      WaitTimeSeconds: Math.round(this.config.wait_time / 1000),
      VisibilityTimeout: this.config.visibility_timeout / 1000,
    }), { abortSignal: this.ctx.signal });
    return out.Messages ?? [];
  }

  private spawn(message: Message): void {
    this.messages++;
    const p = this.handle(message).catch((err: unknown) => {
      this.ctx.create.logger.rateLimited('handle', 'error', `${this.where(message)}: ${errorMessage(err)}`);
    }).finally(() => { this.active.delete(p); });
    this.active.add(p);
  }

  private async handle(message: Message): Promise<void> {
    const heartbeat = this.heartbeat(message);
    let ok: boolean;
    try {
      ok = await this.process(message);
    } finally {
      clearInterval(heartbeat);
    }
    if (ok) return this.delete(message);
    this.counters.failed.inc();
    this.lastFailureAt = Date.now();
    // At shutdown, let another consumer have it now rather than after the visibility timeout.
    if (this.ctx.signal.aborted) await this.changeVisibility(message, 0).catch(() => undefined);
  }

  /** True when everything the message names was acknowledged (or there was nothing to read). */
  private async process(message: Message): Promise<boolean> {
    const body = message.Body ?? '';
    const n = parseNotification(body);
    if (n.kind === 'test') {
      this.counters.tests.inc();
      return true;
    }
    if (n.kind === 'invalid') return this.deadLetter(message, body, n.reason);
    this.counters.ignored.inc(n.ignored);
    for (const ref of n.objects) {
      if (this.ctx.signal.aborted) return false;
      if (isSessionRecording(ref.key)) {
        this.counters.sessions.inc();
        this.ctx.create.logger.rateLimited('session-recording', 'info', `s3://${ref.bucket}/${ref.key}: a session recording, not audit events; skipped (announced by ${this.where(message)})`);
        continue;
      }
      const outcome = await this.ctx.read(ref);
      if (outcome.kind === 'done') this.objectDenied = false;
      if (outcome.kind === 'missing') {
        this.counters.missing.inc();
        this.ctx.create.logger.rateLimited('missing', 'warn', `s3://${ref.bucket}/${ref.key}: NoSuchKey (deleted since announced by ${this.where(message)}); skipped`);
      } else if (outcome.kind === 'failed') {
        const denied = accessError(outcome.error.cause, `receivers.${this.ctx.create.id}.sqs.queue_url`, `s3://${ref.bucket}/${ref.key}`, 'GetObject', 's3:GetObject');
        if (denied !== undefined) {
          // The message comes back after its visibility timeout; under --once the run ends here.
          if (this.once) this.fatal ??= denied;
          this.objectDenied = true;
          this.refused(denied);
        } else if (!this.ctx.signal.aborted) {
          this.ctx.create.logger.rateLimited('failed', 'warn', `${outcome.error.message}; ${this.where(message)} is left for redelivery`);
        }
        return false;
      }
    }
    return true;
  }

  /** A message that is not a notification can never become one: dead-letter its body, then delete it. */
  private async deadLetter(message: Message, body: string, reason: string): Promise<boolean> {
    this.counters.invalid.inc();
    const record = newRecord(body, { source: this.where(message) }, nowUnixNano());
    record.refusal = { code: 'notification_invalid', reason: `not an S3 event notification: ${reason}`, component: this.ctx.create.id };
    try {
      await this.ctx.consumer.consume([record]);
      return true;
    } catch (err) {
      this.ctx.create.logger.rateLimited('dead-letter', 'warn', `${this.where(message)}: dead letter not acknowledged: ${errorMessage(err)}`);
      return false;
    }
  }

  /** Keeps the message hidden for another visibility timeout, every third of it. */
  private heartbeat(message: Message): NodeJS.Timeout {
    const every = Math.max(200, Math.floor(this.config.visibility_timeout / 3));
    return setInterval(() => {
      this.changeVisibility(message, this.config.visibility_timeout / 1000).then(() => this.counters.heartbeats.inc(), (err: unknown) => {
        this.ctx.create.logger.rateLimited('heartbeat', 'warn', `${this.where(message)}: ChangeMessageVisibility failed: ${awsMessage(err)}`);
      });
    }, every);
  }

  private async changeVisibility(message: Message, seconds: number): Promise<void> {
    await this.ctx.sqs.send(new ChangeMessageVisibilityCommand({
      QueueUrl: this.config.queue_url, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: seconds,
    }));
  }

  private async delete(message: Message): Promise<void> {
    try {
      await this.ctx.sqs.send(new DeleteMessageCommand({ QueueUrl: this.config.queue_url, ReceiptHandle: message.ReceiptHandle }));
      this.counters.deleted.inc();
    } catch (err) {
      // Everything was delivered; the message comes back and is read again (at-least-once).
      this.ctx.create.logger.rateLimited('delete', 'warn', `${this.where(message)}: DeleteMessage failed: ${awsMessage(err)}; it will be read again`);
    }
  }

  private where(message: Message): string {
    return `${this.config.queue_url} message ${message.MessageId ?? '?'}`;
  }
}

/** 4xx answers other than throttling: the queue is wrong or not ours; waiting will not fix it. */
export function isClientFault(err: unknown): boolean {
  const e = err as { $fault?: string; name?: string; $metadata?: { httpStatusCode?: number } };
  if (e.$fault !== 'client') return false;
  return !/Throttl|RequestThrottled|OverLimit/i.test(e.name ?? '') && e.$metadata?.httpStatusCode !== 429;
}
