/** One process per piece of durable state: a live owner refuses, a dead one is taken over. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { claimStateLock } from '../../core/state-lock';
import { DiskQueue } from '../../core/otlp/export/disk-queue';
import { tmpDir } from '../support/service';

describe('state locks', () => {
  it('refuses a second claim from this process, and allows it once released', () => {
    const file = path.join(tmpDir(), 'x.lock');
    const lock = claimStateLock(file, 'the thing');
    assert.equal(fs.readFileSync(file, 'utf8'), `${process.pid}\n`);
    assert.throws(() => claimStateLock(file, 'the thing'), { message: `the thing is already in use by another component of this process (lock ${file})` });
    lock.release();
    assert.equal(fs.existsSync(file), false);
    claimStateLock(file, 'the thing').release();
  });

  it('refuses while another live process holds it, naming that process and the lock, in one line', async () => {
    const file = path.join(tmpDir(), 'x.lock');
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      fs.writeFileSync(file, `${other.pid}\n`);
      assert.throws(() => claimStateLock(file, 'on-disk queue /q'), (err: Error) => {
        assert.equal(err.message, `on-disk queue /q is in use by process ${other.pid} (another teleport-otel?); stop it, or remove ${file} if that process is not teleport-otel`);
        return true;
      });
      assert.equal(fs.readFileSync(file, 'utf8'), `${other.pid}\n`, 'the owner keeps its lock');
    } finally {
      other.kill('SIGKILL');
      await new Promise((r) => other.once('exit', r));
    }
    // Killed and reaped: the lock is stale now and is taken over.
    const lock = claimStateLock(file, 'on-disk queue /q');
    assert.equal(fs.readFileSync(file, 'utf8'), `${process.pid}\n`);
    lock.release();
  });

  it('takes over a lock left by a process that died (kill -9, a crash)', () => {
    const file = path.join(tmpDir(), 'x.lock');
    fs.writeFileSync(file, `${spawnSync(process.execPath, ['-e', '']).pid}\n`);
    claimStateLock(file, 'x').release();
    fs.writeFileSync(file, 'garbage');
    claimStateLock(file, 'x').release();
  });

  it('two on-disk queues on one directory: the second is refused until the first closes', async () => {
    const dir = path.join(tmpDir(), 'queue');
    const first = new DiskQueue(dir, 1 << 20, 'otlphttp');
    await first.open();
    await assert.rejects(new DiskQueue(dir, 1 << 20, 'otlphttp').open(), /this directory is already in use by another component of this process/);
    first.close();
    const second = new DiskQueue(dir, 1 << 20, 'otlphttp');
    await second.open();
    second.close();
  });
});
