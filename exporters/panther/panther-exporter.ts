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
import { EXPORT_SUCCESS, type CreateContext, type EncodedBatch, type Exporter, type ExportResult } from '../../core/component';
import { DestinationError, errorMessage, RetryableError } from '../../core/errors';
import { encodeIsolated } from '../../core/isolate';
import { logTypeFolder } from '../../core/panther/names';
import { encodingsFor, type LogRecord, type RecordFailure } from '../../core/record';
import type { PantherExporterConfig } from './config';
import { PantherRecordEncoder, splitKey } from './encoder';
import { claimStateLock, type StateLock } from '../../core/state-lock';
import { mkdirDurable, recoverStaging, STAGING_DIR, StagingFile } from './staging';

const gzip = promisify(zlib.gzip);

interface Group {
  readonly logType: string;
  readonly folder: string;
  /** `YYYY-MM-DD HH`, the start of p_event_time. */
  readonly hour: string;
  /** The group's lines, each ending in a newline. */
  readonly parts: Uint8Array[];
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
  private lock: StateLock | undefined;
  private state: 'new' | 'started' | 'stopped' = 'new';
  /** The directory is prepared (staging, lock, recovery). */
  private ready = false;
  /** A write failed: check the staging folder before the next one. */
  private recheck = false;
  private pending: PendingCommit[] = [];
  private flushQueued = false;
  private flushes = 0;
  private readonly encoder = new PantherRecordEncoder();
  private readonly gzipOptions: zlib.ZlibOptions;

  constructor(private readonly config: PantherExporterConfig, private readonly ctx: CreateContext) {
    this.root = path.resolve(config.directory);
    // An output chunk of 128 KiB: a batch's member comes back in one or two thread-pool round trips
    // instead of one per 16 KiB, without allocating the 256 KiB that made starting each call cost
    // a quarter of a millisecond on the main thread. memLevel 9 (zlib's default is 8): about 10%
    // less CPU on Panther lines.
    this.gzipOptions = { level: config.compression_level, chunkSize: 128 * 1024, memLevel: 9 };
  }

  /**
   * Prepares the directory (staging folder, lock, recovery of a previous run's files). When the
   * file system refuses (a directory that cannot be created or written), the exporter still
   * starts: it says why on /healthz and in the log, and preparing is tried again at each export,
   * so fixing the permissions is enough, without a restart. Another process holding the
   * directory's lock still fails the start.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'started';
    try {
      await this.prepare();
    } catch (err) {
      if (!(err instanceof DestinationError)) {
        this.state = 'stopped';
        throw err;
      }
      this.ctx.telemetry.health.report('failing', err.message);
      this.ctx.logger.error(`${err.message}; records wait (nothing acknowledged) until it can be written`);
    }
    const tick = Math.max(50, Math.min(1000, Math.floor(this.config.max_file_age / 4)));
    this.timer = setInterval(() => { void this.serially(() => this.rotateAged()).catch(() => undefined); }, tick);
    this.timer.unref();
  }

  /** Idempotent; file system refusals are `DestinationError`s naming `exporters.<id>.directory`. */
  private async prepare(): Promise<void> {
    if (this.ready) return;
    const key = `exporters.${this.ctx.id}.directory`;
    const staging = path.join(this.root, STAGING_DIR);
    await mkdirDurable(staging).catch((err: unknown) => { throw this.unwritable(`cannot create ${staging}`, err); });
    try {
      // Beside the staging directory, not in it: the directory holds staged files only.
      this.lock ??= claimStateLock(path.join(this.root, '.lock'), `${key}: ${this.root}`);
    } catch (err) {
      throw (err as NodeJS.ErrnoException).code === undefined ? err : this.unwritable(`cannot write ${path.join(this.root, '.lock')}`, err);
    }
    const report = await recoverStaging(this.root).catch((err: unknown) => { throw this.unwritable(`cannot complete the files left in ${staging}`, err); });
    if (report.recovered > 0) {
      this.ctx.logger.warn(`${this.root}: completed ${report.recovered} file(s) left by a previous run; ${report.droppedBytes} unacknowledged bytes of torn writes dropped`);
    }
    if (report.foreign.length > 0) this.ctx.logger.warn(`${staging}: ignoring files that are not ours: ${report.foreign.slice(0, 3).join(', ')}`);
    this.ready = true;
  }

