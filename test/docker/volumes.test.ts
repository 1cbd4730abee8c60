/**
 * The compose stack and the image agree on paths: every volume teleport-otel writes to is mounted
 * on a directory the image creates, owned by the user the image runs as (Docker seeds a new named
 * volume with the ownership of the directory it covers: root-owned when the image lacks it, and
 * then the `node` user cannot write there). Read from the Dockerfile and docker-compose.yml, with no
 * Docker engine.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { envOf, readDockerfile, type Stage } from './dockerfile';

interface Mount { target: string; readOnly: boolean }

const dockerfile = readDockerfile();
const runtime: Stage = dockerfile.stages[dockerfile.stages.length - 1];
const compose = parse(fs.readFileSync('docker/docker-compose.yml', 'utf8')) as { services: Record<string, { build?: unknown; volumes?: unknown[]; environment?: Record<string, string> }> };
const service = Object.values(compose.services).find((s) => s.build !== undefined)!;

function mounts(): Mount[] {
  return (service.volumes ?? []).map((v) => {
    if (typeof v === 'string') {
      const [, target, mode] = v.split(':');
      return { target, readOnly: (mode ?? '').split(',').includes('ro') };
    }
    const long = v as { target: string; read_only?: boolean };
    return { target: long.target, readOnly: long.read_only === true };
  });
}

/** The runtime user (`USER node` or `USER node:node`), by name. */
function runtimeUser(): string {
  const users = runtime.instructions.filter((i) => i.op === 'USER');
  return users[users.length - 1].text.split(':')[0];
}

/** Directories the runtime stage creates, with their owner: `install -d -o U` and `mkdir` + `chown U`. */
function ownedDirectories(): Map<string, string> {
  const owned = new Map<string, string>();
  for (const run of runtime.instructions.filter((i) => i.op === 'RUN')) {
    for (const command of run.text.split(/&&|;/).map((c) => c.trim())) {
      const words = command.split(/\s+/);
      if (words[0] === 'install' && words.includes('-d')) {
        const owner = words[words.indexOf('-o') + 1];
        const paths = words.slice(1).filter((w, i, all) => w.startsWith('/') && !['-o', '-g', '-m'].includes(all[i - 1]));
        for (const p of paths) owned.set(path.posix.normalize(p), owner);
      } else if (words[0] === 'chown') {
        const args = words.slice(1).filter((w) => !w.startsWith('-'));
        for (const p of args.slice(1)) owned.set(path.posix.normalize(p), args[0].split(':')[0]);
      }
    }
  }
  return owned;
}

describe('docker: compose mounts and image directories agree', () => {
  const user = runtimeUser();
  const owned = ownedDirectories();

  it('every writable volume of the teleport-otel service is a directory the image creates for its user', () => {
    const writable = mounts().filter((m) => !m.readOnly);
    assert.ok(writable.length >= 2, JSON.stringify(mounts()));
    for (const m of writable) {
      assert.equal(owned.get(path.posix.normalize(m.target)), user, `${m.target}: mounted by docker-compose.yml, but the image does not create it owned by ${user} (RUN install -d -o ${user} -g ${user} ${m.target})`);
    }
  });

  it('the paths the pipeline writes to are mounted volumes', () => {
    const env = { ...envOf(runtime), ...(service.environment ?? {}) };
    const targets = mounts().map((m) => m.target);
    for (const name of ['TELEPORT_OTEL_DATA_DIR', 'TELEPORT_OTEL_PANTHER_DIR']) {
      assert.ok(env[name] !== undefined, `${name} is set by the image or the compose file`);
      assert.ok(targets.includes(env[name]), `${name}=${env[name]} is not a volume of the compose service (${targets.join(', ')})`);
    }
  });

  it('the audit log the pipeline reads is under a mounted volume', () => {
    const env = { ...envOf(runtime), ...(service.environment ?? {}) };
    const include = env.TELEPORT_OTEL_INCLUDE;
    const base = include.slice(0, include.search(/[*?[{]/)).replace(/\/$/, '');
    assert.ok(mounts().some((m) => base === m.target || base.startsWith(`${m.target}/`)), `${include}: not under any volume of the compose service`);
  });
});
