/**
 * Runs one measured job in a fresh process and prints `BENCH {json}` with wall time, CPU time and
 * peak RSS. Jobs: `floor <file>` (read + JSON.parse + JSON.stringify in one process), or
 * `pipeline <config.yaml>` (the real CLI with --once).
 */
import fs from 'node:fs';
import { main } from '../../core/cli/main';

async function floor(file: string): Promise<number> {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let carry = '';
  let n = 0;
  let bytes = 0;
  for (;;) {
    const read = fs.readSync(fd, buf, 0, buf.length, null);
    if (read === 0) break;
    const text = carry + buf.toString('utf8', 0, read);
    const lines = text.split('\n');
    carry = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') continue;
      bytes += JSON.stringify(JSON.parse(line)).length;
      n++;
    }
  }
  fs.closeSync(fd);
  if (bytes === 0) throw new Error('floor read nothing');
  return n;
}

async function run(): Promise<void> {
  const [job, arg] = process.argv.slice(2);
  const started = process.hrtime.bigint();
  let code = 0;
  if (job === 'floor') await floor(arg);
  else code = await main(['run', '-c', arg, '--once', '--no-progress', '--log-level', 'warn']);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const usage = process.resourceUsage();
  const result = { wallMs, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, maxRssMb: usage.maxRSS / 1024, code };
  process.stdout.write(`BENCH ${JSON.stringify(result)}\n`);
  process.exit(code);
}

void run();
