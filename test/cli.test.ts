/**
 * The CLI as a user runs it: a real child process on the bundled pipeline.yaml and sample logs.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { tmpDir } from './support/service';
import { freePort } from './support/cli-process';

const ROOT = path.resolve('.');
const BIN = path.join(ROOT, 'bin', 'teleport-otel.js');

function cli(args: string[], cwd = ROOT, env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
}

/** A scratch directory holding the default pipeline.yaml and the bundled examples. */
function sandbox(): string {
  const dir = tmpDir();
  fs.copyFileSync(path.join(ROOT, 'pipeline.yaml'), path.join(dir, 'pipeline.yaml'));
  fs.symlinkSync(path.join(ROOT, 'examples'), path.join(dir, 'examples'));
  return dir;
}

function exampleLines(): { good: number; bad: number } {
  let good = 0;
  let bad = 0;
  const root = path.join(ROOT, 'examples', 'teleport-log');
  for (const dir of fs.readdirSync(root)) {
    const sub = path.join(root, dir);
    if (!fs.statSync(sub).isDirectory()) continue;
    for (const f of fs.readdirSync(sub)) {
      for (const line of fs.readFileSync(path.join(sub, f), 'utf8').split('\n').filter(Boolean)) {
        try {
          const v = JSON.parse(line);
          if (v && typeof v === 'object' && !Array.isArray(v)) good++; else bad++;
        } catch { bad++; }
      }
    }
  }
  return { good, bad };
}

/** Records in an OTLP/JSON lines file. */
function otlpRecords(file: string): any[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)
    .flatMap((l) => JSON.parse(l).resourceLogs.flatMap((rl: any) => rl.scopeLogs.flatMap((sl: any) => sl.logRecords)));
}

/** Every line of every .json.gz file under `dir`. */
function gunzipLines(dir: string): string[] {
  const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json.gz') && !f.includes('.staging'));
  return files.flatMap((f) => zlib.gunzipSync(fs.readFileSync(path.join(dir, f))).toString('utf8').split('\n').filter(Boolean));
}

const attr = (r: any, key: string) => r.attributes.find((a: any) => a.key === key)?.value;

