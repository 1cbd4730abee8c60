/**
 * A test-only exporter with controllable speed and failures, to prove the acknowledgement
 * contract with real files: it records each accepted record's raw line in a JSONL file, fsynced
 * before it acknowledges, so a test (or a killed child process) leaves exact evidence of what was
 * acknowledged.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CreateContext, Exporter, ExporterFactory, ExportResult } from '../../core/component';
import { bool, duration, int, optional, str, type Infer } from '../../core/config/schema';
import { DestinationError, RetryableError } from '../../core/errors';
import type { LogRecord } from '../../core/record';
import { sleep, type RetryPolicy } from '../../core/retry';

const shape = {
  path: optional(str({ doc: 'JSONL file: one line per accepted record (its raw line), fsynced before acknowledging.' })),
  delay: duration({ doc: 'Delay of every export call.', default: '0' }),
  fail_first: int({ doc: 'The first N export calls fail with a retryable error.', default: 0, min: 0 }),
  fail_for: duration({ doc: 'Export calls fail with a retryable error during this long after start.', default: '0' }),
  refuse_destination_for: duration({ doc: 'Export calls fail with a DestinationError (a refusal no record caused) during this long after start (a long duration: always).', default: '0' }),
  reject_containing: optional(str({ doc: 'Records whose raw line contains this are rejected permanently.' })),
  retry_interval: duration({ doc: 'Retry delay the core uses for this exporter.', default: '20ms' }),
  encoder_throw_containing: optional(str({ doc: 'Gives pipelines with workers an encoder that throws (a bug) on a batch with a line containing this.' })),
  fsync: bool({ doc: 'fsync `path` before acknowledging (off: for /dev/null in memory tests).', default: true }),
};

/** Components append here when they start, so tests can check the start order. */
export const startOrder: string[] = [];

export class TestExporter implements Exporter {
  static readonly instances = new Map<string, TestExporter>();
  readonly retryPolicy: RetryPolicy;
  calls = 0;
  /** Accepted raw lines, when no `path` is set. */
  readonly accepted: string[] = [];
  private startedAt = 0;
  private fd: number | undefined;

  constructor(private readonly config: Infer<typeof shape>, ctx?: CreateContext) {
    if (ctx) TestExporter.instances.set(ctx.id, this);
    this.retryPolicy = { initialIntervalMs: config.retry_interval, maxIntervalMs: config.retry_interval, maxElapsedMs: 0 };
  }

  async start(): Promise<void> {
    this.startedAt = Date.now();
    startOrder.push(`exporter ${this.config.path ?? ''}`.trim());
    if (this.config.path) {
      fs.mkdirSync(path.dirname(this.config.path), { recursive: true });
      this.fd = fs.openSync(this.config.path, 'a');
    }
  }

  async export(records: readonly LogRecord[]): Promise<ExportResult> {
    this.calls++;
    if (this.config.delay > 0) await sleep(this.config.delay);
    if (this.calls <= this.config.fail_first || Date.now() - this.startedAt < this.config.fail_for) {
      return { kind: 'retryable', error: new RetryableError('export_unavailable', `test exporter: refusing call ${this.calls}`) };
    }
    if (Date.now() - this.startedAt < this.config.refuse_destination_for) {
      return { kind: 'retryable', error: new DestinationError('output_unwritable', 'exporters.testexporter.path: cannot write: EACCES') };
    }
    const needle = this.config.reject_containing;
    const failed = needle === undefined ? [] : records.filter((r) => r.raw.includes(needle))
      .map((record) => ({ record, code: 'export_rejected', reason: `test exporter: contains "${needle}"`, component: 'testexporter' }));
    const rejected = new Set(failed.map((f) => f.record));
    const lines = records.filter((r) => !rejected.has(r)).map((r) => r.raw);
    // Kept in memory only without a file, so long-running tests stay bounded.
    if (this.fd === undefined) for (const l of lines) this.accepted.push(l);
    if (this.fd !== undefined && lines.length > 0) {
      fs.writeSync(this.fd, lines.join('\n') + '\n');
      if (this.config.fsync) fs.fsyncSync(this.fd);
    }
    return failed.length > 0 ? { kind: 'rejected', failed } : { kind: 'success' };
  }

  async shutdown(): Promise<void> {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

export const testExporterFactory: ExporterFactory<typeof shape> = {
  kind: 'exporter',
  type: 'testexporter',
  description: 'Test-only exporter with controllable delay and failures.',
  configShape: shape,
  create: (config, ctx) => new TestExporter(config, ctx),
  createEncoder: (config) => {
    const needle = config.encoder_throw_containing;
    if (needle === undefined) return undefined;
    return {
      encode: (records) => {
        if (records.some((r) => r.raw.includes(needle))) throw new Error('test encoder bug');
        const bytes = new TextEncoder().encode(records.map((r) => r.raw).join(''));
        let at = 0;
        return { bytes, ends: Int32Array.from(records, (r) => (at += Buffer.byteLength(r.raw))), keys: records.map(() => ''), failures: [] };
      },
    };
  },
};
