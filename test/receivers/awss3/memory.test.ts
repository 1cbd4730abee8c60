/**
 * A 200 MB object through the real CLI (a child process, RSS sampled from /proc): memory stays
 * bounded while it is streamed, and its message stays hidden the whole time (visibility
 * heartbeat), so with two workers and a 1 s visibility timeout no second worker reads it: the
 * run reads each line exactly once. AWSS3_MEMORY_MB changes the size.
 */
import fs from 'node:fs';
import { sampleEvents } from '../../../bench/lib/generate';
import { readBigObjectOnce, RSS_LIMIT_MB } from './big-object';

const MEGABYTES = Number(process.env.AWSS3_MEMORY_MB ?? 200);

/** Writes about `mb` megabytes of sample events, chunk by chunk; returns the line count. */
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

describe('awss3 receiver: a big object', function () {
  this.timeout(300_000);

  it(`streams a ${MEGABYTES} MB object with RSS under ${RSS_LIMIT_MB} MB, its visibility extended so no second worker reads it`, async function () {
    if (!fs.existsSync('/proc/self/status')) this.skip();
    const r = await readBigObjectOnce({ write: (file) => writeFile(file, MEGABYTES), bucketPrefix: 'big', key: 'logs/big.log', deadlineMs: 90_000 });
    process.stdout.write(`      ${r.count} lines in ${r.seconds}s, peak RSS ${r.peakMb.toFixed(0)} MB\n`);
  });
});
