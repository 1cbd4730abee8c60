/**
 * A filelog receiver with nothing it can read says so: globs that match nothing, a path that is a
 * file, a directory it may not list (as an unprivileged user), each with the OS error, in the log
 * and on /healthz (degraded), and back to ok once the files are there.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseShape } from '../../../core/config/schema';
import { createLogger } from '../../../core/telemetry/logger';
import { Telemetry } from '../../../core/telemetry/metrics';
import { filelogReceiverFactory } from '../../../receivers/filelog/factory';
import { append, lines, RecordingConsumer, tmpDir, waitFor } from './helpers';
import { exited } from '../../support/child';

const RUNNER = path.resolve(__dirname, '..', '..', 'support', 'run-pipeline.js');

function receiver(include: string[], id = 'filelog/t') {
  const errors: string[] = [];
  const config = parseShape(filelogReceiverFactory.configShape, { include, poll_interval: '20ms' }, `receivers.${id}`, errors)!;
  const telemetry = new Telemetry();
  const log: string[] = [];
  const logger = createLogger({ level: 'debug', write: (l) => log.push(l) }).child(id);
  const r = filelogReceiverFactory.create(config, { id, logger, telemetry: telemetry.forComponent('receiver', id), dataDir: tmpDir() });
  return { r, telemetry, log };
}

/** Runs the real CLI; as `nobody` when this process is root, so permissions apply. */
function runAsUnprivileged(args: string[], cwd: string) {
  const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const child = spawn(process.execPath, [RUNNER, ...args], { cwd, ...asNobody, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  return { child, stderr: () => stderr };
}

/** A scratch directory an unprivileged child may use. */
function openDir(): string {
  const dir = tmpDir();
  fs.chmodSync(dir, 0o777);
  return dir;
}

describe('filelog receiver: says what it cannot read', function () {
  this.timeout(30_000);

  it('warns about a glob that matches nothing and a path that is a file, reports degraded, and recovers', async () => {
    const dir = tmpDir();
    const good = path.join(dir, 'good', 'a.log');
    const notDir = path.join(dir, 'teleport');
    fs.mkdirSync(path.dirname(good));
    append(good, lines('g', 0, 3));
    fs.writeFileSync(notDir, 'a file where a directory was expected\n');
    const typo = path.join(dir, 'teleprot', 'log', '**', '*.log');
    const { r, telemetry, log } = receiver([typo, path.join(notDir, '**', '*.log'), path.join(dir, 'good', '*.log')]);
    const consumer = new RecordingConsumer();
    await r.start({ consumer, once: false });
    try {
      await waitFor('the readable file', () => consumer.records.length === 3);
      await waitFor('warnings', () => log.filter((l) => l.includes(' WARN ')).length >= 2);
      const warnings = log.filter((l) => l.includes(' WARN '));
      assert.ok(warnings.some((l) => l.includes(`receivers.filelog/t.include[0]: ${JSON.stringify(typo)} matches no file: ${path.join(dir, 'teleprot', 'log')}: ENOENT: no such file or directory`)), warnings.join('\n'));
      assert.ok(warnings.some((l) => l.includes(`receivers.filelog/t.include[1]:`) && l.includes(`cannot list ${notDir}: ENOTDIR: not a directory`)), warnings.join('\n'));
      // Said once, not every poll.
      await new Promise((res) => setTimeout(res, 200));
      assert.equal(log.filter((l) => l.includes('include[0]')).length, 1);
      const health = telemetry.health.snapshot();
      assert.equal(health.status, 'degraded');
      assert.match(health.components['filelog/t'].reason!, /include\[0\].*matches no file.*\(and 1 more, see the log\)/);
      assert.match(await telemetry.registry.metrics(), /teleport_otel_filelog_files_followed\{component="filelog\/t"\} 1\b/);
      assert.ok(log.some((l) => / INFO \[filelog\/t\] reading .*good\/a\.log from its beginning/.test(l)), log.join('\n'));

      // The user fixes both: the directory appears, the file becomes a directory.
      const fixed = path.join(dir, 'teleprot', 'log', 'auth', 'b.log');
      fs.mkdirSync(path.dirname(fixed), { recursive: true });
      append(fixed, lines('t', 0, 2));
      fs.rmSync(notDir);
      fs.mkdirSync(path.join(notDir, 'x'), { recursive: true });
      append(path.join(notDir, 'x', 'c.log'), lines('n', 0, 2));
      await waitFor('every file read', () => consumer.records.length === 7);
      await waitFor('health ok', () => telemetry.health.snapshot().status === 'ok');
      assert.equal(log.filter((l) => l.includes('resolved: receivers.filelog/t.include')).length, 2, log.join('\n'));
      assert.match(await telemetry.registry.metrics(), /teleport_otel_filelog_files_followed\{component="filelog\/t"\} 3\b/);
    } finally {
      await r.shutdown();
    }
  });

  it('as a user who may not list the directory: /healthz answers 503 with EACCES, and --once exits 1 with one line', async () => {
    const dir = openDir();
    const locked = path.join(dir, 'log');
    fs.mkdirSync(locked);
    fs.writeFileSync(path.join(locked, 'a.log'), lines('l', 0, 3).join('\n') + '\n');
    fs.chmodSync(locked, 0o700);
    if (process.getuid?.() !== 0) fs.chmodSync(locked, 0o000);
    const config = path.join(dir, 'pipeline.yaml');
    fs.writeFileSync(config, `
receivers:
  filelog/teleport:
    include: [${JSON.stringify(path.join(locked, '*.log'))}]
    poll_interval: 20ms
exporters:
  file/out: {path: ${JSON.stringify(path.join(dir, 'out.jsonl'))}, append: true}
service:
  pipelines:
    logs: {receivers: [filelog/teleport], exporters: [file/out]}
`);
    fs.chmodSync(config, 0o644);
    try {
      const port = 20_000 + Math.floor(Math.random() * 20_000);
      const run = runAsUnprivileged(['run', '-c', config, '--data-dir', path.join(dir, 'data'), '--health-port', String(port)], dir);
      let body = '';
      await waitFor('/healthz 503', () => {
        fetch(`http://127.0.0.1:${port}/healthz`).then(async (res) => { if (res.status === 503) body = await res.text(); }, () => undefined);
        return body.startsWith('degraded');
      }, 15_000);
      run.child.kill('SIGTERM');
      await exited(run.child);
      assert.match(body, /^degraded\nfilelog\/teleport: degraded: nothing to read: receivers\.filelog\/teleport\.include\[0\]: ".*" matches no file: cannot list .*\/log: EACCES: permission denied/);
      assert.match(run.stderr(), /WARN \[filelog\/teleport\] receivers\.filelog\/teleport\.include\[0\]: .* EACCES: permission denied/);
      assert.equal(run.child.exitCode, 0, run.stderr());

      const once = runAsUnprivileged(['run', '-c', config, '--data-dir', path.join(dir, 'data'), '--once', '--log-level', 'error'], dir);
      await exited(once.child);
      assert.equal(once.child.exitCode, 1, once.stderr());
      const out = once.stderr().trim().split('\n');
      assert.equal(out.length, 2, once.stderr()); // the error, then the summary
      assert.match(out[0], /^teleport-otel: receivers\.filelog\/teleport\.include\[0\]: ".*" matches no file: cannot list .*: EACCES: permission denied$/);
      assert.match(out[1], /^teleport-otel: summary after .*: logs: read 0,/);
    } finally {
      fs.chmodSync(locked, 0o755);
    }
  });
});

describe('filelog receiver: a file it may not open', function () {
  this.timeout(30_000);

  it('as an unprivileged user, a 0600 file and a 0700 folder beside readable ones: each warned with EACCES, the others read, --once exits 1', async () => {
    const dir = openDir();
    const logs = path.join(dir, 'log');
    fs.mkdirSync(logs, { mode: 0o755 });
    fs.chmodSync(logs, 0o755);
    fs.writeFileSync(path.join(logs, 'a.log'), lines('a', 0, 3).join('\n') + '\n', { mode: 0o644 });
    const secret = path.join(logs, 'b.log');
    fs.writeFileSync(secret, lines('b', 0, 3).join('\n') + '\n');
    fs.chmodSync(secret, process.getuid?.() === 0 ? 0o600 : 0o000);
    const lockedDir = path.join(logs, 'auth2');
    fs.mkdirSync(lockedDir);
    fs.writeFileSync(path.join(lockedDir, 'c.log'), lines('c', 0, 3).join('\n') + '\n');
    fs.chmodSync(lockedDir, process.getuid?.() === 0 ? 0o700 : 0o000);
    const out = path.join(dir, 'out.jsonl');
    const config = path.join(dir, 'pipeline.yaml');
    fs.writeFileSync(config, `
receivers:
  filelog/teleport:
    include: [${JSON.stringify(path.join(logs, '**', '*.log'))}]
exporters:
  file/out: {path: ${JSON.stringify(out)}, append: true}
service:
  pipelines:
    logs: {receivers: [filelog/teleport], exporters: [file/out]}
`, { mode: 0o644 });
    const once = runAsUnprivileged(['run', '-c', config, '--data-dir', path.join(dir, 'data'), '--once'], dir);
    await exited(once.child);
    assert.equal(once.child.exitCode, 1, once.stderr());
    assert.match(once.stderr(), /WARN \[filelog\/teleport\] receivers\.filelog\/teleport\.include: cannot read .*\/b\.log: EACCES: permission denied/);
    assert.match(once.stderr(), /WARN \[filelog\/teleport\] receivers\.filelog\/teleport\.include: cannot list .*\/log\/auth2: EACCES: permission denied; files under it are not read/);
    fs.chmodSync(lockedDir, 0o755);
    assert.match(once.stderr(), /\nteleport-otel: receivers\.filelog\/teleport\.include: cannot (read .*\/b\.log|list .*\/auth2): EACCES: permission denied(; files under it are not read)? \(and 1 more\)\n/);
    assert.match(once.stderr(), /INFO \[filelog\/teleport\] reading .*\/a\.log from its beginning/);
    // What could be read was delivered and acknowledged: 3 records of a.log, none of b.log.
    const records = fs.readFileSync(out, 'utf8').split('\n').filter(Boolean)
      .flatMap((l) => (JSON.parse(l) as { resourceLogs: { scopeLogs: { logRecords: unknown[] }[] }[] }).resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords)));
    assert.equal(records.length, 3);
    assert.match(once.stderr().trim().split('\n').pop()!, /logs: read 3, exported 3, dead-lettered 0$/);
  });
});
