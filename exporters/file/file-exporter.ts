/**
 * Appends one OTLP/JSON ExportLogsServiceRequest per export call and fsyncs before resolving, so
 * an acknowledged batch survives a crash. Calls from several pipelines are written one at a time.
 * A record the encoder throws on is rejected alone; its batch mates are then written one request
 * per record (core/isolate.ts).
 *
 * The file is only ever made of whole lines, even after a crash or a failed write: opened to
 * append, a last line cut short by a previous run (kill -9 mid-write) is ended with a newline
 * first (output-file.ts); a write that fails half-way is cut back, and every write is continued
 * until all its bytes are down or failed, never acknowledged short. A file or directory that
 * cannot be created or written is a `DestinationError` naming `exporters.<id>.path`: the core
 * retries it, reports the exporter failing, and never dead-letters records for it.
 */
import path from 'node:path';
import { EXPORT_SUCCESS, type CreateContext, type Exporter, type ExportResult } from '../../core/component';
import { RetryableError } from '../../core/errors';
import { encodeExportLogsServiceRequest, type ResourceOptions } from '../../core/otlp/json';
import { isolateRecords } from '../../core/isolate';
import type { LogRecord } from '../../core/record';
import { SCOPE_NAME, VERSION } from '../../core/version';
import type { FileExporterConfig } from './config';
import { LineFile } from '../../core/line-file';

interface PendingWrite {
  readonly text: string;
  readonly resolve: (result: ExportResult) => void;
}

export class FileExporter implements Exporter {
  private readonly output: LineFile;
  /** Serialized requests waiting for the next write; flushed together (group commit). */
  private pending: PendingWrite[] = [];
  private flushing: Promise<void> | undefined;
  private readonly resource: ResourceOptions;
  private state: 'created' | 'started' | 'stopped' = 'created';

  constructor(private readonly config: FileExporterConfig, private readonly ctx: CreateContext) {
    const repaired = ctx.telemetry.counter('file_fragments_repaired_total',
      'Last lines found cut short (a crash mid-write) when the file was opened to append, and ended with a newline.');
    this.output = new LineFile(path.resolve(config.path), {
      configKey: `exporters.${ctx.id}.path`,
      // A replay adds to what earlier runs wrote; truncating would throw their output away.
      append: config.append || ctx.replay === true,
      fsync: config.fsync,
      logger: ctx.logger,
      onFragment: () => repaired.inc(),
    });
    this.resource = {
      attributes: { 'service.name': 'teleport', ...config.resource },
      scopeName: SCOPE_NAME,
      scopeVersion: VERSION,
      body: config.body,
    };
  }

  /**
   * Opens the file. When it cannot (a directory that cannot be created, no permission), the
   * exporter still starts: it says why on /healthz and in the log, and opening is tried again at
   * each export, so fixing the permissions is enough, without a restart.
   */
  async start(): Promise<void> {
    if (this.state !== 'created') return;
    this.state = 'started';
    try {
      await this.output.open();
    } catch (err) {
      this.ctx.telemetry.health.report('failing', (err as Error).message);
      this.ctx.logger.error(`${(err as Error).message}; records wait (nothing acknowledged) until it can be written`);
    }
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
    if (this.state !== 'started') return { kind: 'retryable', error: new RetryableError('shutdown', `${this.ctx.id}: exporter is not running`) };
    const wasOpen = this.output.isOpen;
    try {
      await this.output.append(text);
    } catch (err) {
      return { kind: 'retryable', error: err as Error };
    }
    // Opened late (it could not be at start): the health it reported then no longer holds.
    if (!wasOpen) this.ctx.telemetry.health.report('ok');
    return EXPORT_SUCCESS;
  }

  async shutdown(): Promise<void> {
    if (this.state === 'stopped') return;
    await this.flushing;
    this.state = 'stopped';
    await this.output.close();
  }
}
