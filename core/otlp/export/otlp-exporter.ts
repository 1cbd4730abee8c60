/**
 * An OTLP exporter over any transport (transport.ts: OTLP/HTTP in exporters/otlphttp, OTLP/gRPC
 * in exporters/otlp): batches export calls (batcher.ts), encodes them with the shared OTLP mapping
 * (encoding.ts) and hands the requests to the transport.
 *
 * Acknowledgement: without an on-disk queue, an export call resolves `success` only after the
 * backend accepted every record of it; `retryable` (network, 429/503, UNAVAILABLE, with
 * Retry-After / RetryInfo) lets the core retry with `retry_on_failure`; an `endpoint` refusal no
 * record caused (401, 404, UNAUTHENTICATED, TLS, DNS...) is retryable too, as a `DestinationError`
 * the core reports loudly; permanent refusals reject the records (dead letter), after a refused
 * request was split to find the records truly refused (split-send.ts). With the on-disk queue, a
 * call resolves once its batch is fsynced there, and queue-sender.ts owns delivery from there on,
 * across outages and restarts.
 */
import path from 'node:path';
import { type CreateContext, type Exporter, type ExportResult } from '../../component';
import { DestinationError, RetryableError } from '../../errors';
import { isolateRecords } from '../../isolate';
import type { ResourceOptions } from '../json';
import type { LogRecord } from '../../record';
import { retryPolicyFrom, type RetryPolicy } from '../../retry';
import type { Logger } from '../../telemetry/logger';
import type { ComponentTelemetry } from '../../telemetry/metrics';
import { SCOPE_NAME, VERSION } from '../../version';
import { Batcher, type BatchOutcome, type BatchRejection } from './batcher';
import { diskQueueDirectory, type OtlpExportConfig } from './config';
import { DiskQueue } from './disk-queue';
import { BatchEncoder, type Compression, type Encoding } from './encoding';
import { QueueSender } from './queue-sender';
import { sendSplitting } from './split-send';
import type { OtlpTransport, SendSuccess } from './transport';

/** What differs between the OTLP exporters: the transport and how its requests are encoded. */
export interface OtlpExporterOptions {
  /** Prefix of this exporter type's own metrics (`otlphttp` → `otlphttp_queue_sent_records_total`). */
  readonly metricPrefix: string;
  readonly encoding: Encoding;
  /** Compression applied by the encoder (a transport that compresses itself gets `none`). */
  readonly compression: Compression;
  readonly compressionLevel: number;
  /** Called at start; may throw a one-line error naming the config path (a TLS file, the endpoint). */
  createTransport(): OtlpTransport;
}

/** The resource and scope every request carries. */
export function resourceOf(config: Pick<OtlpExportConfig, 'resource' | 'body'>): ResourceOptions {
  return { attributes: { 'service.name': 'teleport', ...config.resource }, scopeName: SCOPE_NAME, scopeVersion: VERSION, body: config.body };
}

/**
 * What a record waiting whole (not encoded by its pipeline) counts in `queue_bytes`, per character
 * of its line: the parsed event and what processors added weigh about that much (~1.1 KB per
 * 360-byte line after decoding, ~2.6 KB after schema, indicators and ecs).
 */
const WHOLE_RECORD_WEIGHT = 4;

/** How long shutdown lets requests in flight finish before cutting their connections. */
const SHUTDOWN_GRACE_MS = 2000;

type Counter = { inc(n?: number): void };

export class OtlpExporter implements Exporter {
  readonly retryPolicy: RetryPolicy;
  private readonly encoder: BatchEncoder;
  private readonly batcher: Batcher;
  private readonly logger: Logger;
  private readonly telemetry: ComponentTelemetry;
  private readonly partialRejected: Counter;
  private readonly queueSent: Counter;
  private readonly queueRejected: Counter;
  private readonly splitRequests: Counter;
  private transport: OtlpTransport | undefined;
  private queue: DiskQueue | undefined;
  private sender: QueueSender | undefined;
  private state: 'created' | 'started' | 'stopped' = 'created';
  private queueFailing = false;

