/**
 * The filelog receiver: polls `include` for files, recognizes each by its fingerprint (not its
 * name), reads what was appended, and checkpoints what the pipeline acknowledged.
 *
 * Identity, every poll:
 * 1. A known file still found at some path under the same `dev:ino` and still starting with its
 *    fingerprint is the same file (a rename only changes its path). Smaller than what was read, or
 *    different first bytes: it was truncated or replaced; the old identity is retired and the
 *    content is treated as a new file.
 * 2. A known file no longer found (deleted, renamed out of the globs, the `events.log` symlink
 *    re-pointed) is finished through its open descriptor, then retired.
 * 3. Any other file is fingerprinted: the same first bytes as a retired identity (a checkpoint
 *    after restart, the copy of copytruncate, an archive of a file already read) resume at that
 *    identity's acknowledged offset; the same first bytes as a file being read is a duplicate and is
 *    skipped; otherwise it is new (`start_at` on the first poll, the beginning afterwards).
 */
import fs from 'node:fs';
import type { CreateContext, Receiver, ReceiverHost } from '../../core/component';
import { componentStateDir } from '../../core/data-dir';
import { LocatedError, errorMessage } from '../../core/errors';
import { sleep } from '../../core/retry';
import { CheckpointStore, type Checkpoint } from './checkpoint-store';
import type { FilelogReceiverConfig } from './config';
import { discover, endOfLastLine, osMessage, type FoundFile } from './discovery';
import { Reachability } from './reachability';
import { continues, isGzip, isPrefixOf, readFingerprint, readFingerprintOfPath } from './fingerprint';
import { ReadRoom } from './read-room';
import { TrackedFile, type ReadContext } from './tracked-file';

/** Retired identities kept for matching (copies, archives, restarts) and in the checkpoint file. */
const MAX_RETIRED = 4096;
/** Delay before a file whose batch failed is read again. */
const RETRY_DELAY_MS = 1000;

export class FilelogReceiver implements Receiver {
  private readonly files = new Set<TrackedFile>();
  private readonly store: CheckpointStore;
  private readonly readContext: ReadContext;
  private readonly room: ReadRoom;
  private host: ReceiverHost | undefined;
  private stopping = false;
  private firstPoll = true;
  private readonly workers = new Set<Promise<void>>();
  private readonly wake = new AbortController();
  private loop: Promise<void> | undefined;
  private done: Promise<void>;
  private resolveDone!: () => void;
  private rejectDone!: (err: Error) => void;
  private lines = 0;
  private readonly reachability: Reachability;
  /** Files found by the current poll that could not be opened: path → OS error. */
  private unopened = new Map<string, string>();
  private lastProblems: ReturnType<Reachability['update']> = [];
  private lastPollSummary = '';
  /** The last poll found no file under any glob. */
  private nothingMatched = false;

  constructor(private readonly config: FilelogReceiverConfig, private readonly ctx: CreateContext) {
    // Without `storage`, checkpoints live under the process data directory, so a restart resumes.
    const storage = config.storage ?? componentStateDir(ctx.dataDir, ctx.id);
    this.store = new CheckpointStore(storage, ctx.id, () => this.checkpoints(), config.storage === undefined ? '--data-dir' : `receivers.${ctx.id}.storage`);
    this.reachability = new Reachability(config.include, ctx);
    const room = (this.room = new ReadRoom(this.files, config.max_bytes_in_flight, config.poll_interval));
    ctx.telemetry.gauge('filelog_bytes_in_flight', 'Bytes of complete lines read from files and not yet acknowledged, across files (bounded by max_bytes_in_flight).', () => room.heldBytes);
    ctx.telemetry.gauge('filelog_files_followed', 'Files the filelog receiver is following now (found, opened or to be opened, not retired).', () => this.followed());
    this.done = new Promise<void>((resolve, reject) => { this.resolveDone = resolve; this.rejectDone = reject; });
    this.done.catch(() => undefined);
    this.readContext = {
      consumer: { consume: (records) => this.host!.consumer.consume(records).finally(() => room.settled()) },
      component: ctx.id,
      maxBatchSize: config.max_batch_size,
      maxBatchesInFlight: config.max_batches_in_flight,
      maxLogSize: config.max_log_size,
      stopping: () => this.stopping,
      hasRoom: () => room.hasRoom,
      roomChanged: () => room.changed(),
      acknowledged: () => { void this.store.save(); },
      counted: (n) => { this.lines += n; },
    };
  }

