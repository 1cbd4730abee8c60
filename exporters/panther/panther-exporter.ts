/**
 * The `panther` exporter: Panther-format gzip JSON lines, one file per log type and hour of
 * p_event_time, under `logs/<log_type>/year=YYYY/month=MM/day=DD/hour=HH/`. An export call is
 * acknowledged once its records are a complete gzip member fsynced in a staging file that a restart
 * recovers (see staging.ts); files move to their final path whole, on rotation by size, age, open
 * file count, or at shutdown. Calls compress in parallel in zlib's thread pool, off the main thread;
 * writes are serialized, and calls that queue up behind a write share the next one (group commit).
 */
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { EXPORT_SUCCESS, type CreateContext, type Exporter, type ExportResult } from '../../core/component';
import { errorMessage, RetryableError } from '../../core/errors';
import { stringifyLossless } from '../../core/json-lossless';
import { logTypeFolder } from '../../core/panther/names';
import type { LogRecord, RecordFailure } from '../../core/record';
import type { PantherExporterConfig } from './config';
import { PantherLines } from './serialize';
import { mkdirDurable, recoverStaging, STAGING_DIR, StagingFile } from './staging';

const gzip = promisify(zlib.gzip);
const MAX_SPARE_BUFFERS = 8;
/** `YYYY-MM-DD HH` at the start of a Panther timestamp. */
const PANTHER_HOUR = /^\d{4}-\d{2}-\d{2} \d{2}/;

interface Group {
  readonly logType: string;
  readonly folder: string;
  /** `YYYY-MM-DD HH`, the start of p_event_time. */
  readonly hour: string;
  readonly lines: PantherLines;
}

