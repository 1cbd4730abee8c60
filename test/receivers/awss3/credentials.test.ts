/**
 * awss3 with no AWS credentials at all, as a cron backfill meets it: `--once` ends with exit 1 and
 * one line within a bound (it used to retry CredentialsProviderError forever); `run` stays up,
 * retrying, and says why on /healthz and in its log.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir } from '../../support/service';
import { exited, waitFor } from '../../support/child';
import { awsEmulators } from '../../support/aws-emulators';
import { freePort } from '../../support/cli-process';

const RUNNER = path.resolve(__dirname, '..', '..', 'support', 'run-pipeline.js');
const BOUND_MS = 30_000;

/** The environment without any AWS credential source: no keys, no profile files, no instance role. */
function noCredentials(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
  return {
    ...env,
    HOME: home,
    AWS_CONFIG_FILE: path.join(home, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'none'),
    // This machine's own role, if it has one, must not stand in for the user's missing credentials.
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

function config(dir: string, endpoint = 'http://127.0.0.1:9', bucket = 'teleport-audit'): string {
  const file = path.join(dir, 'pipeline.yaml');
  fs.writeFileSync(file, `
receivers:
  awss3/backfill:
    s3: {bucket: ${bucket}, region: us-east-1, endpoint: "${endpoint}", force_path_style: true}
exporters:
  file/out: {path: ${JSON.stringify(path.join(dir, 'out.jsonl'))}, append: true}
service:
  pipelines:
    logs: {receivers: [awss3/backfill], exporters: [file/out]}
`);
  return file;
}

function run(args: string[], dir: string, env: NodeJS.ProcessEnv = {}): { child: ChildProcess; stderr: () => string } {
  const child = spawn(process.execPath, [RUNNER, ...args], { cwd: dir, env: { ...noCredentials(dir), ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  return { child, stderr: () => err };
}

describe('awss3 receiver without credentials', function () {
  this.timeout(BOUND_MS + 20_000);

  it('--once exits 1 within the bound with one line naming the receiver, the bucket and what to do', async () => {
    const dir = tmpDir();
    const started = Date.now();
    const r = run(['run', '-c', config(dir), '--data-dir', path.join(dir, 'data'), '--once', '--log-level', 'error'], dir);
    const timer = setTimeout(() => r.child.kill('SIGKILL'), BOUND_MS);
    await exited(r.child);
    clearTimeout(timer);
    assert.ok(Date.now() - started < BOUND_MS, `still running after ${BOUND_MS} ms`);
    assert.equal(r.child.exitCode, 1, r.stderr());
    const lines = r.stderr().trim().split('\n');
    assert.equal(lines.length, 2, r.stderr()); // the error, then the summary
    assert.match(lines[0], /^teleport-otel: receivers\.awss3\/backfill\.s3\.bucket: ListObjectsV2 s3:\/\/teleport-audit\/: no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or give the process a role .*\(CredentialsProviderError: /);
    assert.match(lines[1], /^teleport-otel: summary after .*: logs: read 0, exported 0, dead-lettered 0$/);
  });

  it('`run` stays up, retrying, with /healthz failing and the same line in the log', async () => {
    const dir = tmpDir();
    const port = await freePort();
    const r = run(['run', '-c', config(dir), '--data-dir', path.join(dir, 'data'), '--health-port', String(port)], dir);
    try {
      let body = '';
      await waitFor('/healthz failing', async () => {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
        body = res?.status === 503 ? await res.text() : '';
        return body.startsWith('failing');
      }, 15_000);
      assert.match(body, /^failing\nawss3\/backfill: failing: receivers\.awss3\/backfill\.s3\.bucket: ListObjectsV2 s3:\/\/teleport-audit\/: no AWS credentials found/);
      assert.match(r.stderr(), /ERROR \[awss3\/backfill\] receivers\.awss3\/backfill\.s3\.bucket: .*no AWS credentials found.*\(retrying with backoff\)/);
      assert.equal(r.child.exitCode, null);
    } finally {
      r.child.kill('SIGTERM');
      await exited(r.child);
    }
    assert.equal(r.child.exitCode, 0, r.stderr());
  });

  it('refused keys (a real S3 server answering 403 InvalidAccessKeyId): --once exits 1 with one line saying to check the keys', async () => {
    const aws = await awsEmulators();
    const bucket = aws.unique('denied');
    await aws.createBucket(bucket);
    await aws.putObject(bucket, 'a.log', '{"event":"x"}\n');
    const dir = tmpDir();
    const r = run(['run', '-c', config(dir, aws.s3Endpoint, bucket), '--data-dir', path.join(dir, 'data'), '--once', '--log-level', 'error'], dir,
      { AWS_ACCESS_KEY_ID: 'AKIAWRONGWRONGWRONG0', AWS_SECRET_ACCESS_KEY: 'wrong' });
    const timer = setTimeout(() => r.child.kill('SIGKILL'), BOUND_MS);
    await exited(r.child);
    clearTimeout(timer);
    assert.equal(r.child.exitCode, 1, r.stderr());
    const lines = r.stderr().trim().split('\n');
    assert.equal(lines.length, 2, r.stderr());
    assert.match(lines[0], new RegExp(`^teleport-otel: receivers\\.awss3/backfill\\.s3\\.bucket: ListObjectsV2 s3://${bucket}/: the AWS credentials were refused: check the access key, the secret and the session token \\(expired\\?\\) \\(InvalidAccessKeyId: .*\\(HTTP 403\\)\\)$`));
    assert.equal(fs.existsSync(path.join(dir, 'out.jsonl')) ? fs.readFileSync(path.join(dir, 'out.jsonl'), 'utf8') : '', '');
  });
});