  async start(host: ReceiverHost): Promise<void> {
    if (this.loop !== undefined || this.stopping) return;
    this.host = host;
    for (const c of this.store.load()) {
      const file = new TrackedFile(c.fingerprint, {
        path: c.path, offset: c.offset, line: Math.max(0, c.line), linesKnown: c.line >= 0, complete: c.complete,
      }, this.readContext);
      this.files.add(file);
    }
    this.loop = (host.once ? this.runOnce() : this.follow()).then(
      () => this.resolveDone(),
      (err: unknown) => this.rejectDone(err instanceof LocatedError ? err : new Error(`${this.ctx.id}: ${errorMessage(err)}`)),
    );
  }

  drained(): Promise<void> {
    return this.done;
  }

  progress(): string {
    return `${this.followed().toLocaleString('en-US')} files, ${this.lines.toLocaleString('en-US')} lines`;
  }

  /** Files bound to a file on disk (not retired identities kept for their checkpoints). */
  private followed(): number {
    let bound = 0;
    for (const f of this.files) if (f.key !== undefined) bound++;
    return bound;
  }

  async shutdown(): Promise<void> {
    this.stopping = true;
    this.wake.abort();
    await this.loop?.catch(() => undefined);
    await Promise.all(this.workers);
    try {
      await this.store.flush();
    } catch (err) {
      this.ctx.logger.error(`checkpoints not saved: ${errorMessage(err)}`);
    }
    this.store.close();
    for (const f of this.files) f.closeFd();
    this.resolveDone();
  }

