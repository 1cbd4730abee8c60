/**
 * Backfill mode: lists `s3.bucket` under `s3.prefix` in key order (after `start_after`, or after
 * the checkpoint when it is further on) and reads every object, up to `max_concurrent_objects` at
 * once. The checkpoint moves in listing order only (OrderedAcks), so it never passes an object
 * still being read: after a crash, the objects after it are read again from their first line.
 * A failed object is retried with backoff until it is acknowledged; an object deleted since it was
 * listed is counted and skipped. Under `--once` one pass ends the run; otherwise the prefix is
 * listed again every `poll_interval` for keys after the checkpoint.
 */
import { ListObjectsV2Command, type S3Client, type ListObjectsV2CommandOutput } from '@aws-sdk/client-s3';
import type { CreateContext } from '../../core/component';
import { OrderedAcks } from '../../core/ordered-acks';
import { backoffDelay, sleep, type RetryPolicy } from '../../core/retry';
import type { S3Config } from './config';
import type { KeyCheckpoint } from './key-checkpoint';
import type { ObjectRef } from './notification';
import { awsMessage, type ReadOutcome } from './object-reader';
import { isClientFault } from './sqs-poller';
import { accessError } from './access';
import { LocatedError } from '../../core/errors';

export interface BackfillContext {
  readonly s3: S3Client;
  readonly signal: AbortSignal;
  readonly create: CreateContext;
  readonly checkpoint: KeyCheckpoint | undefined;
  read(ref: ObjectRef): Promise<ReadOutcome>;
}

const RETRY: RetryPolicy = { initialIntervalMs: 500, maxIntervalMs: 30_000, maxElapsedMs: 0 };

export class Backfill {
  private readonly active = new Set<Promise<void>>();
  /** Where the next pass lists from: the checkpoint, kept in memory too when there is no storage. */
  private after: string | undefined;
  private readonly missing;
  private once = false;
  private fatal: unknown;
  objects = 0;

  constructor(private readonly config: S3Config & { bucket: string }, private readonly ctx: BackfillContext) {
    this.missing = ctx.create.telemetry.counter('awss3_objects_missing_total', 'Listed or announced objects that no longer exist (NoSuchKey: skipped).');
  }

  /** Credentials or permissions refused while running: said loudly, retried with backoff. */
  private refused(error: Error): void {
    this.ctx.create.telemetry.health.report('failing', error.message);
    this.ctx.create.logger.rateLimited('access', 'error', `${error.message} (retrying with backoff)`);
  }

  /** `start` is the stored checkpoint, if any. */
  async run(once: boolean, start: string | undefined): Promise<void> {
    this.once = once;
    this.after = laterKey(this.config.start_after, start);
    while (!this.ctx.signal.aborted) {
      await this.pass(once);
      if (once) break;
      await sleep(this.config.poll_interval, this.ctx.signal);
    }
  }

  private async pass(once: boolean): Promise<void> {
    const acks = new OrderedAcks<string>();
    let token: string | undefined;
    const startAfter = this.after;
    do {
      const page = await this.list(startAfter, token, once);
      if (page === undefined) break; // shutting down
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined || o.Key.endsWith('/')) continue; // "folder" placeholders hold nothing
        while (this.active.size >= this.config.max_concurrent_objects) await Promise.race(this.active);
        if (this.fatal !== undefined) break;
        if (this.ctx.signal.aborted) break;
        this.spawn({ bucket: this.config.bucket, key: o.Key, size: o.Size }, acks);
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined && !this.ctx.signal.aborted && this.fatal === undefined);
    await Promise.all(this.active);
    if (this.fatal !== undefined) throw this.fatal;
  }

  /** One page, retried with backoff; a client fault under `--once` ends the run with its message. */
  private async list(startAfter: string | undefined, token: string | undefined, once: boolean): Promise<ListObjectsV2CommandOutput | undefined> {
    for (let attempt = 1; !this.ctx.signal.aborted; attempt++) {
      try {
        const page = await this.ctx.s3.send(new ListObjectsV2Command({
          Bucket: this.config.bucket,
          Prefix: this.config.prefix === '' ? undefined : this.config.prefix,
          StartAfter: token === undefined ? startAfter : undefined,
          ContinuationToken: token,
        }), { abortSignal: this.ctx.signal });
        this.ctx.create.telemetry.health.report('ok');
        return page;
      } catch (err) {
        if (this.ctx.signal.aborted) return undefined;
        const target = `s3://${this.config.bucket}/${this.config.prefix}`;
        const denied = accessError(err, `receivers.${this.ctx.create.id}.s3.bucket`, target, 'ListObjectsV2', 's3:ListBucket');
        if (denied !== undefined) {
          if (once) throw denied;
          this.refused(denied);
        } else {
          const message = `receivers.${this.ctx.create.id}.s3.bucket: ${target}: ListObjectsV2 failed: ${awsMessage(err)}`;
          if (once && isClientFault(err)) throw new LocatedError(message);
          this.ctx.create.logger.rateLimited('list', 'warn', `${message} (retrying)`);
        }
        await sleep(backoffDelay(RETRY, attempt), this.ctx.signal);
      }
    }
    return undefined;
  }

  private spawn(ref: ObjectRef, acks: OrderedAcks<string>): void {
    this.objects++;
    const ticket = acks.begin(ref.key);
    const p = this.readUntilDone(ref).then((done) => {
      if (!done) return;
      const reached = acks.ack(ticket);
      if (reached === undefined) return;
      this.after = reached;
      this.ctx.checkpoint?.save(reached);
    }, (err: unknown) => {
      // Ends the pass (--once access errors); kept until pass() rethrows it, never left unhandled.
      this.fatal ??= err;
    }).finally(() => { this.active.delete(p); });
    this.active.add(p);
  }

  /** False only when shutdown stopped it before the object was acknowledged. */
  private async readUntilDone(ref: ObjectRef): Promise<boolean> {
    for (let attempt = 1; !this.ctx.signal.aborted; attempt++) {
      const outcome = await this.ctx.read(ref);
      if (outcome.kind === 'done') return true;
      if (outcome.kind === 'missing') {
        this.missing.inc();
        this.ctx.create.logger.rateLimited('missing', 'warn', `s3://${ref.bucket}/${ref.key}: NoSuchKey (deleted since listed); skipped`);
        return true;
      }
      if (this.ctx.signal.aborted) break;
      const denied = accessError(outcome.error.cause, `receivers.${this.ctx.create.id}.s3.bucket`, `s3://${ref.bucket}/${ref.key}`, 'GetObject', 's3:GetObject');
      if (denied !== undefined) {
        // Under --once the run ends with this line; the checkpoint stays before this object.
        if (this.once) throw denied;
        this.refused(denied);
      } else {
        this.ctx.create.logger.rateLimited(`failed:${ref.key}`, 'warn', `${outcome.error.message} (retrying)`);
      }
      await sleep(backoffDelay(RETRY, attempt), this.ctx.signal);
    }
    return false;
  }
}

/** The later of two keys in S3's order (UTF-8 bytes, which JavaScript's string order is not). */
export function laterKey(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) >= 0 ? a : b;
}
