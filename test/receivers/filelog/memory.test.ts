/**
 * Memory stays bounded while a large file is read into an exporter ~10x slower than the reader:
 * the real CLI in a child process, its resident set sampled from /proc. The default file is
 * 64 MB to keep the suite fast; FILELOG_MEMORY_MB=1024 runs the 1 GB case.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sampleEvents } from '../../../bench/lib/generate';
import { tmpDir } from './helpers';

const RUNNER = path.resolve(__dirname, '../../support/run-pipeline.js');
const MEGABYTES = Number(process.env.FILELOG_MEMORY_MB ?? 64);
const RSS_LIMIT_MB = 200;

/** Writes about `mb` megabytes of sample events; returns the line count. */
function writeFile(file: string, mb: number): number {
  const events = sampleEvents().map((e) => JSON.stringify(e));
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  let n = 0;
  while (bytes < mb * 1e6) {
    const chunk: string[] = [];
    for (let i = 0; i < 10_000; i++) chunk.push(events[(n + i) % events.length].replace('{', `{"seq":${n + i},`));
    const text = chunk.join('\n') + '\n';
    fs.writeSync(fd, text);
    bytes += Buffer.byteLength(text);
    n += chunk.length;
  }
  fs.closeSync(fd);
  return n;
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

describe('filelog receiver: bounded memory with a slow exporter', function () {
  this.timeout(600_000);

  it(`reads a ${MEGABYTES} MB file into a slow exporter with RSS under ${RSS_LIMIT_MB} MB`, async function () {
    if (!fs.existsSync('/proc/self/status')) this.skip();
    const dir = tmpDir();
    const input = path.join(dir, 'big.log');
    const count = writeFile(input, MEGABYTES);
    const config = path.join(dir, 'pipeline.yaml');
    // The receiver alone reads ~1.5M lines/s here; the file exporter (OTLP/JSON encoding) takes
    // ~90k lines/s, over 10x slower, so reading is held back by backpressure the whole time. (The
    // test exporter is not used: it keeps every accepted line in memory.)
    fs.writeFileSync(config, `
receivers:
  filelog: {include: [${JSON.stringify(input)}], max_batch_size: 1000}
exporters:
  file: {path: /dev/null, fsync: false, append: true}
service:
  pipelines:
    logs: {receivers: [filelog], exporters: [file]}
`);
    const child = spawn(process.execPath, [RUNNER, 'run', '-c', config, '--once', '--data-dir', dir, '--log-level', 'error'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    let peak = 0;
    const sampler = setInterval(() => { peak = Math.max(peak, rssMb(child.pid!)); }, 25);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearInterval(sampler);
    assert.equal(code, 0, stderr);
    assert.match(stderr, new RegExp(`read ${count}, exported ${count}, dead-lettered 0`));
    assert.ok(peak > 0, 'RSS was sampled');
    assert.ok(peak < RSS_LIMIT_MB, `peak RSS ${peak.toFixed(0)} MB`);
    if (process.env.FILELOG_MEMORY_MB) process.stdout.write(`      ${count} lines, peak RSS ${peak.toFixed(0)} MB\n`);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