  /** A refusal of the file system (an OS error code), which no record causes; anything else as is. */
  private unwritable(what: string, err: unknown): unknown {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === undefined) return err;
    return new DestinationError('output_unwritable', `exporters.${this.ctx.id}.directory: ${what}: ${code}`, { cause: err });
  }

  async export(records: readonly LogRecord[]): Promise<ExportResult> {
    if (this.state !== 'started') {
      return { kind: 'retryable', error: new RetryableError('shutdown', `${this.ctx.id}: exporter is not running`) };
    }
    if (!this.ready) {
      try {
        await this.serially(() => this.prepare());
      } catch (err) {
        return { kind: 'retryable', error: err instanceof Error ? err : new Error(String(err)) };
      }
      // It could not be prepared at start: the health reported then no longer holds.
      this.ctx.telemetry.health.report('ok');
    } else if (this.recheck) {
      // The last write failed: the staging folder may have gone (a volume remounted); make it again.
      const staging = path.join(this.root, STAGING_DIR);
      try {
        await mkdirDurable(staging);
      } catch (err) {
        return { kind: 'retryable', error: this.unwritable(`cannot create ${staging}`, err) as Error };
      }
      this.recheck = false;
    }
    const failed: RecordFailure[] = [];
    const groups = this.group(records, failed);
    try {
      // Compression runs in zlib's thread pool while the main thread goes on with the next batch.
      const members = await Promise.all(groups.map((g) => gzip(g.parts.length === 1 ? g.parts[0] : Buffer.concat(g.parts), this.gzipOptions)));
      if (members.length > 0) await this.commit(groups, members);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // An OS error (EACCES, ENOSPC, EROFS...) is the directory's fault, not the records'.
      const error = code === undefined
        ? new RetryableError('io_error', `${this.root}: writing Panther files failed: ${errorMessage(err)}`, { cause: err })
        : new DestinationError('output_unwritable', `exporters.${this.ctx.id}.directory: writing under ${this.root} failed: ${code}`, { cause: err });
      this.recheck = true;
      return { kind: 'retryable', error };
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

  /**
   * Groups records by log type and hour, as runs of consecutive lines of one batch (a batch is
   * mostly one or two runs). Records encoded on a pipeline's worker threads are used as they are.
   */
  private group(records: readonly LogRecord[], failed: RecordFailure[]): Group[] {
    const batch = this.encoded(records);
    for (const f of batch.failures) failed.push({ record: records[f.index], code: f.code ?? 'export_rejected', reason: f.reason, component: this.ctx.id });
    const groups = new Map<string, Group>();
    const { bytes, ends, keys } = batch;
    let runStart = 0;
    for (let i = 0; i < records.length; i++) {
      const key = keys[i];
      if (i + 1 < records.length && keys[i + 1] === key) continue;
      const from = runStart === 0 ? 0 : ends[runStart - 1];
      runStart = i + 1;
      if (key === '' || ends[i] === from) continue;
      let g = groups.get(key);
      if (g === undefined) {
        const { logType, hour } = splitKey(key);
        groups.set(key, (g = { logType, folder: this.folderOf(logType), hour, parts: [] }));
      }
      g.parts.push(bytes.subarray(from, ends[i]));
    }
    return [...groups.values()];
  }

  /** The records' lines: as the pipeline encoded them where it did, encoded here where it did not. */
  private encoded(records: readonly LogRecord[]): EncodedBatch {
    const parts = encodingsFor(records, this.ctx.id);
    if (parts === undefined) return encodeIsolated(this.encoder, records, this.ctx.id);
    const whole = records.filter((_, i) => parts[i] === undefined);
    const here = whole.length > 0 ? encodeIsolated(this.encoder, whole, this.ctx.id) : undefined;
    const refusedHere = new Map(here?.failures.map((f) => [f.index, f]));
    const pieces: Uint8Array[] = [];
    const ends = new Int32Array(records.length);
    const keys = new Array<string>(records.length);
    const failures: EncodedBatch['failures'][number][] = [];
    let at = 0;
    let k = 0;
    for (let i = 0; i < records.length; i++) {
      const part = parts[i];
      let bytes: Uint8Array;
      if (part !== undefined) {
        bytes = part.bytes;
        keys[i] = part.key;
      } else {
        const j = k++;
        bytes = here!.bytes.subarray(j === 0 ? 0 : here!.ends[j - 1], here!.ends[j]);
        keys[i] = here!.keys[j];
        const failure = refusedHere.get(j);
        if (failure !== undefined) failures.push({ ...failure, index: i });
      }
      if (bytes.byteLength > 0) pieces.push(bytes);
      ends[i] = at += bytes.byteLength;
    }
    return { bytes: pieces.length > 0 ? joined(pieces, at) : new Uint8Array(0), ends, keys, failures };
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
    try {
      await this.serially(async () => {
        for (const [key, file] of [...this.files]) await this.complete(key, file);
      });
    } finally {
      this.lock?.release();
    }
  }
}

/** The parts as one buffer: a view over them when they lie back to back in one buffer (one worker batch), else a copy. */
function joined(parts: Uint8Array[], length: number): Uint8Array {
  const first = parts[0];
  let next = first.byteOffset;
  let contiguous = true;
  for (const p of parts) {
    if (p.buffer !== first.buffer || p.byteOffset !== next) { contiguous = false; break; }
    next += p.byteLength;
  }
  if (contiguous) return new Uint8Array(first.buffer, first.byteOffset, length);
  const out = Buffer.allocUnsafe(length);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.byteLength; }
  return out;
}
