/**
 * The image as docker/Dockerfile describes it, read without a Docker engine: multi-stage, a
 * pinned Node LTS base, a non-root user, a health check on /healthz, nothing of the tests in the
 * runtime stage; and its pipeline, configured by environment variables alone.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { NODE_FLAGS } from '../../bench/lib/measure';
import { registry } from '../../components';
import { loadConfigFile } from '../../core/config/load';
import type { OtlpHttpExporterConfig } from '../../exporters/otlphttp/config';
import { requestHeaders } from '../../core/otlp/export/headers';
import { envOf, readDockerfile, type Stage } from './dockerfile';

const dockerfile = readDockerfile();
const runtime = dockerfile.stages[dockerfile.stages.length - 1];
const ops = (stage: Stage, op: string) => stage.instructions.filter((i) => i.op === op);

describe('docker image (docker/Dockerfile)', () => {
  it('builds in one stage and runs from another, both on one pinned Node LTS release', () => {
    assert.ok(dockerfile.stages.length >= 2, 'multi-stage');
    for (const stage of dockerfile.stages) {
      const m = /^node:(\d+)\.\d+\.\d+-[a-z]+(-slim)?$/.exec(stage.from);
      assert.ok(m, `${stage.from}: the official Node image at an exact version`);
      assert.equal(Number(m[1]) % 2, 0, `${stage.from}: an even major, an LTS line`);
      assert.ok(Number(m[1]) >= 20, `${stage.from}: a supported line`);
    }
    assert.match(runtime.from, /-slim$/, 'the runtime stage is the slim image');
  });

  it('runs as a non-root user, with a volume for its state and a HEALTHCHECK on /healthz', () => {
    const users = ops(runtime, 'USER');
    assert.equal(users.length > 0, true, 'a USER instruction');
    const user = users[users.length - 1].text;
    assert.ok(!['root', '0', '0:0'].includes(user), `runs as ${user}`);
    const env = envOf(runtime);
    assert.ok(ops(runtime, 'VOLUME').some((v) => v.json?.includes(env.TELEPORT_OTEL_DATA_DIR)), 'the data dir is a volume');
    const health = ops(runtime, 'HEALTHCHECK');
    assert.equal(health.length, 1);
    assert.match(health[0].text, /\/healthz/);
    assert.match(health[0].text, /TELEPORT_OTEL_METRICS_PORT/, 'asks the port the process serves /healthz on');
    assert.ok(Number(env.TELEPORT_OTEL_METRICS_PORT) > 0, '/healthz is served');
    assert.equal(env.TELEPORT_OTEL_METRICS_HOST, '0.0.0.0', 'reachable from outside the container');
    assert.ok(ops(runtime, 'EXPOSE').some((e) => e.text.split(/\s+/).includes(env.TELEPORT_OTEL_METRICS_PORT)));
  });

  it('ships no tests, benches or dev dependencies', () => {
    for (const stage of dockerfile.stages) {
      for (const copy of ops(stage, 'COPY')) {
        assert.doesNotMatch(copy.text, /(^|\s)(test|bench)(\/|\s|$)/, `${copy.text}: no tests or benches`);
      }
    }
    const build = dockerfile.stages[0];
    assert.ok(ops(build, 'RUN').some((r) => /npm prune --omit=dev/.test(r.text)), 'dev dependencies pruned before the copy');
    assert.ok(ops(runtime, 'COPY').some((c) => /--from=\S+ \S*node_modules/.test(c.text)), 'production node_modules from the build');
  });

  it('runs teleport-otel on the pipeline it copies to /etc/teleport-otel/pipeline.yaml', () => {
    const entrypoint = ops(runtime, 'ENTRYPOINT')[0].json!;
    const cmd = ops(runtime, 'CMD')[0].json!;
    assert.ok(entrypoint.some((a) => a.endsWith('bin/teleport-otel.js')));
    assert.deepEqual(cmd, ['run', '-c', '/etc/teleport-otel/pipeline.yaml']);
    assert.ok(ops(runtime, 'COPY').some((c) => c.text === 'docker/pipeline.yaml /etc/teleport-otel/pipeline.yaml'));
  });

  it('runs node with the V8 flags of the launcher, `npm start` and the benches, which this node accepts', () => {
    const entrypoint = ops(runtime, 'ENTRYPOINT')[0].json!;
    const image = entrypoint.slice(1, entrypoint.findIndex((a) => a.endsWith('bin/teleport-otel.js')));
    const shebang = fs.readFileSync('bin/teleport-otel.js', 'utf8').split('\n')[0];
    const launcher = /^#!\/usr\/bin\/env -S node((?: --\S+)*)$/.exec(shebang)?.[1].trim().split(' ');
    const start = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts.start;
    const npmStart = /^node((?: --\S+)*) bin\/teleport-otel\.js /.exec(start)?.[1].trim().split(' ');
    assert.ok(image.length > 0, 'the image passes V8 flags');
    assert.deepEqual(launcher, image, 'the launcher\'s shebang');
    assert.deepEqual(npmStart, image, '`npm start`');
    assert.deepEqual(NODE_FLAGS, image, 'the benches (bench/lib/measure.ts)');
    const run = spawnSync(process.execPath, [...image, '-e', 'process.exit(0)'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '', 'no flag is unknown to this node');
  });

  it('validates its pipeline with only the image\'s environment variables set', () => {
    const env = { PATH: process.env.PATH, ...envOf(runtime) };
    const run = spawnSync(process.execPath, ['bin/teleport-otel.js', 'validate', '-c', 'docker/pipeline.yaml'], { env, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout + run.stderr, /valid \(2 pipelines\)/);
    const config = loadConfigFile('docker/pipeline.yaml', registry, envOf(runtime));
    assert.deepEqual(config.warnings, []);
    const otlp = config.exporters.get('otlphttp')!.config as OtlpHttpExporterConfig;
    assert.equal(otlp.endpoint, 'http://otel-collector:4318', 'the compose stack\'s Collector by default');
    assert.deepEqual(requestHeaders(otlp), {});
    assert.equal(otlp.resource['service.name'], 'teleport');
  });

  it('sends to a hosted OTLP backend set by environment variables only', () => {
    const config = loadConfigFile('docker/pipeline.yaml', registry, {
      ...envOf(runtime),
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.example.com:443',
      OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Basic%20dXNlcjpzM2NyZXQ=,x-tenant=acme',
      OTEL_SERVICE_NAME: 'teleport-prod',
      TELEPORT_OTEL_DATA_DIR: '/data',
    });
    const otlp = config.exporters.get('otlphttp')!.config as OtlpHttpExporterConfig;
    assert.equal(otlp.endpoint, 'https://otlp.example.com:443');
    assert.deepEqual(requestHeaders(otlp), { Authorization: 'Basic dXNlcjpzM2NyZXQ=', 'x-tenant': 'acme' });
    assert.equal(otlp.resource['service.name'], 'teleport-prod');
    assert.equal(otlp.sending_queue.storage, '/data/otlp-queue', 'paths follow TELEPORT_OTEL_DATA_DIR');
  });
});
