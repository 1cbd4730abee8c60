/**
 * One event nested 10,000 deep among 999 valid ones, through the real CLI:
 * filelog → schema → indicators → ecs → otlphttp (a real OTLP/HTTP sink) and → panther. Every
 * event is delivered, the deep value kept as its JSON text past the nesting bound, exit 0.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { boundNesting, jsonText, mayNestDeeperThan } from '../../core/nesting';
import { OtlpSink } from '../support/otlp-sink';
import { tmpDir } from '../support/service';
import { parsedSamples, readOtlpJsonLines } from '../exporters/otlphttp/helpers';

const RUNNER = path.resolve(__dirname, '../support/run-pipeline.js');
const DEPTH = 10_000;

function runCli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RUNNER, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

function pantherRows(root: string): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const e of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || !e.name.endsWith('.json.gz')) continue;
    for (const line of zlib.gunzipSync(fs.readFileSync(path.join(e.parentPath, e.name))).toString('utf8').split('\n')) {
      if (line !== '') rows.push(JSON.parse(line) as Record<string, unknown>);
    }
  }
  return rows;
}

/** How many `k` levels down a parsed value goes before a string. */
function levels(v: unknown): { depth: number; leaf: unknown } {
  let depth = 0;
  while (typeof v === 'object' && v !== null && 'k' in v) { v = (v as { k: unknown }).k; depth++; }
  return { depth, leaf: v };
}

describe('a value nested 10,000 deep', function () {
  this.timeout(60_000);
  let sink: OtlpSink;
  before(async () => { sink = await OtlpSink.start(); });
  after(async () => { await sink.close(); });

  it('is delivered with its deep part as JSON text, its 999 batch mates too, through otlphttp and panther', async () => {
    const dir = tmpDir();
    const valid = parsedSamples().filter((s) => ['event', 'code', 'time'].every((k) => typeof s.event[k] === 'string')).map((s) => s.raw);
    const lines = Array.from({ length: 999 }, (_, i) => valid[i % valid.length]);
    const deep = `{"event":"user.login","code":"T1000I","time":"2024-01-01T00:00:00Z","user":"deep","uid":"deep-1","attributes":${'{"k":'.repeat(DEPTH)}"bottom"${'}'.repeat(DEPTH)}}`;
    lines.splice(500, 0, deep);
    const log = path.join(dir, 'log', 'a.log');
    fs.mkdirSync(path.dirname(log), { recursive: true });
    fs.writeFileSync(log, lines.join('\n') + '\n');
    const config = path.join(dir, 'pipeline.yaml');
    fs.writeFileSync(config, `
receivers:
  filelog: {include: [${JSON.stringify(log)}], start_at: beginning}
processors: {schema: {}, indicators: {}, ecs: {}}
exporters:
  otlphttp: {endpoint: ${sink.url}}
  panther: {directory: ${JSON.stringify(path.join(dir, 'panther'))}}
  file/dead-letter: {path: ${JSON.stringify(path.join(dir, 'dead-letter.jsonl'))}}
service:
  pipelines:
    logs/otlp: {receivers: [filelog], processors: [schema, indicators, ecs], exporters: [otlphttp], dead_letter: [file/dead-letter]}
    logs/panther: {receivers: [filelog], processors: [schema, indicators], exporters: [panther], dead_letter: [file/dead-letter]}
`);
    const run = await runCli(['run', '-c', config, '--once', '--data-dir', path.join(dir, 'data'), '--log-level', 'error']);
    assert.equal(run.code, 0, run.stderr);
    // A few sample events are refused by the schema on purpose (e.g. `expires: 111111`): the same ones in both pipelines.
    const letters = readOtlpJsonLines(path.join(dir, 'dead-letter.jsonl'));
    const deadIn = (pipeline: string) => letters.filter((l) => l.attributes['teleport_otel.pipeline'] === pipeline);
    assert.deepEqual(letters.filter((l) => l.body.includes('"deep"')).map((l) => l.attributes['error.message']), [], 'the deep event is not dead-lettered');
    assert.ok(letters.every((l) => l.attributes['error.type'] === 'schema_violation'), 'only schema refusals');
    assert.equal(sink.records.length + deadIn('logs/otlp').length, 1000, 'every record reached the OTLP backend or the dead letter');
    const rows = pantherRows(path.join(dir, 'panther'));
    assert.equal(rows.length + deadIn('logs/panther').length, 1000, 'every record is a Panther row or a dead letter');
    assert.ok(sink.records.some((r) => r.attributes['log.record.uid'] === 'deep-1'), 'the deep event reached the OTLP backend');
    const row = rows.find((r) => r.user === 'deep')!;
    const { depth, leaf } = levels(row.attributes);
    // The event is level 1 and `attributes` level 2: levels 2 to 64 stay structure, level 65 is text.
    assert.equal(depth, 63, 'structure kept down to the bound');
    assert.equal(leaf, `${'{"k":'.repeat(DEPTH - 63)}"bottom"${'}'.repeat(DEPTH - 63)}`, 'below it, the JSON text: nothing lost');
  });

  it('boundNesting keeps shallow values as they are and deep ones as text; jsonText writes any depth', () => {
    const shallow = { a: [1, { b: 'c' }], d: null };
    assert.equal(boundNesting(shallow, 3), shallow, 'within the bound: the same object, no copy');
    assert.deepEqual(boundNesting(shallow, 2), { a: [1, '{"b":"c"}'], d: null });
    assert.equal(mayNestDeeperThan('{"a":[{"b":1}]}', 3), false);
    assert.equal(mayNestDeeperThan('{"a":[{"b":[1]}]}', 3), true);
    let v: unknown = 'x';
    for (let i = 0; i < 50_000; i++) v = i % 2 === 0 ? [v] : { k: v, n: 12345678901234567890n };
    const text = jsonText(v);
    assert.equal(text.length, 25_000 * '[]'.length + 25_000 * '{"k":,"n":12345678901234567890}'.length + 3);
    assert.ok(text.startsWith('{"k":[{"k":[') && text.endsWith('],"n":12345678901234567890}'));
  });
});
