/**
 * The file exporter survives its own crash (issue 29): the real CLI is killed with SIGKILL at
 * random moments while it writes large requests (about 1.5 MB per line) to a file opened to
 * append, then restarted. A kill mid-write can leave the last line cut short; the next run must
 * end it with a newline (and say so) before appending, so no request is ever glued to a fragment.
 * Some trials also cut the last request short on purpose, so the repair is exercised every run
 * of this test, not only when a kill happens to land inside a write.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir } from '../../support/service';
import { startCli } from '../../support/cli-process';

const TRIALS = Number(process.env.KILL9_TRIALS ?? 16);
const LINES_PER_TRIAL = 4000;
const PAD = 'p'.repeat(700);

function appendInput(file: string, from: number, n: number): void {
  const lines: string[] = [];
  for (let i = from; i < from + n; i++) {
    lines.push(JSON.stringify({ event: 'user.login', code: 'T1000I', time: '2024-02-23T10:00:00.000Z', uid: `u-${i}`, user: 'alice', pad: PAD }));
  }
  fs.appendFileSync(file, lines.join('\n') + '\n');
}

/** Byte offset after each input line, to turn a checkpoint into the lines it acknowledges. */
function lineEnds(file: string): number[] {
  const text = fs.readFileSync(file);
  const ends: number[] = [];
  for (let i = text.indexOf(10); i !== -1; i = text.indexOf(10, i + 1)) ends.push(i + 1);
  return ends;
}

function checkpointOffset(storage: string): number {
  const file = path.join(storage, 'filelog.checkpoints.json');
  if (!fs.existsSync(file)) return 0;
  const files = JSON.parse(fs.readFileSync(file, 'utf8')).files as { offset: number }[];
  return files.length === 0 ? 0 : files[0].offset;
}

interface Output { uids: Set<string>; unparseable: string[]; endsWithNewline: boolean }

function readOutput(file: string): Output {
  const out: Output = { uids: new Set(), unparseable: [], endsWithNewline: true };
  if (!fs.existsSync(file)) return out;
  const text = fs.readFileSync(file, 'utf8');
  out.endsWithNewline = text === '' || text.endsWith('\n');
  const lines = text.split('\n');
  if (out.endsWithNewline) lines.pop();
  for (const line of lines) {
    try {
      const req = JSON.parse(line) as { resourceLogs: { scopeLogs: { logRecords: { attributes: { key: string; value: { stringValue: string } }[] }[] }[] }[] };
      for (const rl of req.resourceLogs) for (const sl of rl.scopeLogs) for (const lr of sl.logRecords) {
        out.uids.add(lr.attributes.find((a) => a.key === 'log.record.uid')!.value.stringValue);
      }
    } catch {
      out.unparseable.push(line);
    }
  }
  return out;
}

const REPAIR = /WARN \[file\/out\] .*: its last line was cut short by an earlier run/g;

describe('file exporter: kill -9 during large writes (CLI)', function () {
  this.timeout(240_000);

  it(`${TRIALS} kills and restarts: no request glued to a fragment, every fragment repaired and counted, nothing acknowledged missing`, async () => {
    const dir = tmpDir();
    const input = path.join(dir, 'audit.log');
    const output = path.join(dir, 'out.jsonl');
    const storage = path.join(dir, 'state');
    const config = path.join(dir, 'pipeline.yaml');
    fs.writeFileSync(config, `
receivers:
  filelog:
    include: [${JSON.stringify(input)}]
    storage: ${JSON.stringify(storage)}
    poll_interval: 20ms
    max_batch_size: 4000
exporters:
  file/out: {path: ${JSON.stringify(output)}, append: true}
  file/dead-letter: {path: ${JSON.stringify(path.join(dir, 'dead-letter.jsonl'))}, append: true}
service:
  pipelines:
    logs: {receivers: [filelog], exporters: [file/out], dead_letter: [file/dead-letter]}
`);
    let total = 0;
    let fragmentsLeft = 0;
    let fragmentsMade = 0;
    let repairsLogged = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      appendInput(input, total, LINES_PER_TRIAL);
      total += LINES_PER_TRIAL;
      const cli = startCli(['run', '-c', config, '--no-progress']);
      // Kill while the run is writing: the moment its output starts to grow (a write of several
      // MB is under way), or a random moment later.
      const sizeAtStart = fs.existsSync(output) ? fs.statSync(output).size : 0;
      const deadline = Date.now() + 20_000;
      // (More than the one byte a repair writes, which is logged right after it.)
      while ((fs.existsSync(output) ? fs.statSync(output).size : 0) <= sizeAtStart + 1 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
      if (trial % 3 === 2) await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 150)));
      cli.child.kill('SIGKILL');
      await cli.exit;
      repairsLogged += (cli.stderr().match(REPAIR) ?? []).length;

      const after = readOutput(output);
      // The lines that do not parse are the earlier fragments (each ended by a repair) and, maybe,
      // the last line this kill cut short: no run appended onto a fragment.
      const cut = after.endsWithNewline ? 0 : 1;
      assert.equal(after.unparseable.length, fragmentsLeft + fragmentsMade + cut, `trial ${trial}: only fragments do not parse`);
      fragmentsLeft += cut;
      // What the checkpoint says was acknowledged is in the output.
      const ends = lineEnds(input);
      const acked = ends.filter((e) => e <= checkpointOffset(storage)).length;
      for (let i = 0; i < acked; i++) assert.ok(after.uids.has(`u-${i}`), `trial ${trial}: acknowledged u-${i} is missing`);
      // Every other trial, tear the last request on purpose (what a kill inside a write leaves).
      if (trial % 2 === 1 && after.endsWithNewline) {
        fs.appendFileSync(output, '{"resourceLogs":[{"resource":{"attributes":[{"key":"service.na');
        fragmentsMade++;
      }
    }
    const final = startCli(['run', '-c', config, '--once', '--no-progress']);
    const { code } = await final.exit;
    assert.equal(code, 0, final.stderr());
    repairsLogged += (final.stderr().match(REPAIR) ?? []).length;

    const out = readOutput(output);
    assert.ok(out.endsWithNewline);
    assert.equal(repairsLogged, fragmentsLeft + fragmentsMade, 'each fragment was repaired once, and said so');
    assert.equal(out.unparseable.length, repairsLogged, 'the only lines that do not parse are the repaired fragments');
    for (const line of out.unparseable) assert.ok(line.startsWith('{"resourceLogs":'), 'a fragment is a cut-short request');
    const missing = Array.from({ length: total }, (_, i) => `u-${i}`).filter((u) => !out.uids.has(u));
    assert.deepEqual(missing, [], 'every record is in the output');
    process.stdout.write(`      (${TRIALS} kills: ${fragmentsLeft} left a cut-short line, ${fragmentsMade} torn on purpose; ${repairsLogged} repairs)\n`);
  });
});