describe('CLI', () => {
  it('runs the default pipeline on the bundled samples: every line exported or dead-lettered', () => {
    const dir = sandbox();
    const r = cli(['run', '-c', 'pipeline.yaml', '--once'], dir);
    assert.equal(r.status, 0, r.stderr);
    const { good, bad } = exampleLines();
    assert.ok(good > 400 && bad >= 4, `samples: ${good} good, ${bad} bad`);
    const exported = otlpRecords(path.join(dir, 'out', 'teleport.otlp.jsonl'));
    const dead = otlpRecords(path.join(dir, 'out', 'dead-letter.jsonl'));
    assert.equal(exported.length, good);
    assert.ok(exported.every((r) => attr(r, 'event.kind')?.stringValue === 'event'), 'ecs ran on every exported record');
    const deadOf = (pipeline: string) => dead.filter((d) => attr(d, 'teleport_otel.pipeline').stringValue === pipeline);
    assert.equal(deadOf('logs/teleport').length, bad);
    for (const d of dead) {
      assert.match(attr(d, 'teleport_otel.source.position').stringValue, /examples\/teleport-log\/[^/]+\/\d{4}-\d\d-\d\d\.00:00:00\.log:\d+$/);
      assert.ok(attr(d, 'error.message').stringValue.length > 0);
    }
    for (const d of deadOf('logs/teleport')) assert.match(attr(d, 'error.message').stringValue, /^not (valid JSON|a JSON object)/);
    // The Panther pipeline refuses the malformed lines too, plus events its schema rejects.
    const pantherDead = deadOf('logs/panther');
    assert.ok(pantherDead.length > bad && pantherDead.some((d) => attr(d, 'error.type').stringValue === 'schema_violation'));
    const pantherRows = gunzipLines(path.join(dir, 'out', 'panther'));
    assert.equal(pantherRows.length + pantherDead.length, good + bad, 'every line is a Panther row or a dead letter');
    const summary = r.stderr.trim().split('\n').pop()!;
    assert.match(summary, new RegExp(`logs/teleport: read ${good + bad}, exported ${good}, dead-lettered ${bad}; ` +
      `logs/panther: read ${good + bad}, exported ${pantherRows.length}, dead-lettered ${pantherDead.length}$`));
    assert.match(r.stdout, /session\.start\s+\d+/, 'debug exporter prints counts per event type');
  });

  it('validate: exit 0 on the default config, and one line per mistake otherwise', () => {
    const ok = cli(['validate', '-c', 'pipeline.yaml']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /pipeline\.yaml: valid \(2 pipelines\)/);

    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'bad.yaml'), `
receivers:
  filelog: {include: [./x/*.log], start_at: middle}
exporters:
  file/out: {path: 42}
service:
  pipelines:
    logs: {receivers: [filelog], exporters: [file/out, otlp]}
`);
    const bad = cli(['validate', '-c', path.join(dir, 'bad.yaml')]);
    assert.equal(bad.status, 1);
    assert.deepEqual(bad.stderr.trim().split('\n'), [
      'receivers.filelog.start_at: must be one of beginning, end',
      'exporters.file/out.path: must be a string',
      'service.pipelines.logs.exporters[1]: exporter "otlp" is not defined under exporters',
    ]);
  });

  it('says what is wrong in one line for a missing config, an unknown command or flag', () => {
    const missing = cli(['validate', '-c', '/nonexistent/p.yaml']);
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr, '/nonexistent/p.yaml: cannot read the config: ENOENT\n');
    const unknown = cli(['frobnicate']);
    assert.equal(unknown.status, 1);
    assert.equal(unknown.stderr, 'unknown command "frobnicate" (known: run, validate, replay); see teleport-otel --help\n');
    const flag = cli(['run', '--bogus']);
    assert.equal(flag.status, 1);
    assert.match(flag.stderr, /^run: Unknown option '--bogus'.*see teleport-otel run --help\n$/);
    const env = cli(['validate'], ROOT, { TELEPORT_OTEL_CONFIG: '/nonexistent/q.yaml' });
    assert.match(env.stderr, /^\/nonexistent\/q\.yaml: cannot read/);
    const port = cli(['validate'], ROOT, { TELEPORT_OTEL_METRICS_PORT: '99999' });
    assert.equal(port.status, 1);
    assert.equal(port.stderr, '--metrics-port / TELEPORT_OTEL_METRICS_PORT: ports must be within range 0 - 65535: value was 99999\n');
    const level = cli(['run', '--once', '--log-level', 'loud']);
    assert.match(level.stderr, /^--log-level \/ TELEPORT_OTEL_LOG_LEVEL: must be one of the possible values: .*"loud"\n$/);
  });

  it('prints help for the tool and each command', () => {
    assert.match(cli(['--help']).stdout, /Commands:\n\s+run\s.*\n\s+validate\s/);
    assert.match(cli(['run', '--help']).stdout, /--once/);
    assert.match(cli(['validate', '--help']).stdout, /Usage: teleport-otel validate/);
  });

  it('serves /metrics and /healthz, and stops gracefully on SIGTERM with a summary', async () => {
    const dir = sandbox();
    const { good, bad } = exampleLines();
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'run', '-c', 'pipeline.yaml', '--metrics-port', String(port)], { cwd: dir });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.stdout.resume();
    const metrics = await poll(async () => {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      const text = await res.text();
      return new RegExp(String.raw`teleport_otel_accepted_records_total\{kind="receiver",component="filelog/teleport"\} ${good + bad}\b`).test(text) ? text : undefined;
    });
    assert.match(metrics, new RegExp(String.raw`teleport_otel_dead_lettered_records_total\{pipeline="logs/teleport"\} ${bad}\b`));
    assert.match(metrics, /teleport_otel_accepted_records_total\{kind="processor",component="logs\/panther\/schema"\} [1-9]/);
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.on('exit', r));
    assert.equal(code, 0, stderr);
    assert.match(stderr, /SIGTERM: draining/);
    assert.match(stderr.trim().split('\n').pop()!, /^teleport-otel: summary after [\d.]+s: logs\/teleport: read \d+/);
  });
});

async function poll<T>(fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch { /* not up yet */ }
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}