  constructor(private readonly config: OtlpExportConfig, private readonly ctx: CreateContext, private readonly options: OtlpExporterOptions) {
    this.logger = ctx.logger;
    this.telemetry = ctx.telemetry;
    this.retryPolicy = retryPolicyFrom(config.retry_on_failure);
    this.encoder = new BatchEncoder(resourceOf(config), options.encoding, options.compression, options.compressionLevel, ctx.id);
    const persistent = diskQueueDirectory(config, ctx.dataDir, ctx.id) !== undefined;
    this.batcher = new Batcher({
      maxBatchSize: config.max_batch_size,
      flushIntervalMs: config.flush_interval,
      // Writing to disk needs little concurrency: two writers overlap encoding with fsync.
      concurrency: persistent ? 2 : config.sending_queue.num_consumers,
      queueSize: config.sending_queue.queue_size,
      maxBytes: config.sending_queue.queue_bytes,
      weigh: (record) => record.encoded?.[ctx.id]?.bytes.byteLength ?? record.raw.length * WHOLE_RECORD_WEIGHT,
      component: ctx.id,
    }, (records) => (persistent ? this.persist(records) : this.send(records)));
    this.partialRejected = ctx.telemetry.counter('otlp_partial_success_rejected_records_total',
      'Log records the OTLP backend reported as rejected in a partial success answer (HTTP 2xx, gRPC OK).');
    this.queueSent = ctx.telemetry.counter(`${options.metricPrefix}_queue_sent_records_total`,
      'Records the on-disk queue delivered to the backend.');
    this.queueRejected = ctx.telemetry.counter(`${options.metricPrefix}_queue_rejected_records_total`,
      'Records of on-disk queue batches the backend refused permanently (kept under <storage>/rejected).');
    this.splitRequests = ctx.telemetry.counter(`${options.metricPrefix}_split_requests_total`,
      'Extra requests sent to find the records of a permanently refused request that the backend truly refuses.');
    ctx.stopping?.addEventListener('abort', () => this.batcher.drain(), { once: true });
    // Read at scrape time: how far behind the backend is, for alerting during an outage.
    ctx.telemetry.gauge(`${options.metricPrefix}_queue_waiting_records`, 'Records waiting in memory for a sender.', () => this.batcher.queued);
    ctx.telemetry.gauge(`${options.metricPrefix}_queue_capacity_records`, 'Records the in-memory queue holds before export calls wait (queue_size x max_batch_size).',
      () => config.sending_queue.queue_size * config.max_batch_size);
    ctx.telemetry.gauge(`${options.metricPrefix}_queue_waiting_bytes`, 'Bytes of the records waiting in memory for a sender (as sending_queue.queue_bytes counts them).',
      () => this.batcher.queuedBytes);
    if (persistent) {
      ctx.telemetry.gauge(`${options.metricPrefix}_disk_queue_records`, 'Records in the on-disk queue, not yet accepted by the backend.', () => this.queue?.records ?? 0);
      ctx.telemetry.gauge(`${options.metricPrefix}_disk_queue_bytes`, 'Bytes in the on-disk queue.', () => this.queue?.size ?? 0);
      ctx.telemetry.gauge(`${options.metricPrefix}_disk_queue_capacity_bytes`, 'Cap of the on-disk queue (sending_queue.max_size).', () => config.sending_queue.max_size);
    }
  }

  async start(): Promise<void> {
    if (this.state !== 'created') return;
    const c = this.config;
    this.transport = this.options.createTransport();
    const queueDir = diskQueueDirectory(c, this.ctx.dataDir, this.ctx.id);
    if (queueDir !== undefined) {
      const queue = new DiskQueue(queueDir, c.sending_queue.max_size, this.ctx.id);
      await queue.open().catch((err: NodeJS.ErrnoException) => {
        const setting = c.sending_queue.storage !== undefined ? `exporters.${this.ctx.id}.sending_queue.storage` : '--data-dir';
        throw new Error(`${setting}: cannot use ${queue.dir}: ${err.code ?? err.message}`);
      });
      if (queue.length > 0) this.logger.info(`resuming ${queue.length} batches (${queue.records} records) left in the on-disk queue ${queue.dir}`);
      this.queue = queue;
      this.sender = new QueueSender(queue, this.transport, this.retryPolicy, this.logger, {
        onAccepted: (count, outcome) => { this.queueSent.inc(count); this.notePartial(outcome); this.queueReached(); },
        onRetry: (count, outcome) => { this.telemetry.failed(count); if (outcome.kind === 'endpoint') this.queueRefused(outcome.message); },
        onRejected: (count) => { this.queueRejected.inc(count); this.telemetry.failed(count); this.queueReached(); },
      });
      this.sender.start(c.sending_queue.num_consumers);
    }
    this.state = 'started';
  }

  export(records: readonly LogRecord[]): Promise<ExportResult> {
    if (this.state !== 'started') {
      return Promise.resolve({ kind: 'retryable', error: new RetryableError('shutdown', `${this.ctx.id}: exporter is not running`) });
    }
    return this.batcher.add(records);
  }