  /** --once: read every file found now to its end, retrying failed batches, then checkpoint. */
  private async runOnce(): Promise<void> {
    const queue = await this.poll(true);
    const next = async (): Promise<void> => {
      for (let file = queue.shift(); file !== undefined && !this.stopping; file = queue.shift()) {
        file.busy = true;
        try {
          while (!this.stopping && !(await this.readFile(file, true))) await sleep(RETRY_DELAY_MS, this.wake.signal);
        } finally {
          file.busy = false;
          this.release(file);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.config.max_concurrent_files, queue.length) }, next));
    await this.store.flush();
    // What could be read was read and acknowledged; a backfill that skipped unreadable input did not finish.
    const unreadable = this.lastProblems.filter((p) => p.unreadable);
    if (unreadable.length > 0) throw new LocatedError(`${unreadable[0].line}${unreadable.length > 1 ? ` (and ${unreadable.length - 1} more)` : ''}`);
    if (this.nothingMatched) throw new LocatedError(`receivers.${this.ctx.id}.include: no file matches ${this.config.include.map((g) => JSON.stringify(g)).join(', ')}; nothing to read`);
  }

  /** Follow mode: poll, start readers for files with new bytes, sleep, until shutdown. */
  private async follow(): Promise<void> {
    while (!this.stopping) {
      try {
        const ready = await this.poll(false);
        for (const file of ready) {
          if (this.workers.size >= this.config.max_concurrent_files) break;
          if (file.busy || Date.now() < file.retryAt) continue;
          this.spawn(file);
        }
      } catch (err) {
        this.ctx.logger.rateLimited('poll', 'warn', `receivers.${this.ctx.id}.include: poll failed: ${errorMessage(err)}`);
      }
      await sleep(this.config.poll_interval, this.wake.signal);
    }
  }

  private spawn(file: TrackedFile): void {
    file.busy = true;
    const final = file.lost;
    const worker = this.readFile(file, final).then((ok) => {
      if (!ok) file.retryAt = Date.now() + RETRY_DELAY_MS;
      if (final && ok) file.lostDrained = true;
    }, (err: unknown) => {
      this.ctx.logger.rateLimited(`read:${file.path}`, 'warn', `receivers.${this.ctx.id}.include: ${errorMessage(err)} (retrying)`);
      file.retryAt = Date.now() + RETRY_DELAY_MS;
    }).finally(() => {
      file.busy = false;
      this.workers.delete(worker);
      this.trimOpenFiles();
    });
    this.workers.add(worker);
  }

  /** Opens (if needed) and reads one file; false when a batch failed and the file was rewound. */
  private async readFile(file: TrackedFile, final: boolean): Promise<boolean> {
    if (file.fd === undefined && !this.open(file)) return true;
    // An archive is read whole each time; a broken one is retried only once it changed.
    if (file.gzip) file.triedSize = file.lastSize;
    return file.read(final);
  }

  /** Opens the file at its path if it is still the same `dev:ino`; false when it is gone. */
  private open(file: TrackedFile): boolean {
    this.trimOpenFiles(1);
    let fd: number;
    try {
      fd = fs.openSync(file.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      this.unopened.set(file.path, osMessage(err));
      throw new Error(`cannot read ${file.path}: ${osMessage(err)}`);
    }
    const st = fs.fstatSync(fd);
    if (`${st.dev}:${st.ino}` !== file.key) {
      fs.closeSync(fd); // replaced between the poll and now; the next poll sorts it out
      return false;
    }
    file.fd = fd;
    this.ctx.logger.debug(`opened ${file.path} at offset ${file.readOffset}`);
    return true;
  }

  /** In --once mode a file is closed when done; in follow mode idle files stay open up to the bound. */
  private release(file: TrackedFile): void {
    file.closeFd();
  }

  /** Keeps open descriptors within max_concurrent_files, closing the least recently active idle ones. */
  private trimOpenFiles(reserve = 0): void {
    const open = [...this.files].filter((f) => f.fd !== undefined);
    let excess = open.length + reserve - this.config.max_concurrent_files;
    if (excess <= 0) return;
    // Lost files are only reachable through their descriptor: never close those before draining.
    const closable = open.filter((f) => !f.busy && !f.lost).sort((a, b) => a.lastActive - b.lastActive);
    for (const f of closable) {
      if (excess-- <= 0) break;
      f.closeFd();
    }
  }

  /** One identity pass (see the file comment); returns the files that have bytes to read. */
  private async poll(once: boolean): Promise<TrackedFile[]> {
    const discovery = await discover(this.config.include, this.config.exclude);
    const found = discovery.files;
    // Opens that failed since the last poll; identify() adds this poll's failures to the fresh map.
    const carried = this.unopened;
    this.unopened = new Map();
    const byKey = new Map(found.map((f) => [f.key, f]));
    const unmatched: FoundFile[] = [];
    const ready: TrackedFile[] = [];
    for (const file of this.files) {
      if (file.key === undefined) continue;
      const f = byKey.get(file.key);
      if (f === undefined) {
        if (file.busy) continue;
        if (file.fd !== undefined && !file.lostDrained && !file.gzip) {
          file.lost = true;
          ready.push(file);
        } else {
          this.retire(file);
        }
        continue;
      }
      byKey.delete(file.key);
      file.path = f.path;
      file.lost = false;
      if (file.busy) continue;
      if (f.size !== file.lastSize || f.mtimeMs !== file.lastMtimeMs) {
        if (!this.stillSame(file, f)) {
          this.retire(file);
          unmatched.push(f);
          continue;
        }
        file.lastSize = f.size;
        file.lastMtimeMs = f.mtimeMs;
      }
      if (this.hasBytes(file, f)) ready.push(file);
    }
    for (const f of byKey.values()) unmatched.push(f);
    for (const f of unmatched) {
      const file = this.identify(f, once);
      if (file !== undefined && this.hasBytes(file, f)) ready.push(file);
    }
    this.firstPoll = false;
    const paths = new Set(found.map((f) => f.path));
    const unopened = new Map([...carried, ...this.unopened].filter(([p]) => paths.has(p)));
    this.unopened = new Map();
    this.nothingMatched = discovery.emptyGlobs.length === this.config.include.length;
    this.lastProblems = this.reachability.update(discovery, unopened, this.followed());
    const summary = `poll: ${found.length} files match, ${ready.length} with bytes to read`;
    if (summary !== this.lastPollSummary) this.ctx.logger.debug(summary); // on change, not every poll_interval
    this.lastPollSummary = summary;
    // Lost files first: they are the ones whose data can disappear.
    return ready.sort((a, b) => Number(b.lost) - Number(a.lost));
  }

  private hasBytes(file: TrackedFile, f: FoundFile): boolean {
    if (file.gzip) return !file.complete && f.size !== file.triedSize;
    return f.size > file.readOffset;
  }

  /** The file at `f` still starts with `file`'s fingerprint and was not truncated below what was read. */
  private stillSame(file: TrackedFile, f: FoundFile): boolean {
    if (!file.gzip && f.size < file.readOffset) return false;
    let current: Buffer;
    try {
      current = file.fd !== undefined
        ? readFingerprint(file.fd, f.size, this.config.fingerprint_size, file.gzip)
        : readFingerprintOfPath(f.path, f.size, this.config.fingerprint_size);
    } catch {
      return true; // unreadable right now: decide at the next poll
    }
    if (!continues(file.fingerprint, current)) return false;
    if (current.length > file.fingerprint.length) file.fingerprint = current;
    return true;
  }

  /** Finds or creates the identity of a file no known identity is bound to. */
  private identify(f: FoundFile, once: boolean): TrackedFile | undefined {
    let fp: Buffer;
    try {
      fp = readFingerprintOfPath(f.path, f.size, this.config.fingerprint_size);
    } catch (err) {
      // Gone: the next poll no longer sees it. Unreadable: said out loud, and tried again next poll.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.unopened.set(f.path, osMessage(err));
      return undefined;
    }
    if (fp.length === 0) return undefined; // empty (or an archive still being written): wait for bytes
    let resumed: TrackedFile | undefined;
    for (const known of this.files) {
      const same = continues(known.fingerprint, fp) || (known.key !== undefined && continues(fp, known.fingerprint));
      if (same && known.key !== undefined) return undefined; // a copy of a file being read
      if (same && resumed === undefined) resumed = known;
      // Shorter than a known identity and its prefix: probably a copy still being written.
      if (!once && isPrefixOf(fp, known.fingerprint)) return undefined;
    }
    if (resumed !== undefined) {
      const was = resumed.path;
      this.bind(resumed, f);
      if (fp.length > resumed.fingerprint.length) resumed.fingerprint = fp;
      this.ctx.logger.info(`reading ${f.path} from offset ${resumed.readOffset}${was !== f.path ? ` (the file read before as ${was})` : ' (checkpoint)'}`);
      return resumed;
    }
    const atEnd = this.firstPoll && this.config.start_at === 'end';
    const gzip = isGzip(f.path);
    const offset = atEnd && !gzip ? endOfLastLine(f) : 0;
    const file = new TrackedFile(fp, { path: f.path, offset, line: 0, linesKnown: offset === 0, complete: atEnd && gzip }, this.readContext);
    this.files.add(file);
    this.bind(file, f);
    this.ctx.logger.info(`reading ${f.path} from ${offset === 0 ? 'its beginning' : `offset ${offset} (start_at: end)`}${gzip ? ' (gzip)' : ''}`);
    return file;
  }

  private bind(file: TrackedFile, f: FoundFile): void {
    file.key = f.key;
    file.path = f.path;
    file.gzip = isGzip(f.path);
    file.lastSize = f.size;
    file.lastMtimeMs = f.mtimeMs;
    file.lost = false;
    file.lostDrained = false;
    file.lastActive = Date.now();
  }

  /** Keeps the identity (and its checkpoint) for later matches, without a file on disk. */
  private retire(file: TrackedFile): void {
    if (file.key !== undefined) this.ctx.logger.info(`${file.path}: rotated, replaced or removed; done with it at offset ${file.ackedOffset}`);
    file.closeFd();
    file.key = undefined;
    file.lost = false;
    file.rewind(); // drop a pending partial line: re-read from the checkpoint if the content reappears
    let retired = 0;
    for (const f of this.files) if (f.key === undefined) retired++;
    if (retired <= MAX_RETIRED) return;
    const oldest = [...this.files].filter((f) => f.key === undefined).sort((a, b) => a.lastActive - b.lastActive);
    for (const f of oldest.slice(0, retired - MAX_RETIRED)) this.files.delete(f);
  }

  private checkpoints(): Checkpoint[] {
    const out: Checkpoint[] = [];
    for (const f of this.files) {
      out.push({
        fingerprint: f.fingerprint,
        offset: f.ackedOffset,
        line: f.linesKnown ? f.ackedLine : -1,
        path: f.path,
        complete: f.complete,
      });
    }
    return out;
  }
}
