/**
 * Which files match `include` minus `exclude` right now, one entry per file (dev + inode): the
 * `events.log` symlink Teleport keeps beside its dated files resolves to the same inode as its
 * target, so it is never read as a second file. Also what stood in the way: the globs that matched
 * nothing and the directories that could not be listed (with the OS error), which the glob library
 * would otherwise skip without a word. And where a file found with `start_at: end` is read from.
 */
import fs from 'node:fs';
import fg from 'fast-glob';

export interface FoundFile {
  /** A path to the file, preferring one that is not a symlink. */
  readonly path: string;
  /** `dev:ino`, stable while the file exists (rename keeps it). */
  readonly key: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** A directory the walk could not list. `code` is the OS error code (EACCES, ENOTDIR, ENOENT...). */
export interface UnlistedDir {
  readonly path: string;
  readonly code: string;
  readonly message: string;
}

export interface Discovery {
  readonly files: FoundFile[];
  /** Indexes into `include` of the globs that matched no file. */
  readonly emptyGlobs: number[];
  /** Directories the walk met but could not list (a missing base directory included). */
  readonly unlisted: UnlistedDir[];
}

export async function discover(include: readonly string[], exclude: readonly string[]): Promise<Discovery> {
  const unlisted = new Map<string, UnlistedDir>();
  const emptyGlobs: number[] = [];
  const paths = new Set<string>();
  for (let i = 0; i < include.length; i++) {
    const matched = await fg(include[i], {
      ignore: exclude as string[],
      absolute: true,
      onlyFiles: true,
      followSymbolicLinks: true,
      suppressErrors: true,
      unique: true,
      fs: { readdir: recordingReaddir(unlisted) as never },
    });
    if (matched.length === 0) emptyGlobs.push(i);
    for (const p of matched) paths.add(p);
  }
  const byKey = new Map<string, FoundFile>();
  for (const p of [...paths].sort()) {
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(p);
    } catch {
      continue; // gone since the glob, or a dangling symlink
    }
    if (!st.isFile()) continue;
    const key = `${st.dev}:${st.ino}`;
    const found: FoundFile = { path: p, key, size: st.size, mtimeMs: st.mtimeMs };
    const other = byKey.get(key);
    if (other === undefined) byKey.set(key, found);
    else if (await isSymlink(other.path)) byKey.set(key, { ...found, path: p });
  }
  return { files: [...byKey.values()], emptyGlobs, unlisted: [...unlisted.values()] };
}

/** `fs.readdir` as fast-glob calls it, noting every directory it fails on before passing the error on. */
function recordingReaddir(into: Map<string, UnlistedDir>) {
  return (dir: string, options: unknown, callback?: (err: NodeJS.ErrnoException | null, entries?: unknown) => void) => {
    const cb = (typeof options === 'function' ? options : callback) as (err: NodeJS.ErrnoException | null, entries?: unknown) => void;
    const done = (err: NodeJS.ErrnoException | null, entries?: unknown) => {
      if (err) into.set(dir, { path: dir, code: err.code ?? 'EIO', message: osMessage(err) });
      cb(err, entries);
    };
    if (typeof options === 'function' || options === undefined) fs.readdir(dir, done as never);
    else fs.readdir(dir, options as never, done as never);
  };
}

/** `EACCES: permission denied`, without the syscall and path Node appends (the caller names the path). */
export function osMessage(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === undefined) return e.message ?? String(err);
  return e.message.split(',')[0];
}

async function isSymlink(p: string): Promise<boolean> {
  try {
    return (await fs.promises.lstat(p)).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Bytes scanned back from the end for `start_at: end`. */
const END_SCAN_BYTES = 64 * 1024;

/** Offset after the last newline, so `start_at: end` never starts inside a line. */
export function endOfLastLine(f: FoundFile): number {
  const length = Math.min(f.size, END_SCAN_BYTES);
  const buf = Buffer.alloc(length);
  let fd: number | undefined;
  try {
    fd = fs.openSync(f.path, 'r');
    const n = fs.readSync(fd, buf, 0, length, f.size - length);
    const nl = buf.subarray(0, n).lastIndexOf(10);
    if (nl >= 0) return f.size - length + nl + 1;
    return f.size <= END_SCAN_BYTES ? 0 : f.size;
  } catch {
    return f.size;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
