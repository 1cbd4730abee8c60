/**
 * Appends one OTLP/JSON ExportLogsServiceRequest per export call and fsyncs before resolving, so
 * an acknowledged batch survives a crash. Calls from several pipelines are written one at a time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EXPORT_SUCCESS, type CreateContext, type Exporter, type ExportResult } from '../../core/component';
import { RetryableError } from '../../core/errors';
import { toExportLogsServiceRequest, type ResourceOptions } from '../../core/otlp/json';
import type { LogRecord } from '../../core/record';
import { SCOPE_NAME, VERSION } from '../../core/version';
import type { FileExporterConfig } from './config';

export class FileExporter implements Exporter {
  private handle: fs.promises.FileHandle | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly resource: ResourceOptions;
  private readonly file: string;

  constructor(private readonly config: FileExporterConfig, ctx: CreateContext) {
    this.file = path.resolve(config.path);
    this.resource = {
      attributes: { 'service.name': 'teleport', ...config.resource },
      scopeName: SCOPE_NAME,
      scopeVersion: VERSION,
    };
    void ctx;
  }

  async start(): Promise<void> {
    await fs.promises.mkdir(path.dirname(this.file), { recursive: true });
    this.handle = await fs.promises.open(this.file, this.config.append ? 'a' : 'w');
  }

  export(records: readonly LogRecord[]): Promise<ExportResult> {
    const line = JSON.stringify(toExportLogsServiceRequest(records, this.resource)) + '\n';
    const done = this.tail.then(() => this.write(line));
    this.tail = done.catch(() => undefined);
    return done;
  }

  private async write(line: string): Promise<ExportResult> {
    const handle = this.handle;
    if (!handle) return { kind: 'retryable', error: new RetryableError('shutdown', `${this.file}: exporter is not started`) };
    try {
      await handle.write(line);
      if (this.config.fsync) await handle.datasync();
      return EXPORT_SUCCESS;
    } catch (err) {
      // A partial write may leave a torn line; readers skip lines that do not parse, and the
      // batch is retried whole (at-least-once).
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      return { kind: 'retryable', error: new RetryableError('io_error', `${this.file}: write failed: ${code}`, { cause: err }) };
    }
  }

  async shutdown(): Promise<void> {
    await this.tail;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }
}