  /**
   * Memory mode: one request (split when the backend refuses it, split-send.ts); the outcome goes
   * back to the calls whose records it carried.
   */
  private async send(records: LogRecord[]): Promise<BatchOutcome> {
    const { kept, plain, rejected } = await this.serializeIsolated(records);
    if (kept.length === 0) return { kind: 'rejected', rejected };
    const indexOf = kept === records ? (i: number) => i : (i: number) => records.indexOf(kept[i]);
    const post = async (from: number, to: number) => this.transport!.send(from === 0 && to === kept.length
      ? await this.encoder.compress(plain, kept.length)
      : await this.encoder.encode(kept.slice(from, to)));
    const outcome = await sendSplitting(kept.length, post, { accepted: (o) => this.notePartial(o), split: () => this.splitRequests.inc() });
    switch (outcome.kind) {
      case 'success':
        return rejected.length === 0 ? { kind: 'success' } : { kind: 'rejected', rejected };
      case 'retryable':
        return { kind: 'retryable', error: new RetryableError('export_unavailable', `${this.ctx.id}: ${outcome.message}`), retryAfterMs: outcome.retryAfterMs };
      case 'endpoint':
        return { kind: 'retryable', error: new DestinationError('endpoint_refused', `${this.ctx.id}: ${outcome.message}`), retryAfterMs: outcome.retryAfterMs };
      case 'refused':
        for (const range of outcome.refused) {
          const reason = `${this.ctx.id}: ${this.transport!.target} refused ${range.to - range.from === 1 ? 'the record' : `${range.to - range.from} records`}: ${range.message}`;
          for (let i = range.from; i < range.to; i++) rejected.push({ index: indexOf(i), code: 'export_rejected', reason });
        }
        return { kind: 'rejected', rejected };
    }
  }

  /** Disk mode: acknowledged once fsynced in the queue; the sender delivers it. */
  private async persist(records: LogRecord[]): Promise<BatchOutcome> {
    try {
      const { kept, plain, rejected } = await this.serializeIsolated(records);
      if (kept.length > 0) await this.queue!.append(await this.encoder.compress(plain, kept.length));
      return rejected.length === 0 ? { kind: 'success' } : { kind: 'rejected', rejected };
    } catch (err) {
      if (err instanceof RetryableError && err.code === 'queue_full') this.logger.rateLimited('queue-full', 'error', err.message);
      // The queue's directory refusing a write (EACCES, ENOSPC...) is no record's fault.
      const code = err instanceof RetryableError && err.code === 'io_error' ? (err.cause as NodeJS.ErrnoException | undefined)?.code : undefined;
      if (code !== undefined) {
        const error = new DestinationError('output_unwritable', `exporters.${this.ctx.id}.sending_queue.storage: cannot write ${this.queue!.dir}: ${code}`, { cause: err });
        return { kind: 'retryable', error };
      }
      return { kind: 'retryable', error: err instanceof Error ? err : new Error(String(err)) };
    }
  }

  /** The request body of the records the encoder can serialize; the others rejected alone (core/isolate.ts). */
  private async serializeIsolated(records: LogRecord[]): Promise<{ kept: LogRecord[]; plain: Buffer; rejected: BatchRejection[] }> {
    const { results, batches, failed } = await isolateRecords(records, this.ctx.id, (batch) => this.encoder.serialize(batch));
    if (failed.length === 0) return { kept: records, plain: results[0], rejected: [] };
    const kept = batches.flat();
    const rejected = failed.map((f) => ({ index: records.indexOf(f.record), code: f.code, reason: f.reason }));
    return { kept, plain: kept.length > 0 ? this.encoder.serialize(kept) : Buffer.alloc(0), rejected };
  }

  /**
   * The on-disk queue's sender retries in the background, after the core acknowledged the batches,
   * so the core cannot see its refusals: the exporter reports them itself.
   */
  private queueRefused(message: string): void {
    this.queueFailing = true;
    this.telemetry.health.report('failing', `${this.ctx.id}: ${message}`);
    this.logger.rateLimited('queue-destination', 'error', `${this.ctx.id}: ${message}; the on-disk queue keeps its batches and retries`);
  }

  private queueReached(): void {
    if (!this.queueFailing) return;
    this.queueFailing = false;
    this.telemetry.health.report('ok');
    this.logger.info('the on-disk queue is delivering again');
  }

  private notePartial(outcome: SendSuccess): void {
    if (outcome.rejectedLogRecords <= 0 && outcome.errorMessage === '') return;
    this.partialRejected.inc(Math.max(0, outcome.rejectedLogRecords));
    this.logger.rateLimited('partial-success', 'warn',
      `backend accepted the request but rejected ${outcome.rejectedLogRecords} log records: ${outcome.errorMessage || '(no message)'}`);
  }

  async shutdown(): Promise<void> {
    if (this.state === 'stopped') return;
    const wasStarted = this.state === 'started';
    this.state = 'stopped';
    if (!wasStarted) return;
    const grace = setTimeout(() => this.transport?.close(), SHUTDOWN_GRACE_MS);
    try {
      await this.batcher.close();
      await this.sender?.stop();
    } finally {
      clearTimeout(grace);
      this.transport?.close();
    }
    const queue = this.queue;
    queue?.close();
    if (queue && queue.length > 0) {
      this.logger.info(`${queue.length} batches (${queue.records} records) remain in the on-disk queue ${queue.dir}; they are sent at the next start`);
    }
  }
}
