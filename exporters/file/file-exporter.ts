/**
 * Appends one OTLP/JSON ExportLogsServiceRequest per export call and fsyncs before resolving, so
 * an acknowledged batch survives a crash. Calls from several pipelines are written one at a time.
 * A record the encoder throws on is rejected alone; its batch mates are then written one request
 * per record (core/isolate.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { EXPORT_SUCCESS, type CreateContext, type Exporter, type ExportResult } from '../../core/component';
import { RetryableError } from '../../core/errors';
import { encodeExportLogsServiceRequest, type ResourceOptions } from '../../core/otlp/json';
import { isolateRecords } from '../../core/isolate';
import type { LogRecord } from '../../core/record';
import { SCOPE_NAME, VERSION } from '../../core/version';
import type { FileExporterConfig } from './config';

interface PendingWrite {
  readonly text: string;
  readonly resolve: (result: ExportResult) => void;
}

export class FileExporter implements Exporter {
  private handle: fs.promises.FileHandle | undefined;
  /** Serialized requests waiting for the next write; flushed together (group commit). */
  private pending: PendingWrite[] = [];
  private flushing: Promise<void> | undefined;
  private readonly resource: ResourceOptions;
  private readonly file: string;

  constructor(private readonly config: FileExporterConfig, private readonly ctx: CreateContext) {
    this.file = path.resolve(config.path);
    this.resource = {
      attributes: { 'service.name': 'teleport', ...config.resource },
      scopeName: SCOPE_NAME,
      scopeVersion: VERSION,
      body: config.body,
    };
  }

  async start(): Promise<void> {
    await fs.promises.mkdir(path.dirname(this.file), { recursive: true });
    this.handle = await fs.promises.open(this.file, this.config.append ? 'a' : 'w');
  }

  /**
   * Serializes now (CPU work overlaps the previous write), then joins the next group commit:
   * every request queued while a write+fsync is under way goes out in one write and one fsync,
   * so several batches in flight cost one disk flush instead of one each.
   */
  async export(records: readonly LogRecord[]): Promise<ExportResult> {
    const { results, failed } = await isolateRecords(records, this.ctx.id, (batch) => encodeExportLogsServiceRequest(batch, this.resource) + '\n');
    const result = results.length === 0 ? EXPORT_SUCCESS : await new Promise<ExportResult>((resolve) => {
      this.pending.push({ text: results.length === 1 ? results[0] : results.join(''), resolve });
      this.flushing ??= this.flushLoop();
    });
    return result.kind === 'success' && failed.length > 0 ? { kind: 'rejected', failed } : result;
  }

  private async flushLoop(): Promise<void> {
    while (this.pending.length > 0) {
      const group = this.pending;
      this.pending = [];
      const result = await this.write(group.length === 1 ? group[0].text : group.map((p) => p.text).join(''));
      for (const p of group) p.resolve(result);
    }
    this.flushing = undefined;
  }

  private async write(text: string): Promise<ExportResult> {
    const handle = this.handle;
    if (!handle) return { kind: 'retryable', error: new RetryableError('shutdown', `${this.file}: exporter is not started`) };
    try {
      await handle.write(text);
      if (this.config.fsync) await handle.datasync();
      return EXPORT_SUCCESS;
    } catch (err) {
      // A partial write may leave a torn line; readers skip lines that do not parse, and the
      // batches are retried whole (at-least-once).
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      return { kind: 'retryable', error: new RetryableError('io_error', `${this.file}: write failed: ${code}`, { cause: err }) };
    }
  }

  async shutdown(): Promise<void> {
    await this.flushing;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }
}
