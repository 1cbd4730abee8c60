/**
 * Durable, invisible work in progress. Each output file grows in `<directory>/.staging/` as a
 * sequence of complete gzip members, one per export call, each written and fdatasync'ed before the
 * call is acknowledged. Completing a file renames it to its final path (then fsyncs that folder),
 * so under `logs/` a file only ever appears whole. After a crash, `recoverStaging` keeps each staging
 * file's complete members (everything acknowledged), drops a torn last member (never acknowledged,
 * so the receiver sends it again) and completes the file.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

export const STAGING_DIR = '.staging';

/** `gravitational_teleportaudit__20200807T070000Z-<uuid>.json.gz`: everything the final path needs. */
const STAGING_NAME = /^([a-z0-9_]+?)__((\d{4})(\d{2})(\d{2})T(\d{2})0000Z-[0-9a-f-]{36}\.json\.gz)$/;

export function stagingName(folder: string, hour: string): string {
  // hour: `YYYY-MM-DD HH` from p_event_time.
  const stamp = `${hour.slice(0, 4)}${hour.slice(5, 7)}${hour.slice(8, 10)}T${hour.slice(11, 13)}0000Z`;
  return `${folder}__${stamp}-${crypto.randomUUID()}.json.gz`;
}

/** `logs/<folder>/year=YYYY/month=MM/day=DD/hour=HH/<file>` for a staging file name. */
export function finalRelativePath(name: string): string | undefined {
  const m = STAGING_NAME.exec(name);
  if (m === null) return undefined;
  const [, folder, file, y, mo, d, h] = m;
  return path.join('logs', folder, `year=${y}`, `month=${mo}`, `day=${d}`, `hour=${h}`, file);
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Creates `dir` and its missing parents, making each new directory entry durable. */
export async function mkdirDurable(dir: string): Promise<void> {
  const first = await fs.promises.mkdir(dir, { recursive: true });
  if (first === undefined) return;
  for (let d = dir; ; d = path.dirname(d)) {
    await fsyncDir(path.dirname(d));
    if (d === first || path.dirname(d) === d) break;
  }
}

/** One output file being written in the staging folder. Not safe for concurrent calls: the exporter serializes. */
export class StagingFile {
  /** Bytes known good on disk: every member before this offset is complete and fsynced. */
  size = 0;
  lastWrite = Date.now();
  readonly opened = Date.now();
  /** Set when a failed append could not be undone; the file is completed from what is good. */
  broken = false;

  private constructor(readonly stagingPath: string, readonly finalPath: string, private handle: fs.promises.FileHandle) {}

  static async create(root: string, folder: string, hour: string): Promise<StagingFile> {
    const name = stagingName(folder, hour);
    const stagingPath = path.join(root, STAGING_DIR, name);
    const handle = await fs.promises.open(stagingPath, 'wx');
    try {
      // The new entry must survive a crash, or acknowledged data in it would vanish with it.
      await fsyncDir(path.dirname(stagingPath));
    } catch (err) {
      await handle.close().catch(() => undefined);
      await fs.promises.unlink(stagingPath).catch(() => undefined);
      throw err;
    }
    return new StagingFile(stagingPath, path.join(root, finalRelativePath(name)!), handle);
  }

  /** Appends one complete gzip member and makes it durable. On failure the file is cut back to its last good size. */
  async append(member: Buffer): Promise<void> {
    try {
      let written = 0;
      while (written < member.length) {
        const { bytesWritten } = await this.handle.write(member, written, member.length - written, this.size + written);
        written += bytesWritten;
      }
      await this.handle.datasync();
      this.size += member.length;
      this.lastWrite = Date.now();
    } catch (err) {
      try {
        await this.handle.truncate(this.size);
        await this.handle.datasync();
      } catch {
        this.broken = true;
      }
      throw err;
    }
  }

  /** Closes and renames into place. Every member was already fsynced by `append`. */
  async complete(): Promise<void> {
    await this.handle.close();
    if (this.broken) await fs.promises.truncate(this.stagingPath, this.size);
    if (this.size === 0) {
      await fs.promises.unlink(this.stagingPath);
      return;
    }
    await publish(this.stagingPath, this.finalPath);
  }

  /** Closes without publishing (shutdown after a failure): left for recovery at next start. */
  async abandon(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }
}

async function publish(from: string, to: string): Promise<void> {
  await mkdirDurable(path.dirname(to));
  await fs.promises.rename(from, to);
  await fsyncDir(path.dirname(to));
  await fsyncDir(path.dirname(from));
}

/**
 * Length of the longest prefix of `buf` made of complete, valid gzip members (header, deflate data,
 * CRC-32 and length all checked). A torn or zero-filled tail stops the walk.
 */
export function completeGzipLength(buf: Buffer): number {
  let off = 0;
  while (buf.length - off >= 18) {
    if (buf[off] !== 0x1f || buf[off + 1] !== 0x8b || buf[off + 2] !== 8) break;
    const flags = buf[off + 3];
    if (flags !== 0) break; // our members carry no optional header fields
    let out: { buffer: Buffer; engine: { bytesWritten: number } };
    try {
      out = zlib.inflateRawSync(buf.subarray(off + 10), { info: true }) as unknown as typeof out;
    } catch {
      break;
    }
    const end = off + 10 + out.engine.bytesWritten;
    if (end + 8 > buf.length) break;
    if (buf.readUInt32LE(end) !== zlib.crc32(out.buffer) || buf.readUInt32LE(end + 4) !== out.buffer.length % 2 ** 32) break;
    off = end + 8;
  }
  return off;
}

export interface RecoveryReport {
  /** Files completed from what a previous run left. */
  recovered: number;
  /** Bytes of torn tails removed (never acknowledged). */
  droppedBytes: number;
  /** Files in `.staging/` that are not ours, left alone. */
  foreign: string[];
}

/** Completes every staging file a previous run left behind. */
export async function recoverStaging(root: string): Promise<RecoveryReport> {
  const dir = path.join(root, STAGING_DIR);
  const report: RecoveryReport = { recovered: 0, droppedBytes: 0, foreign: [] };
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return report;
    throw err;
  }
  for (const name of names) {
    const rel = finalRelativePath(name);
    if (rel === undefined) { report.foreign.push(name); continue; }
    const file = path.join(dir, name);
    const buf = await fs.promises.readFile(file);
    const good = completeGzipLength(buf);
    if (good < buf.length) {
      report.droppedBytes += buf.length - good;
      await fs.promises.truncate(file, good);
    }
    if (good === 0) {
      await fs.promises.unlink(file);
      continue;
    }
    if (good < buf.length) {
      const h = await fs.promises.open(file, 'r+');
      await h.datasync().finally(() => h.close());
    }
    await publish(file, path.join(root, rel));
    report.recovered++;
  }
  return report;
}