/** An export call whose compressed members wait for the next group commit. */
interface PendingCommit {
  readonly groups: Group[];
  readonly members: Buffer[];
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export class PantherExporter implements Exporter {
  private readonly root: string;
  private readonly files = new Map<string, StagingFile>();
  private readonly folders = new Map<string, string>();
  private tail: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private state: 'new' | 'started' | 'stopped' = 'new';
  private pending: PendingCommit[] = [];
  private flushQueued = false;
  /** Bytes per line seen in the last call, to size the next call's buffers. */
  private lineBytes = 1024;
  private flushes = 0;
  /** Line buffers of finished calls, reused by the next ones. */
  private readonly spare: Buffer[] = [];
  private readonly gzipOptions: zlib.ZlibOptions;

  constructor(private readonly config: PantherExporterConfig, private readonly ctx: CreateContext) {
    this.root = path.resolve(config.directory);
    // A large output chunk: a batch's member comes back in one or two thread-pool round trips
    // instead of one per 16 KiB.
    this.gzipOptions = { level: config.compression_level, chunkSize: 256 * 1024 };
  }

  async start(): Promise<void> {
    if (this.state !== 'new') return;
    await mkdirDurable(path.join(this.root, STAGING_DIR));
    const report = await recoverStaging(this.root);
    if (report.recovered > 0) {
      this.ctx.logger.warn(`${this.root}: completed ${report.recovered} file(s) left by a previous run; ${report.droppedBytes} unacknowledged bytes of torn writes dropped`);
    }
    if (report.foreign.length > 0) this.ctx.logger.warn(`${path.join(this.root, STAGING_DIR)}: ignoring files that are not ours: ${report.foreign.slice(0, 3).join(', ')}`);
    const tick = Math.max(50, Math.min(1000, Math.floor(this.config.max_file_age / 4)));
    this.timer = setInterval(() => { void this.serially(() => this.rotateAged()).catch(() => undefined); }, tick);
    this.timer.unref();
    this.state = 'started';
  }

  async export(records: readonly LogRecord[]): Promise<ExportResult> {
    if (this.state !== 'started') {
      return { kind: 'retryable', error: new RetryableError('shutdown', `${this.ctx.id}: exporter is not running`) };
    }
    const failed: RecordFailure[] = [];
    const groups = this.group(records, failed);
    try {
      // Compression runs in zlib's thread pool while the main thread goes on with the next batch.
      const members = await Promise.all(groups.map((g) => gzip(g.lines.finish(), this.gzipOptions)));
      // zlib has read them: recycle. A fresh megabyte per batch is external memory, and its churn
      // makes V8 run marking steps inside later native calls on the main thread.
      for (const g of groups) if (this.spare.length < MAX_SPARE_BUFFERS) this.spare.push(g.lines.buffer);
      if (members.length > 0) await this.commit(groups, members);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      return { kind: 'retryable', error: new RetryableError('io_error', `${this.root}: writing Panther files failed: ${code}: ${errorMessage(err)}`, { cause: err }) };
    }
    return failed.length === 0 ? EXPORT_SUCCESS : { kind: 'rejected', failed };
  }

  /**
   * Group commit: resolves once this call's members are written and fdatasync'ed. Calls that arrive
   * while a write is under way wait for the next one and share it: per file, one write and one
   * fdatasync for all of them, so several batches in flight cost one disk flush, not one each.
   */
  private commit(groups: Group[], members: Buffer[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ groups, members, resolve, reject });
      if (!this.flushQueued) {
        this.flushQueued = true;
        void this.serially(() => this.flush());
      }
    });
  }

  /** Serializes records and groups them by log type and hour; records that cannot be written go to `failed`. */
  private group(records: readonly LogRecord[], failed: RecordFailure[]): Group[] {
    const groups = new Map<string, Group>();
    // Consecutive records mostly share log type and hour: check against the last group first.
    let last: Group | undefined;
    let bytes = 0;
    let lines = 0;
    for (let i = 0; i < records.length; i++) {
      const record = records[i];
      const p = record.panther;
      const logType = p?.p_log_type;
      const time = p?.p_event_time;
      let g: Group | undefined;
      if (last !== undefined && logType === last.logType && typeof time === 'string' && time.startsWith(last.hour)) {
        g = last;
      } else if (p === undefined || typeof logType !== 'string' || typeof time !== 'string' || !PANTHER_HOUR.test(time)) {
        const reason = p === undefined
          ? 'record has no Panther view: put the schema processor before the panther exporter in this pipeline'
          : `record has no usable p_log_type/p_event_time (${JSON.stringify(time)})`;
        failed.push({ record, code: 'export_rejected', reason, component: this.ctx.id });
        continue;
      }
      let json: string;
      try {
        json = stringifyLossless(p);
      } catch (err) {
        failed.push({ record, code: 'export_rejected', reason: `cannot serialize: ${errorMessage(err)}`, component: this.ctx.id });
        continue;
      }
      if (g === undefined) {
        const hour = (time as string).slice(0, 13);
        const key = `${logType as string}\n${hour}`;
        g = groups.get(key);
        if (g === undefined) {
          g = { logType: logType as string, folder: this.folderOf(logType as string), hour, lines: new PantherLines(this.lineBytes * (records.length - i), this.spare.pop()) };
          groups.set(key, g);
        }
        last = g;
      }
      g.lines.add(json);
      lines++;
    }
    for (const g of groups.values()) bytes += g.lines.byteLength;
    // Sizes the next call's buffers: one allocation, rarely a regrowth.
    if (lines > 0) this.lineBytes = Math.ceil((bytes / lines) * 1.1);
    return [...groups.values()];
  }

  private folderOf(logType: string): string {
    let f = this.folders.get(logType);
    if (f === undefined) this.folders.set(logType, (f = logTypeFolder(logType)));
    return f;
  }

  private serially<T>(task: () => Promise<T>): Promise<T> {
    const done = this.tail.then(task);
    this.tail = done.catch(() => undefined);
    return done;
  }

  /** Group commits so far (each one write and one fdatasync per file it touches), for tests and telemetry. */
  get groupCommits(): number {
    return this.flushes;
  }

  /** Writes every pending call, one append per file; settles each call by the fate of its files. */
  private async flush(): Promise<void> {
    this.flushQueued = false;
    this.flushes++;
    const calls = this.pending;
    this.pending = [];
    try {
      await this.writeCalls(calls);
    } catch (err) {
      // Not expected (writeCalls settles each call itself), but a call must never hang.
      for (const call of calls) call.reject(err);
    }
  }

  private async writeCalls(calls: PendingCommit[]): Promise<void> {
    const byFile = new Map<string, { folder: string; hour: string; members: Buffer[]; calls: PendingCommit[] }>();
    for (const call of calls) {
      for (let i = 0; i < call.groups.length; i++) {
        const { folder, hour } = call.groups[i];
        const key = `${folder}/${hour}`;
        let w = byFile.get(key);
        if (w === undefined) byFile.set(key, (w = { folder, hour, members: [], calls: [] }));
        w.members.push(call.members[i]);
        w.calls.push(call);
      }
    }
    const errors = new Map<PendingCommit, unknown>();
    for (const [key, w] of byFile) {
      try {
        await this.append(key, w.folder, w.hour, w.members.length === 1 ? w.members[0] : Buffer.concat(w.members));
      } catch (err) {
        for (const call of w.calls) if (!errors.has(call)) errors.set(call, err);
      }
    }
    for (const call of calls) {
      if (errors.has(call)) call.reject(errors.get(call));
      else call.resolve();
    }
  }

  private async append(key: string, folder: string, hour: string, data: Buffer): Promise<void> {
    const file = this.files.get(key) ?? (await this.open(key, folder, hour));
    try {
      await file.append(data);
    } catch (err) {
      if (file.broken) await this.complete(key, file);
      throw err;
    }
    if (file.size >= this.config.max_file_size) await this.complete(key, file);
  }

  private async open(key: string, folder: string, hour: string): Promise<StagingFile> {
    if (this.files.size >= this.config.max_open_files) {
      let lru: [string, StagingFile] | undefined;
      for (const entry of this.files) if (lru === undefined || entry[1].lastWrite < lru[1].lastWrite) lru = entry;
      await this.complete(...lru!);
    }
    const file = await StagingFile.create(this.root, folder, hour);
    this.files.set(key, file);
    return file;
  }

  /** Publishes a file. A failure leaves it durable in staging, for the next start to complete. */
  private async complete(key: string, file: StagingFile): Promise<void> {
    this.files.delete(key);
    try {
      await file.complete();
    } catch (err) {
      this.ctx.logger.rateLimited('complete', 'error', `${file.stagingPath}: could not move to ${file.finalPath} (kept in staging, completed at next start): ${errorMessage(err)}`);
    }
  }

  private async rotateAged(): Promise<void> {
    const now = Date.now();
    for (const [key, file] of [...this.files]) {
      if (now - file.opened >= this.config.max_file_age) await this.complete(key, file);
    }
  }

  async shutdown(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.serially(async () => {
      for (const [key, file] of [...this.files]) await this.complete(key, file);
    });
  }
}
