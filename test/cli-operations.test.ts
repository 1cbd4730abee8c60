/**
 * What an operator reaches for on day one, through the real CLI in a child process: the version,
 * process metrics, a probe port of its own, JSON logs, SIGHUP, the data directory as the home of
 * checkpoints, and the count of records an interrupted run left unacknowledged.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir } from './support/service';
import { exited, waitFor } from './support/child';
import { completeLines } from './support/output-file';
import { freePort } from './support/cli-process';

const RUNNER = path.resolve(__dirname, 'support', 'run-pipeline.js');
const VERSION = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string }).version;

function start(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; stderr: () => string } {
  const child = spawn(process.execPath, [RUNNER, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  return { child, stderr: () => err };
}

async function get(url: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(url);
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}

function writeLines(file: string, tag: string, from: number, to: number): void {
  const out: string[] = [];
  for (let i = from; i < to; i++) out.push(JSON.stringify({ event: 'user.login', code: 'T1000I', time: '2024-01-01T00:00:00Z', uid: `${tag}-${i}` }));
  fs.appendFileSync(file, out.join('\n') + '\n');
}

/** Records in an OTLP/JSON lines file. */
function outputUids(file: string): unknown[] {
  return completeLines(file)
    .flatMap((l) => (JSON.parse(l) as { resourceLogs: { scopeLogs: { logRecords: unknown[] }[] }[] }).resourceLogs)
    .flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords));
}

/** A filelog → file pipeline with no `storage`: its checkpoints must live under --data-dir. */
function pipeline(dir: string, exporter = `file/out: {path: ${JSON.stringify(path.join(dir, 'out.jsonl'))}, append: true}`): string {
  const config = path.join(dir, 'pipeline.yaml');
  fs.writeFileSync(config, `
receivers:
  filelog/teleport:
    include: [${JSON.stringify(path.join(dir, 'log', '*.log'))}]
    poll_interval: 20ms
exporters:
  ${exporter}
service:
  pipelines:
    logs: {receivers: [filelog/teleport], exporters: [${exporter.split(':')[0]}]}
`);
  fs.mkdirSync(path.join(dir, 'log'), { recursive: true });
  return config;
}

