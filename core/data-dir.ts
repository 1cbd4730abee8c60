/**
 * The process data directory (`--data-dir`): where components keep durable state unless their
 * config names another place. Each component gets `<data-dir>/<safe id>/`, so two receivers never
 * share a checkpoint file and a plain `run` resumes after a restart.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from './errors';

/**
 * A directory name for a component id: `filelog/teleport` → `filelog-teleport`. Component types
 * never contain `-`, so the first `-` marks where the name begins and two ids never share a
 * directory; characters other than letters, digits and `._-+@=` are percent-encoded.
 */
export function componentDirName(id: string): string {
  const slash = id.indexOf('/');
  const [type, name] = slash < 0 ? [id, undefined] : [id.slice(0, slash), id.slice(slash + 1)];
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._+@=-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  // Always prefixed by the type, so a name of `..` cannot leave the data directory.
  return name === undefined ? safe(type) : `${safe(type)}-${safe(name)}`;
}

/** `<dataDir>/<component dir name>`, absolute. */
export function componentStateDir(dataDir: string, id: string): string {
  return path.join(path.resolve(dataDir), componentDirName(id));
}

/**
 * Creates the data directory and proves it writable (a probe file, written and removed), at
 * start, so a wrong mount or owner is one line naming the setting rather than a failure later.
 */
export function prepareDataDir(dataDir: string): void {
  const dir = path.resolve(dataDir);
  const fail = (what: string, err: unknown): never => {
    const e = err as NodeJS.ErrnoException;
    throw new UserError([`--data-dir / TELEPORT_OTEL_DATA_DIR: cannot ${what} ${dir}: ${e.code !== undefined ? e.message.split(',')[0] : e.message} (set --data-dir to a directory this user may write)`]);
  };
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    fail('create', err);
  }
  const probe = path.join(dir, `.write-probe-${process.pid}`);
  try {
    fs.writeFileSync(probe, '');
    fs.rmSync(probe, { force: true });
  } catch (err) {
    fail('write to', err);
  }
}
