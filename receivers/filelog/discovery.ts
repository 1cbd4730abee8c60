/**
 * Which files match `include` minus `exclude` right now, one entry per file (dev + inode): the
 * `events.log` symlink Teleport keeps beside its dated files resolves to the same inode as its
 * target, so it is never read as a second file.
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

export async function discover(include: readonly string[], exclude: readonly string[]): Promise<FoundFile[]> {
  const paths = await fg(include as string[], {
    ignore: exclude as string[],
    absolute: true,
    onlyFiles: true,
    followSymbolicLinks: true,
    suppressErrors: true,
    unique: true,
  });
  paths.sort();
  const byKey = new Map<string, FoundFile>();
  for (const p of paths) {
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
  return [...byKey.values()];
}

async function isSymlink(p: string): Promise<boolean> {
  try {
    return (await fs.promises.lstat(p)).isSymbolicLink();
  } catch {
    return false;
  }
}
