/**
 * Output refusals no record caused, as a user meets them (issue 29): a `file` or `panther` output
 * under a path the process cannot create (a file where a directory should be: the same refusal as
 * EACCES on a root-owned volume, and it works when tests run as root), and a full disk
 * (/dev/full answers ENOSPC). Records wait unacknowledged, nothing is dead-lettered, /healthz
 * and the log say why with the config key, and fixing the path is enough.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { tmpDir } from '../support/service';
import { syntheticLines, readOtlpJsonLines } from './otlphttp/helpers';
import { freePort, healthz, startCli, until } from '../support/cli-process';

const N = 200;
const uid = (body: string) => (JSON.parse(body) as { uid: string }).uid;
const expected = (tag: string) => Array.from({ length: N }, (_, i) => `${tag}-${i}`).sort();

function write(dir: string, tag: string, exporters: string, pipelineExporters: string, processors = '[]'): string {
  fs.writeFileSync(path.join(dir, 'audit.log'), syntheticLines(N, tag).join('\n') + '\n');
  const config = path.join(dir, 'pipeline.yaml');
  fs.writeFileSync(config, `
receivers:
  filelog:
    include: [${JSON.stringify(path.join(dir, 'audit.log'))}]
    storage: ${JSON.stringify(path.join(dir, 'checkpoints'))}
    max_batch_size: 50
processors:
  schema: {}
exporters:
${exporters}
  file/dead-letter: {path: ${JSON.stringify(path.join(dir, 'dead-letter.jsonl'))}, append: true}
service:
  pipelines:
    logs: {receivers: [filelog], processors: ${processors}, exporters: ${pipelineExporters}, dead_letter: [file/dead-letter]}
`);
  return config;
}

function pantherLines(root: string): string[] {
  const logs = path.join(root, 'logs');
  if (!fs.existsSync(logs)) return [];
  return fs.readdirSync(logs, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json.gz'))
    .flatMap((f) => zlib.gunzipSync(fs.readFileSync(path.join(logs, f))).toString('utf8').split('\n').filter(Boolean));
}

describe('file and panther exporters: outputs that cannot be written (CLI)', function () {
  this.timeout(60_000);

  it('file: a directory that cannot be created: failing with the config key, nothing acknowledged; once fixed everything is written', async () => {
    const dir = tmpDir();
    const blocker = path.join(dir, 'out');
    fs.writeFileSync(blocker, 'not a directory');
    const out = path.join(blocker, 'teleport.jsonl');
    const config = write(dir, 'f', `  file/out: {path: ${JSON.stringify(out)}, append: true}`, '[file/out]');
    const port = await freePort();
    const cli = startCli(['run', '-c', config, '--metrics-port', String(port), '--no-progress'], { TELEPORT_OTEL_LOG_LEVEL: 'info' });
    try {
      const health = await until('/healthz failing', async () => { const h = await healthz(port); return h?.status === 503 && h.body.startsWith('failing') ? h : undefined; }, 15_000);
      assert.match(health.body, new RegExp(`file/out: failing: exporters\\.file/out\\.path: cannot create ${blocker.replace(/[.]/g, '\\.')}: (ENOTDIR|EEXIST)`));
      const lines = await until('the error lines', () => {
        const found = cli.stderr().split('\n').filter((l) => / ERROR \[file\/out\] exporters\.file\/out\.path: cannot create /.test(l));
        return found.length >= 2 ? found : undefined; // one at start, one (rate-limited) from the retries
      }, 15_000);
      assert.ok(lines.length <= 3, lines.join('\n'));
      await new Promise((r) => setTimeout(r, 500));
      assert.ok(!fs.existsSync(path.join(dir, 'dead-letter.jsonl')) || readOtlpJsonLines(path.join(dir, 'dead-letter.jsonl')).length === 0, 'nothing dead-lettered');

      fs.rmSync(blocker); // the user fixes the volume
      await until('every record written', () => (fs.existsSync(out) && new Set(readOtlpJsonLines(out).map((r) => uid(r.body))).size === N ? true : undefined), 20_000);
      await until('/healthz ok', async () => ((await healthz(port))?.status === 200 ? true : undefined), 10_000);
    } finally {
      cli.child.kill('SIGTERM');
    }
    assert.equal((await cli.exit).code, 0, cli.stderr());
    assert.deepEqual([...new Set(readOtlpJsonLines(out).map((r) => uid(r.body)))].sort(), expected('f'));
    assert.equal(readOtlpJsonLines(path.join(dir, 'dead-letter.jsonl')).length, 0);
  });

  it('panther under --once: a directory that cannot be created ends the run with exit 1 within the bound; fixed, the next run writes everything', async () => {
    const dir = tmpDir();
    const blocker = path.join(dir, 'panther');
    fs.writeFileSync(blocker, 'not a directory');
    const config = write(dir, 'p', `  panther: {directory: ${JSON.stringify(blocker)}}`, '[panther]', '[schema]');
    const env = { TELEPORT_OTEL_ONCE_FAILING_TIMEOUT_MS: '1500' };
    const first = startCli(['run', '-c', config, '--once', '--no-progress'], env);
    const { code, ms } = await first.exit;
    assert.equal(code, 1, first.stderr());
    assert.ok(ms < 1500 + 8000, `ended in ${ms}ms`);
    assert.match(first.stderr(), new RegExp(`\\nteleport-otel: --once: panther has failed for 1500ms \\(TELEPORT_OTEL_ONCE_FAILING_TIMEOUT_MS\\): exporters\\.panther\\.directory: cannot create ${blocker.replace(/[.]/g, '\\.')}/\\.staging: (ENOTDIR|EEXIST); `));
    assert.ok(!first.stderr().includes('    at '), 'no stack trace');
    assert.equal(readOtlpJsonLines(path.join(dir, 'dead-letter.jsonl')).length, 0, 'nothing dead-lettered');

    fs.rmSync(blocker);
    const second = startCli(['run', '-c', config, '--once', '--no-progress'], env);
    assert.equal((await second.exit).code, 0, second.stderr());
    assert.deepEqual(pantherLines(blocker).map((l) => uid(l)).sort(), expected('p'), 'the checkpoint had not moved');
  });

  it('file under --once on a full disk (/dev/full, ENOSPC): exit 1, nothing acknowledged; pointed at a good path, the next run writes everything', async function () {
    if (!fs.existsSync('/dev/full')) this.skip();
    const dir = tmpDir();
    const exporters = (p: string) => `  file/out: {path: ${JSON.stringify(p)}, append: true}`;
    const config = write(dir, 'n', exporters('/dev/full'), '[file/out]');
    const env = { TELEPORT_OTEL_ONCE_FAILING_TIMEOUT_MS: '1000' };
    const first = startCli(['run', '-c', config, '--once', '--no-progress'], env);
    assert.equal((await first.exit).code, 1, first.stderr());
    assert.match(first.stderr(), /teleport-otel: --once: file\/out has failed for 1s \(TELEPORT_OTEL_ONCE_FAILING_TIMEOUT_MS\): exporters\.file\/out\.path: cannot write \/dev\/full: ENOSPC; /);
    assert.equal(readOtlpJsonLines(path.join(dir, 'dead-letter.jsonl')).length, 0);

    const out = path.join(dir, 'out.jsonl');
    const text = fs.readFileSync(config, 'utf8').replace(exporters('/dev/full'), exporters(out));
    fs.writeFileSync(config, text);
    const second = startCli(['run', '-c', config, '--once', '--no-progress'], env);
    assert.equal((await second.exit).code, 0, second.stderr());
    assert.deepEqual(readOtlpJsonLines(out).map((r) => uid(r.body)).sort(), expected('n'));
  });
});
