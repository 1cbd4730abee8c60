/**
 * A write cut short by the operating system (here `ulimit -f`: the kernel writes up to the limit,
 * then refuses with EFBIG, as a disk filling up mid-write does) must be continued or failed, never
 * acknowledged, and must not leave a fragment for the next run to glue onto.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir } from '../../support/service';
import { syntheticLines } from '../otlphttp/helpers';
import { startCli } from '../../support/cli-process';

const N = 3000;

function parse(file: string): { uids: Set<string>; lines: number; bad: number; size: number } {
  const text = fs.readFileSync(file, 'utf8');
  const out = { uids: new Set<string>(), lines: 0, bad: 0, size: Buffer.byteLength(text) };
  assert.ok(text === '' || text.endsWith('\n'), 'the file ends with a whole line');
  for (const line of text.split('\n').filter(Boolean)) {
    out.lines++;
    try {
      const req = JSON.parse(line) as { resourceLogs: { scopeLogs: { logRecords: { attributes: { key: string; value: { stringValue: string } }[] }[] }[] }[] };
      for (const rl of req.resourceLogs) for (const sl of rl.scopeLogs) for (const lr of sl.logRecords) {
        out.uids.add(lr.attributes.find((a) => a.key === 'log.record.uid')!.value.stringValue);
      }
    } catch {
      out.bad++;
    }
  }
  return out;
}

describe('file exporter: a write cut short by the OS (CLI)', function () {
  this.timeout(60_000);

  it('fails the batch unacknowledged and cuts the partial write off; the next run writes everything, every line whole', async () => {
    const dir = tmpDir();
    const input = path.join(dir, 'audit.log');
    const pad = 'x'.repeat(600);
    fs.writeFileSync(input, syntheticLines(N, 'w').map((l) => l.replace(/}$/, `,"pad":"${pad}"}`)).join('\n') + '\n');
    const output = path.join(dir, 'out.jsonl');
    const config = path.join(dir, 'pipeline.yaml');
    fs.writeFileSync(config, `
receivers:
  filelog: {include: [${JSON.stringify(input)}], storage: ${JSON.stringify(path.join(dir, 'state'))}, max_batch_size: 500}
exporters:
  file/out: {path: ${JSON.stringify(output)}, append: true}
service:
  pipelines:
    logs: {receivers: [filelog], exporters: [file/out]}
`);
    const env = { TELEPORT_OTEL_ONCE_FAILING_TIMEOUT_MS: '1000' };
    const limitKb = 1024;
    const first = startCli(['run', '-c', config, '--once', '--no-progress'], env, undefined, limitKb);
    assert.equal((await first.exit).code, 1, first.stderr());
    assert.match(first.stderr(), /exporters\.file\/out\.path: cannot write .*out\.jsonl: EFBIG/);
    const partial = parse(output);
    assert.ok(partial.size < limitKb * 1024, `cut back below the limit (${partial.size} bytes)`);
    assert.equal(partial.bad, 0, 'no fragment left behind');
    assert.ok(partial.uids.size > 0 && partial.uids.size < N, `${partial.uids.size} records written before the limit`);

    const second = startCli(['run', '-c', config, '--once', '--no-progress']);
    assert.equal((await second.exit).code, 0, second.stderr());
    assert.doesNotMatch(second.stderr(), /cut short/, 'nothing to repair');
    const all = parse(output);
    assert.equal(all.bad, 0);
    assert.equal(all.uids.size, N, 'every record, the unacknowledged ones written by the second run');
  });
});
