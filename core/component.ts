/**
 * Component contracts. The core knows these interfaces and the registry's factories, never a
 * concrete component.
 */
import type { LogRecord, RecordFailure } from './record';
import type { Shape, Infer } from './config/schema';
import type { Logger } from './telemetry/logger';
import type { ComponentTelemetry } from './telemetry/metrics';
import type { RetryPolicy } from './retry';

export type ComponentKind = 'receiver' | 'processor' | 'exporter';

/** What every component gets when it is created. */
export interface CreateContext {
  /** Full id, `type` or `type/name`. */
  readonly id: string;
  readonly logger: Logger;
  readonly telemetry: ComponentTelemetry;
  /** Process data directory (checkpoints, queues) from the process settings. Relative paths in
   *  component configs are relative to the working directory, as in the OpenTelemetry Collector. */
  readonly dataDir: string;
  /**
   * Aborted when the service begins to shut down, before receivers drain: a component that holds
   * records back for later (a batch waiting for its flush interval) sends them now, or the
   * receivers' drain would wait for it. Absent where no service runs the component.
   */
  readonly stopping?: AbortSignal;
  /**
   * Set by `teleport-otel replay`: the run feeds records again into outputs that earlier runs
   * wrote, so an exporter must keep what they hold (a file exporter appends even without `append`).
   */
  readonly replay?: boolean;
}

export interface Lifecycle {
  /** Called once, before any data flows. Exporters start first, receivers last. */
  start(): Promise<void>;
  /** Idempotent, and safe without start. Receivers stop first, exporters last. */
  shutdown(): Promise<void>;
}

/**
 * The one method between stages. The returned promise resolves only when every exporter of every
 * pipeline the records went to has durably accepted them (or dead-lettered the ones that can never
 * be accepted). Awaiting it is both the acknowledgement and the backpressure. It rejects with a
 * `RetryableError` when delivery could not complete (the caller must not checkpoint and may try the
 * same records again) and never because of one bad record.
 */
export interface Consumer {
  consume(records: LogRecord[]): Promise<void>;
}

export interface ReceiverHost {
  readonly consumer: Consumer;
  /** `--once`: read what exists, then report drained; do not wait for more input. */
  readonly once: boolean;
}

export interface Receiver {
  /** Starts reading and sending to `host.consumer`. Called after every exporter and processor started. */
  start(host: ReceiverHost): Promise<void>;
  /**
   * Stops reading, waits for its in-flight `consume` calls (each one acknowledged or failed), and
   * checkpoints what was acknowledged. Idempotent, and safe without start.
   */
  shutdown(): Promise<void>;
  /**
   * In `--once` mode: resolves when every finite input was read and acknowledged; rejects on a
   * fatal error. Receivers with no end (HTTP) leave this undefined and cannot run with `--once`.
   */
  drained?(): Promise<void>;
  /** A few words on progress for the terminal (`3 files, 12,345 lines`). */
  progress?(): string;
}

/**
 * What a processor returns: records that go on, those that go to the dead letter, and how many it
 * filtered out on purpose (dropped by a rule). A filtered record is handled: its checkpoint moves
 * like an exported one's. Every input record is in exactly one of the three; the core counts a
 * record missing from all three as filtered too, and logs that as a bug of the processor.
 */
export interface ProcessResult {
  records: LogRecord[];
  failed: RecordFailure[];
  /** Records dropped on purpose (neither returned nor failed); absent means 0. */
  filtered?: number;
}

/**
 * Per-record isolation: when `process` throws, the core calls it again with one record at a time
 * (so it must tolerate records it already partly wrote to) and dead-letters only the records it
 * throws on alone, as `internal`, with the message and the record's position.
 */
export interface Processor extends Lifecycle {
  /** True when `process` writes to records; fan-out then hands this pipeline private copies. */
  readonly mutates: boolean;
  process(records: LogRecord[]): ProcessResult | Promise<ProcessResult>;
  /**
   * For a processor that rewrites what a record carries (redaction): what the dead letter may hold
   * of a record refused before this processor ran on it (by decoding, an earlier processor, or this
   * one throwing). Returns the line and reason to write instead of the record's; called on the
   * thread that writes the dead letter, with no ordering guarantee between calls.
   */
  deadLetterView?(record: LogRecord, reason: string): { raw: string; reason: string };
}

