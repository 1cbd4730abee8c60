/**
 * One process at a time per piece of durable state (a receiver's checkpoints, an on-disk queue, a
 * Panther staging directory). Two processes sharing one would send the same batches twice, or
 * overwrite each other's checkpoints, without any error. A lock is a file created exclusively and
 * holding the owner's pid; a lock whose owner is gone (a crash, kill -9) is taken over, so a
 * restart never needs a hand. The check is advisory: it guards against a second teleport-otel
 * started on the same directories, not against other programs.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Lock files held by this process: a second claim from inside the process is refused too. */
const held = new Set<string>();

export interface StateLock {
  /** Removes the lock file (best effort: a lock left behind is taken over as stale). */
  release(): void;
}

/**
 * Claims `lockFile` (its directory must exist) for this process; throws an Error whose one-line
 * message names the lock, the owner and what to do, when another live process holds it.
 */
export function claimStateLock(lockFile: string, what: string): StateLock {
  const file = path.resolve(lockFile);
  if (held.has(file)) throw new Error(`${what} is already in use by another component of this process (lock ${file})`);
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
    }
    const owner = Number.parseInt(readOr(file, ''), 10);
    if (Number.isInteger(owner) && owner !== process.pid && isRunning(owner)) {
      throw new Error(`${what} is in use by process ${owner} (another teleport-otel?); stop it, or remove ${file} if that process is not teleport-otel`);
    }
    // Stale: its owner died (or was this pid in an earlier life, as pid 1 in a restarted container).
    fs.rmSync(file, { force: true });
  }
  held.add(file);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      held.delete(file);
      fs.rmSync(file, { force: true });
    },
  };
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/** Whether `pid` is a live process (a zombie, dead but not yet reaped, is not). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // Linux: a zombie still answers signal 0; its state in /proc says otherwise.
  const stat = readOr(`/proc/${pid}/stat`, '');
  return !/^\d+ \(.*\) Z/s.test(stat);
}
