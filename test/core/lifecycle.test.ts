/** Start order, and what signals do to a real child process. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startService, tmpDir } from '../support/service';
import { startOrder } from '../support/test-exporter';

const RUNNER = path.resolve('dist/test/support/run-pipeline.js');

function configWith(exporter: string, dir: string): string {
  const file = path.join(dir, 'p.yaml');
  fs.writeFileSync(file, `
receivers:
  testreceiver: {lines: ['{"event":"a"}', '{"event":"b"}']}
exporters:
  testexporter: ${exporter}
service:
  pipelines:
    logs: {receivers: [testreceiver], exporters: [testexporter]}
`);
  return file;
}

function runChild(config: string, extraEnv: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [RUNNER, 'run', '-c', config], { env: { ...process.env, ...extraEnv } });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, stderr: () => stderr };
}

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('lifecycle', () => {
  it('starts exporters before receivers', async () => {
    startOrder.length = 0;
    const dir = tmpDir();
    const service = await startService(`
receivers:
  testreceiver: {lines: ['{}']}
exporters:
  testexporter/a: {path: ${path.join(dir, 'a')}}
  testexporter/b: {path: ${path.join(dir, 'b')}}
service:
  pipelines:
    logs: {receivers: [testreceiver], exporters: [testexporter/a, testexporter/b]}
`);
    await service.drained();
    await service.shutdown(1000);
    assert.deepEqual(startOrder.map((s) => s.split(' ')[0]), ['exporter', 'exporter', 'receiver']);
  });

  it('gives up on a refusing exporter at the shutdown deadline, acknowledging nothing', async () => {
    const dir = tmpDir();
    const out = path.join(dir, 'out.jsonl');
    const run = runChild(configWith(`{fail_for: 1h, path: ${out}}`, dir), { TELEPORT_OTEL_SHUTDOWN_TIMEOUT_MS: '300' });
    await waitFor(() => /started 1 pipeline/.test(run.stderr()));
    const t0 = Date.now();
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0);
    assert.ok(Date.now() - t0 < 5000, 'stopped soon after the deadline');
    assert.equal(fs.readFileSync(out, 'utf8'), '', 'nothing was accepted');
    assert.match(run.stderr(), /logs: read 2, exported 0, dead-lettered 0/);
  });

  it('exits at once on a second signal', async () => {
    const dir = tmpDir();
    const run = runChild(configWith('{fail_for: 1h}', dir), { TELEPORT_OTEL_SHUTDOWN_TIMEOUT_MS: '60000' });
    await waitFor(() => /started 1 pipeline/.test(run.stderr()));
    run.child.kill('SIGINT');
    await waitFor(() => /SIGINT: draining/.test(run.stderr()));
    run.child.kill('SIGINT');
    assert.equal(await run.exited, 130);
    assert.match(run.stderr(), /SIGINT again: exiting without draining/);
  });
});

describe('run without --once', () => {
  it('keeps running until a signal even when no receiver holds the process open', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'p.yaml');
    fs.writeFileSync(file, `
receivers:
  testreceiver: {lines: []}
exporters:
  testexporter: {}
service:
  pipelines:
    logs: {receivers: [testreceiver], exporters: [testexporter]}
`);
    const run = runChild(file);
    let exited = false;
    void run.exited.then(() => { exited = true; });
    await waitFor(() => /started 1 pipeline/.test(run.stderr()));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(exited, false, 'still running');
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0);
  });
});
