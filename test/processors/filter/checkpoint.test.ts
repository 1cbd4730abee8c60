/**
 * A dropped record is handled: the real CLI (a child process, --once) filters records out, and its
 * filelog checkpoint moves past them, so a restart re-sends nothing; new lines after a restart are
 * filtered the same way and only they are read.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir } from '../../support/service';
import { sampleLines } from './helpers';

const BIN = path.resolve('bin', 'teleport-otel.js');

function runOnce(dir: string): string {
  const r = spawnSync(process.execPath, [BIN, 'run', '-c', 'pipeline.yaml', '--once', '--data-dir', 'data'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stderr.trim().split('\n').pop()!;
}

function bodies(file: string): string[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)
    .flatMap((l) => JSON.parse(l).resourceLogs.flatMap((rl: any) => rl.scopeLogs.flatMap((sl: any) => sl.logRecords.map((r: any) => r.body.stringValue))));
}

describe('filter processor: checkpoints move past dropped records (real CLI, restarts)', function () {
  this.timeout(120_000);

  it('a restart re-sends nothing, and later lines are filtered alike', () => {
    const dir = tmpDir();
    const lines = sampleLines();
    const first = lines.slice(0, 300);
    const later = lines.slice(300);
    const input = path.join(dir, 'audit.log');
    fs.writeFileSync(input, first.join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'pipeline.yaml'), `
receivers:
  filelog: {include: [audit.log], start_at: beginning, storage: data/checkpoints}
processors:
  filter: {default_action: drop, rules: [{name: logins, action: keep, when: {event: 'user.login'}}]}
exporters:
  file/out: {path: out.jsonl, append: true}
  file/dead: {path: dead.jsonl}
service:
  pipelines:
    logs: {receivers: [filelog], processors: [filter], exporters: [file/out], dead_letter: [file/dead]}
`);
    const isLogin = (l: string) => JSON.parse(l).event === 'user.login';
    const keptFirst = first.filter(isLogin);
    assert.ok(keptFirst.length > 0 && keptFirst.length < first.length - 100);

    assert.match(runOnce(dir), new RegExp(`logs: read 300, exported ${keptFirst.length}, filtered ${300 - keptFirst.length}, dead-lettered 0$`));
    assert.deepEqual(bodies(path.join(dir, 'out.jsonl')).sort(), [...keptFirst].sort());

    // Nothing new: nothing read, nothing sent again, although most of what was read was dropped.
    assert.match(runOnce(dir), /logs: read 0, exported 0, dead-lettered 0$/);
    assert.equal(bodies(path.join(dir, 'out.jsonl')).length, keptFirst.length);

    // Only the dropped tail of the file, then a restart: the checkpoint moved past it too.
    const droppedOnly = later.filter((l) => !isLogin(l));
    fs.appendFileSync(input, droppedOnly.join('\n') + '\n');
    assert.match(runOnce(dir), new RegExp(`logs: read ${droppedOnly.length}, exported 0, filtered ${droppedOnly.length}, dead-lettered 0$`));
    assert.match(runOnce(dir), /logs: read 0, exported 0, dead-lettered 0$/);

    const keptLater = later.filter(isLogin);
    fs.appendFileSync(input, later.filter(isLogin).join('\n') + '\n');
    assert.match(runOnce(dir), new RegExp(`logs: read ${keptLater.length}, exported ${keptLater.length}, dead-lettered 0$`));
    assert.deepEqual(bodies(path.join(dir, 'out.jsonl')).sort(), [...keptFirst, ...keptLater].sort());
    assert.equal(fs.existsSync(path.join(dir, 'dead.jsonl')) ? fs.readFileSync(path.join(dir, 'dead.jsonl'), 'utf8') : '', '', 'nothing dead-lettered');
  });
});