/**
 * Outcome of one export call, as a discriminated union (opentelemetry-js's ExportResponse shape).
 * `retryable`: nothing from this call was accepted; the caller retries the same records.
 * `rejected`: `failed` can never be accepted (dead letter); every other record was accepted.
 */
export type ExportResult =
  | { readonly kind: 'success' }
  | { readonly kind: 'retryable'; readonly error: Error; readonly retryAfterMs?: number }
  | { readonly kind: 'rejected'; readonly failed: RecordFailure[] };

export const EXPORT_SUCCESS: ExportResult = Object.freeze({ kind: 'success' });

export interface Exporter extends Lifecycle {
  /**
   * How the core retries this exporter's `retryable` results (usually from its `retry_on_failure`
   * config); the default retries forever with backoff up to 30s.
   */
  readonly retryPolicy?: RetryPolicy;
  /**
   * Resolves once the records are durably accepted (sent and acknowledged, or written and
   * fsynced). May be called concurrently by several pipelines; the exporter serializes as needed.
   * Must not throw for a bad record: report it in `rejected`.
   */
  export(records: readonly LogRecord[]): Promise<ExportResult>;
}

interface FactoryBase<S extends Shape> {
  /** The type id users write in pipeline.yaml (`filelog`, `otlphttp`...). */
  readonly type: string;
  /** One sentence for `--help` and docs. */
  readonly description: string;
  readonly configShape: S;
  /**
   * A minimal valid config block when `{}` is not one (required fields), used by the registry
   * contract test. Paths in it may point at nothing; creating must not touch them.
   */
  readonly exampleConfig?: Record<string, unknown>;
  /** Cross-field checks after per-field validation; returns `path: message` lines (no prefix). */
  validate?(config: Infer<S>): string[];
}

export interface ReceiverFactory<S extends Shape = Shape> extends FactoryBase<S> {
  readonly kind: 'receiver';
  create(config: Infer<S>, ctx: CreateContext): Receiver;
}

export interface ProcessorFactory<S extends Shape = Shape> extends FactoryBase<S> {
  readonly kind: 'processor';
  create(config: Infer<S>, ctx: CreateContext): Processor;
}

export interface ExporterFactory<S extends Shape = Shape> extends FactoryBase<S> {
  readonly kind: 'exporter';
  create(config: Infer<S>, ctx: CreateContext): Exporter;
  /**
   * The exporter's per-record serialization. A pipeline whose exporters all have one encodes its
   * records for them itself, on its worker threads (`workers`) or right after its processors (when
   * it has some), and drops the records' objects: they reach `export` with `encoded[<exporter id>]`
   * set (see LogRecord.encoded), except records an encoder refused, which come whole. Undefined
   * when the exporter has none for this config: it then gets whole records.
   */
  createEncoder?(config: Infer<S>): RecordEncoder | undefined;
}

/**
 * Serialization split from an exporter's I/O so it can run on any thread: pure, stateless between
 * calls, the same bytes for the same record wherever it runs. The core calls it through
 * `encodeIsolated` (core/isolate.ts): a record it throws on is dead-lettered alone.
 */
export interface RecordEncoder {
  /**
   * `allocate(size)`: where to put the bytes, when the caller gives it (a buffer it reuses once
   * the export of the records settled); else a fresh ArrayBuffer that can go to another thread.
   */
  encode(records: readonly LogRecord[], allocate?: (size: number) => Uint8Array): EncodedBatch;
}

/** Records' encodings back to back, with where each ends, its grouping key, and what could not be encoded. */
export interface EncodedBatch {
  readonly bytes: Uint8Array;
  /** End offset of record i's bytes (start: ends[i - 1], or 0); a failed record has zero length. */
  readonly ends: Int32Array;
  /** What the exporter groups record i by (Panther: log type and hour; OTLP: the cluster; '' if none). */
  readonly keys: string[];
  /** Records that can never be encoded (dead letter), by index; `code` defaults to `export_rejected`. */
  readonly failures: { readonly index: number; readonly reason: string; readonly code?: string }[];
}

export type AnyFactory = ReceiverFactory | ProcessorFactory | ExporterFactory;
