/**
 * `teleport-otel replay` as a user meets it (issue 29): records a backend refused with 400 are
 * dead-lettered; once the backend accepts them, replaying the dead letter delivers them, to the
 * exporter that refused them only; what is refused again is dead-lettered again, with its
 * original position.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir } from './support/service';
import { OtlpSink } from './support/otlp-sink';
import { readOtlpJsonLines, syntheticLines, uidsOf } from './exporters/otlphttp/helpers';
import { startCli } from './support/cli-process';

const N = 100;
const BAD = new Set(['r-7', 'r-42', 'r-99']); // one per request: each split finds its record
const uidOf = (raw: string) => (JSON.parse(raw) as { uid: string }).uid;

describe('replay of a dead letter (CLI)', function () {
  this.timeout(60_000);
  let sink: OtlpSink;
  before(async () => { sink = await OtlpSink.start(); });
  after(async () => { await sink.close(); });

  it('records dead-lettered by a 400 are delivered once the sink accepts them; refused again, they are dead-lettered again', async () => {
    const dir = tmpDir();
    const input = path.join(dir, 'audit.log');
    fs.writeFileSync(input, syntheticLines(N, 'r').join('\n') + '\n');
    const deadLetter = path.join(dir, 'dead-letter.jsonl');
    const copy = path.join(dir, 'copy.jsonl');
    const config = path.join(dir, 'pipeline.yaml');
    fs.writeFileSync(config, `
receivers:
  filelog: {include: [${JSON.stringify(input)}], max_batch_size: 25}
exporters:
  otlphttp:
    endpoint: ${sink.url}
    max_batch_size: 25
  file/copy: {path: ${JSON.stringify(copy)}, append: false}
  file/dead-letter: {path: ${JSON.stringify(deadLetter)}, append: true}
service:
  pipelines:
    logs/audit: {receivers: [filelog], exporters: [otlphttp, file/copy], dead_letter: [file/dead-letter]}
`);
    sink.refuse = { status: 400, matches: (r) => BAD.has(r.attributes['log.record.uid'] as string), message: 'bad record' };
    const run = startCli(['run', '-c', config, '--once', '--no-progress', '--data-dir', path.join(dir, 'data')]);
    assert.equal((await run.exit).code, 0, run.stderr());
    const letters = readOtlpJsonLines(deadLetter);
    assert.deepEqual(letters.map((l) => uidOf(l.body)).sort(), [...BAD].sort(), 'the refused records are dead-lettered');
    assert.equal(new Set(uidsOf(sink)).size, N - BAD.size);
    assert.equal(readOtlpJsonLines(copy).length, N, 'the other exporter took every record');

    // The backend is fixed; the dead letter is replayed in place (the pipeline's own dead letter).
    sink.refuse = undefined;
    const replay = startCli(['replay', '-c', config, '--from', deadLetter, '--no-progress', '--data-dir', path.join(dir, 'data')]);
    assert.equal((await replay.exit).code, 0, replay.stderr());
    assert.deepEqual([...new Set(uidsOf(sink))].sort(), syntheticLines(N, 'r').map(uidOf).sort(), 'every record is delivered now');
    assert.equal(readOtlpJsonLines(copy).length, N, 'only the exporter that refused them gets them again, and a replay never truncates an output (append: false)');
    assert.equal(readOtlpJsonLines(deadLetter).length, BAD.size, 'nothing new in the dead letter');
    assert.match(replay.stderr(), /logs\/audit: read 3, exported 3, dead-lettered 0/);

    // Replayed again while the backend still refuses one: that one goes back to the dead letter,
    // with the new reason and its original position. A line cut short by a crash is skipped.
    const aside = path.join(dir, 'dead-letter.1.jsonl');
    fs.renameSync(deadLetter, aside);
    fs.appendFileSync(aside, '{"resourceLogs":[{"resource":{"attr');
    sink.refuse = { status: 400, matches: (r) => r.attributes['log.record.uid'] === 'r-42', message: 'still bad' };
    const again = startCli(['replay', '-c', config, '--from', aside, '--no-progress', '--data-dir', path.join(dir, 'data')]);
    assert.equal((await again.exit).code, 0, again.stderr());
    assert.match(again.stderr(), /dead-letter\.1\.jsonl:4: not an OTLP\/JSON request .*skipped/);
    const [letter, ...more] = readOtlpJsonLines(deadLetter);
    assert.equal(more.length, 0);
    assert.equal(uidOf(letter.body), 'r-42');
    assert.match(String(letter.attributes['error.message']), /refused the record: backend answered 400 .*: still bad$/);
    assert.equal(letter.attributes['teleport_otel.source.position'], `${input}:43`);
    assert.equal(letter.attributes['teleport_otel.pipeline'], 'logs/audit');
  });

  it('says in one line when a record names a pipeline the config lacks, or --pipeline names none', async () => {
    const dir = tmpDir();
    const config = path.join(dir, 'pipeline.yaml');
    const deadLetter = path.join(dir, 'dl.jsonl');
    fs.writeFileSync(deadLetter, JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: '{"event":"x"}' },
      attributes: [{ key: 'teleport_otel.pipeline', value: { stringValue: 'logs/gone' } }] }] }] }] }) + '\n');
    fs.writeFileSync(config, `
receivers:
  filelog: {include: [${JSON.stringify(path.join(dir, '*.log'))}]}
exporters:
  file/out: {path: ${JSON.stringify(path.join(dir, 'out.jsonl'))}}
service:
  pipelines:
    logs: {receivers: [filelog], exporters: [file/out]}
`);
    const missing = startCli(['replay', '-c', config, '--from', deadLetter]);
    assert.equal((await missing.exit).code, 1);
    assert.equal(missing.stderr(), `${deadLetter}:1: names pipeline "logs/gone", which ${config} does not define; pass --pipeline\n`);
    const wrong = startCli(['replay', '-c', config, '--from', deadLetter, '--pipeline', 'logs/nope']);
    assert.equal((await wrong.exit).code, 1);
    assert.equal(wrong.stderr(), `--pipeline: ${config} defines no pipeline "logs/nope" (it has: logs)\n`);
    // What an earlier run wrote stays: a replay never truncates an output, even without `append`.
    const earlier = JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: '{"event":"earlier"}' }, attributes: [] }] }] }] });
    fs.writeFileSync(path.join(dir, 'out.jsonl'), earlier + '\n');
    const ok = startCli(['replay', '-c', config, '--from', deadLetter, '--pipeline', 'logs', '--no-progress']);
    assert.equal((await ok.exit).code, 0, ok.stderr());
    assert.deepEqual(readOtlpJsonLines(path.join(dir, 'out.jsonl')).map((r) => r.body), ['{"event":"earlier"}', '{"event":"x"}']);
  });
});