describe('CLI: operator basics', function () {
  this.timeout(60_000);

  it('--version prints the package version and the Node.js version', () => {
    const r = spawnSync(process.execPath, [RUNNER, '--version'], { encoding: 'utf8' });
    assert.equal(r.status, 0);
    assert.equal(r.stdout, `teleport-otel ${VERSION} (Node.js ${process.versions.node})\n`);
  });

  it('serves process metrics and build info on /metrics, /healthz alone on --health-port, JSON logs, and survives SIGHUP', async () => {
    const dir = tmpDir();
    const config = pipeline(dir);
    writeLines(path.join(dir, 'log', 'a.log'), 'a', 0, 5);
    const [metricsPort, healthPort] = [await freePort(), await freePort()];
    const run = start(['run', '-c', config, '--data-dir', path.join(dir, 'data'), '--metrics-port', String(metricsPort), '--health-port', String(healthPort)],
      { TELEPORT_OTEL_LOG_FORMAT: 'json' });
    try {
      await waitFor('/healthz 200 on the health port', async () => (await get(`http://127.0.0.1:${healthPort}/healthz`))?.status === 200, 15_000);
      assert.equal((await get(`http://127.0.0.1:${healthPort}/metrics`))?.status, 404, 'the health port serves no metrics');
      const metrics = (await get(`http://127.0.0.1:${metricsPort}/metrics`))!.body;
      assert.match(metrics, /^process_cpu_seconds_total \d/m);
      assert.match(metrics, /^process_resident_memory_bytes \d/m);
      assert.match(metrics, /^nodejs_eventloop_lag_seconds \d/m);
      assert.match(metrics, new RegExp(`^teleport_otel_build_info\\{version="${VERSION.replace(/\./g, '\\.')}",node_version="${process.versions.node.replace(/\./g, '\\.')}"\\} 1$`, 'm'));
      run.child.kill('SIGHUP');
      await waitFor('the SIGHUP line', () => run.stderr().includes('SIGHUP'), 5000);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(run.child.exitCode, null, 'still running after SIGHUP');
      assert.equal((await get(`http://127.0.0.1:${healthPort}/healthz`))?.status, 200);
      run.child.kill('SIGTERM');
      await exited(run.child);
      assert.equal(run.child.exitCode, 0, run.stderr());
      const lines = run.stderr().trim().split('\n');
      const logLines = lines.slice(0, -1); // the summary line is for people, printed as text
      assert.ok(logLines.length >= 3, run.stderr());
      for (const l of logLines) {
        const entry = JSON.parse(l) as Record<string, string>;
        assert.deepEqual(Object.keys(entry).slice(0, 2), ['time', 'level'], l);
        assert.equal(typeof entry.msg, 'string', l);
      }
      const hup = logLines.map((l) => JSON.parse(l) as Record<string, string>).find((e) => e.msg.startsWith('SIGHUP'))!;
      assert.equal(hup.level, 'warn');
      assert.match(hup.msg, /ignored/);
      assert.ok(logLines.some((l) => { const e = JSON.parse(l) as Record<string, string>; return e.component === 'filelog/teleport' && /reading .*a\.log from its beginning/.test(e.msg); }), run.stderr());
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('`run` without storage keeps checkpoints under --data-dir: a restart sends nothing twice', async () => {
    const dir = tmpDir();
    const config = pipeline(dir);
    const log = path.join(dir, 'log', 'a.log');
    const data = path.join(dir, 'data');
    const output = path.join(dir, 'out.jsonl');
    writeLines(log, 'a', 0, 20);
    const first = start(['run', '-c', config, '--data-dir', data]);
    await waitFor('20 records', () => outputUids(output).length === 20, 20_000);
    first.child.kill('SIGTERM');
    await exited(first.child);
    assert.equal(first.child.exitCode, 0, first.stderr());
    assert.ok(fs.existsSync(path.join(data, 'filelog-teleport', 'filelog_teleport.checkpoints.json')), 'checkpoint under <data-dir>/filelog-teleport/');
    writeLines(log, 'b', 0, 5);
    const second = start(['run', '-c', config, '--data-dir', data]);
    await waitFor('25 records', () => outputUids(output).length >= 25, 20_000);
    await new Promise((r) => setTimeout(r, 300)); // anything re-sent would show up by now
    second.child.kill('SIGTERM');
    await exited(second.child);
    assert.equal(outputUids(output).length, 25, 'the first 20 were not sent again');
    assert.match(second.stderr().trim().split('\n').pop()!, /logs: read 5, exported 5, dead-lettered 0$/);
  });

  it('a --data-dir that cannot be written is one line naming the setting and the OS error', () => {
    const dir = tmpDir();
    const config = pipeline(dir);
    const blocker = path.join(dir, 'not-a-dir');
    fs.writeFileSync(blocker, '');
    const r = spawnSync(process.execPath, [RUNNER, 'run', '-c', config, '--data-dir', path.join(blocker, 'data'), '--once'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `--data-dir / TELEPORT_OTEL_DATA_DIR: cannot create ${path.join(blocker, 'data')}: ENOTDIR: not a directory (set --data-dir to a directory this user may write)\n`);
  });

  it('the summary after an interrupted run says how many records are still unacknowledged', async () => {
    const dir = tmpDir();
    // An exporter that never accepts: every record read stays unacknowledged.
    const config = pipeline(dir, `testexporter: {path: ${JSON.stringify(path.join(dir, 'never.jsonl'))}, fail_for: 1h}`);
    writeLines(path.join(dir, 'log', 'a.log'), 'a', 0, 7);
    const run = start(['run', '-c', config, '--data-dir', path.join(dir, 'data'), '--log-level', 'error'], { TELEPORT_OTEL_SHUTDOWN_TIMEOUT_MS: '200' });
    await waitFor('the batch read', () => fs.existsSync(path.join(dir, 'data', 'filelog-teleport')), 10_000);
    await new Promise((r) => setTimeout(r, 500));
    run.child.kill('SIGTERM');
    await exited(run.child);
    assert.equal(run.child.exitCode, 0, run.stderr());
    assert.match(run.stderr().trim().split('\n').pop()!, /logs: read 7, exported 0, dead-lettered 0, unacknowledged 7 \(read again next start\)$/);
  });
});
