/**
 * The awss3 receiver: Teleport events from S3 objects, one per line, either announced over SQS
 * (notification mode, `sqs`: see sqs-poller.ts) or listed under a prefix (backfill mode,
 * `s3.bucket`: see backfill.ts). Both read objects with object-reader.ts. Credentials come from the
 * SDK's default chain (environment, shared profile, web identity, container and instance roles).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { CreateContext, Receiver, ReceiverHost } from '../../core/component';
import { componentStateDir } from '../../core/data-dir';
import { LocatedError, errorMessage } from '../../core/errors';
import { Backfill } from './backfill';
import type { Awss3ReceiverConfig } from './config';
import { KeyCheckpoint } from './key-checkpoint';
import type { ObjectRef } from './notification';
import { InFlightBytes } from '../../core/in-flight-bytes';
import { readObject, type ReadContext, type ReadOutcome } from './object-reader';
import { SqsPoller } from './sqs-poller';

export class Awss3Receiver implements Receiver {
  private readonly abort = new AbortController();
  private readonly s3: S3Client;
  private sqs: SQSClient | undefined;
  private readonly checkpoint: KeyCheckpoint | undefined;
  private host: ReceiverHost | undefined;
  private loop: Promise<void> | undefined;
  private poller: SqsPoller | undefined;
  private backfill: Backfill | undefined;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;
  private rejectDone!: (err: Error) => void;
  private lines = 0;
  private readonly bytesInFlight: InFlightBytes;

  constructor(private readonly config: Awss3ReceiverConfig, private readonly ctx: CreateContext) {
    this.bytesInFlight = new InFlightBytes(config.max_bytes_in_flight);
    ctx.telemetry.gauge('awss3_bytes_in_flight', 'Bytes of event text handed to the pipeline and not yet acknowledged, across objects (bounded by max_bytes_in_flight).', () => this.bytesInFlight.bytes);
    const { s3 } = config;
    this.s3 = new S3Client({
      // S3 notifies only queues in the bucket's own region, so the queue URL names it too.
      region: s3.region ?? regionOfQueue(config.sqs?.queue_url) ?? fallbackRegion(s3.endpoint),
      endpoint: s3.endpoint,
      forcePathStyle: s3.force_path_style,
    });
    // Backfill keeps its checkpoint under the process data directory unless `storage` names one.
    this.checkpoint = s3.bucket !== undefined && config.sqs === undefined
      ? new KeyCheckpoint(config.storage ?? componentStateDir(ctx.dataDir, ctx.id), ctx.id, s3.bucket, s3.prefix, config.storage === undefined ? '--data-dir' : `receivers.${ctx.id}.storage`)
      : undefined;
    this.done = new Promise<void>((resolve, reject) => { this.resolveDone = resolve; this.rejectDone = reject; });
    this.done.catch(() => undefined);
  }

  /** Both modes end under `--once`: backfill after one pass, notification mode when the queue is empty. */
  drained(): Promise<void> {
    return this.done;
  }

  async start(host: ReceiverHost): Promise<void> {
    if (this.loop !== undefined || this.abort.signal.aborted) return;
    this.host = host;
    const run = this.config.sqs !== undefined ? this.startPoller(host.once) : this.startBackfill(host.once);
    this.loop = run.then(
      () => this.resolveDone(),
      (err: unknown) => this.rejectDone(err instanceof LocatedError ? err : new Error(`${this.ctx.id}: ${errorMessage(err)}`)),
    );
  }

  progress(): string {
    const what = this.poller !== undefined ? `${this.poller.messages.toLocaleString('en-US')} messages` : `${(this.backfill?.objects ?? 0).toLocaleString('en-US')} objects`;
    return `${what}, ${this.lines.toLocaleString('en-US')} lines`;
  }

  async shutdown(): Promise<void> {
    this.abort.abort();
    await this.loop?.catch(() => undefined);
    try {
      await this.checkpoint?.flush();
    } catch (err) {
      this.ctx.logger.error(`checkpoint not saved: ${errorMessage(err)}`);
    }
    this.checkpoint?.close();
    this.s3.destroy();
    this.sqs?.destroy();
    this.resolveDone();
  }

  private startPoller(once: boolean): Promise<void> {
    const sqs = this.config.sqs!;
    this.sqs = new SQSClient({ region: sqs.region ?? regionOfQueue(sqs.queue_url) ?? fallbackRegion(sqs.endpoint), endpoint: sqs.endpoint });
    this.poller = new SqsPoller(sqs, {
      sqs: this.sqs, consumer: this.host!.consumer, signal: this.abort.signal, create: this.ctx, read: (ref) => this.read(ref),
    });
    return this.poller.run(once);
  }

  private startBackfill(once: boolean): Promise<void> {
    const start = this.checkpoint?.load(); // throws a one-line error: lock held, corrupt file
    this.backfill = new Backfill({ ...this.config.s3, bucket: this.config.s3.bucket! }, {
      s3: this.s3, signal: this.abort.signal, create: this.ctx, checkpoint: this.checkpoint, read: (ref) => this.read(ref),
    });
    return this.backfill.run(once, start);
  }

  private read(ref: ObjectRef): Promise<ReadOutcome> {
    const ctx: ReadContext = {
      s3: this.s3,
      consumer: this.host!.consumer,
      component: this.ctx.id,
      maxBatchSize: this.config.max_batch_size,
      maxBatchesInFlight: this.config.max_batches_in_flight,
      bytesInFlight: this.bytesInFlight,
      maxLogSize: this.config.max_log_size,
      signal: this.abort.signal,
      format: this.config.format,
      counted: (n) => { this.lines += n; },
    };
    return readObject(ref, ctx);
  }
}

/** `https://sqs.eu-west-1.amazonaws.com/...` names its region; so do emulators' `sqs.<region>.<host>` URLs. */
function regionOfQueue(queueUrl: string | undefined): string | undefined {
  if (queueUrl === undefined) return undefined;
  try {
    return /^sqs\.([a-z0-9-]+)\./.exec(new URL(queueUrl).hostname)?.[1];
  } catch {
    return undefined;
  }
}

/** With a custom endpoint (an emulator, MinIO) and no region anywhere, sign for us-east-1 rather than fail. */
function fallbackRegion(endpoint: string | undefined): string | undefined {
  return endpoint !== undefined && process.env.AWS_REGION === undefined && process.env.AWS_DEFAULT_REGION === undefined ? 'us-east-1' : undefined;
}
