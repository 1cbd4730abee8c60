/**
 * What the image's runtime stage ships is enough to run. Without a Docker engine, the test replays
 * docker/Dockerfile on the filesystem: the build stage's COPY and RUN instructions in a clean
 * directory (`npm ci` compiles, `npm prune --omit=dev` drops the dev dependencies), then the
 * runtime stage's COPY instructions into a root of its own; then it starts the ENTRYPOINT and CMD
 * there, with the image's environment, on a copy of the sample Teleport log, into an OTLP sink.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { OtlpSink } from '../support/otlp-sink';
import { delay, tmpDir } from '../support/service';
import { envOf, readDockerfile, type Stage } from './dockerfile';
import { freePort } from '../support/cli-process';

const REPO = path.resolve(__dirname, '../../..');

/** COPY's sources and destination; `--from=stage` when it copies from another stage. */
function copyArgs(text: string): { from?: string; sources: string[]; dest: string } {
  const words = text.split(/\s+/);
  const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
  const paths = words.filter((w) => !w.startsWith('--'));
  return { from, sources: paths.slice(0, -1), dest: paths[paths.length - 1] };
}

/** Replays a stage's WORKDIR and COPY instructions (and RUN, when `run`) under `root`. */
function replay(stage: Stage, root: string, sourceOf: (from: string | undefined, src: string) => string, run: boolean): void {
  let workdir = '/';
  const inRoot = (p: string) => path.join(root, path.posix.isAbsolute(p) ? p : path.posix.join(workdir, p));
  for (const i of stage.instructions) {
    if (i.op === 'WORKDIR') {
      workdir = i.text;
      fs.mkdirSync(inRoot('.'), { recursive: true });
    } else if (i.op === 'COPY') {
      const { from, sources, dest } = copyArgs(i.text);
      for (const src of sources) {
        const target = dest.endsWith('/') ? path.join(inRoot(dest), path.basename(src)) : inRoot(dest);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.cpSync(sourceOf(from, src), target, { recursive: true });
      }
    } else if (i.op === 'RUN' && run) {
      execFileSync('sh', ['-c', i.text], {
        cwd: inRoot('.'), stdio: ['ignore', 'ignore', 'pipe'],
        // The packages are in npm's cache since the project's own `npm ci`.
        env: { ...process.env, npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' },
      });
    }
  }
}

function get(url: string): Promise<number> {
  return new Promise((resolve) => {
    http.get(url, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', () => resolve(0));
  });
}

describe('docker image: a production-only install runs the image\'s pipeline', function () {
  this.timeout(300_000);
  let child: ChildProcess | undefined;
  let sink: OtlpSink | undefined;
  after(async () => {
    child?.kill('SIGKILL');
    await sink?.close();
  });

  it('builds as the Dockerfile does, ships no dev dependencies, exports every sample event and serves /healthz', async () => {
    const dockerfile = readDockerfile(path.join(REPO, 'docker/Dockerfile'));
    const [build, runtime] = [dockerfile.stages[0], dockerfile.stages.at(-1)!];
    const root = tmpDir('teleport-otel-image-');
    const buildRoot = path.join(root, 'build');
    const rootfs = path.join(root, 'rootfs');
    replay(build, buildRoot, (_from, src) => path.join(REPO, src), true);
    replay(runtime, rootfs, (from, src) => (from === undefined ? path.join(REPO, src) : path.join(buildRoot, src)), false);

    const app = path.join(rootfs, 'app');
    assert.ok(!fs.existsSync(path.join(app, 'node_modules', 'typescript')), 'dev dependencies pruned');
    assert.ok(!fs.existsSync(path.join(app, 'node_modules', 'mocha')), 'dev dependencies pruned');
    assert.ok(!fs.existsSync(path.join(app, 'dist', 'test')) && !fs.existsSync(path.join(app, 'dist', 'bench')), 'no tests or benches');

    // Teleport's log layout, with the session uploads the pipeline must not read as events.
    const logs = path.join(root, 'teleport-log');
    fs.cpSync(path.join(REPO, 'examples/teleport-log'), logs, { recursive: true });
    fs.mkdirSync(path.join(logs, 'upload', 'streaming'), { recursive: true });
    fs.writeFileSync(path.join(logs, 'upload', 'streaming', 'x.log'), '{"event":"not.an.audit.event","uid":"upload-1","code":"T0000I","time":"2024-01-01T00:00:00Z"}\n');
    const expected = execFileSync('sh', ['-c', `cat ${path.join(REPO, 'examples/teleport-log')}/*/*.log | wc -l`]).toString().trim();

    sink = await OtlpSink.start();
    const port = await freePort();
    const data = path.join(root, 'data');
    const env = {
      PATH: process.env.PATH,
      ...envOf(runtime),
      TELEPORT_OTEL_METRICS_HOST: '127.0.0.1',
      TELEPORT_OTEL_METRICS_PORT: String(port),
      TELEPORT_OTEL_DATA_DIR: data,
      TELEPORT_OTEL_INCLUDE: `${logs}/**/*.log`,
      TELEPORT_OTEL_PANTHER_DIR: path.join(data, 'panther'),
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
    };
    const inRootfs = (arg: string) => (arg.startsWith('/') && fs.existsSync(path.join(rootfs, arg)) ? path.join(rootfs, arg) : arg);
    const [command, ...args] = [...runtime.instructions.find((i) => i.op === 'ENTRYPOINT')!.json!, ...runtime.instructions.find((i) => i.op === 'CMD')!.json!];
    assert.equal(command, 'node');
    child = spawn(process.execPath, args.map(inRootfs), { cwd: app, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });

    const deadline = Date.now() + 60_000;
    while (sink.records.length < 450 && Date.now() < deadline && child.exitCode === null) await delay(100);
    assert.equal(sink.records.length, 450, `every valid sample event exported (${expected} lines): ${stderr}`);
    assert.ok(!sink.records.some((r) => String(r.body).includes('upload-1')), 'session uploads are not read');
    assert.equal(await get(`http://127.0.0.1:${port}/healthz`), 200);
    assert.equal(await get(`http://127.0.0.1:${port}/metrics`), 200);
    const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    child = undefined;
    assert.ok(fs.readdirSync(path.join(data, 'panther'), { recursive: true }).some((f) => String(f).endsWith('.json.gz')), 'Panther files written');
    assert.ok(fs.existsSync(path.join(data, 'checkpoints')), 'checkpoints kept in the data dir');
  });
});
