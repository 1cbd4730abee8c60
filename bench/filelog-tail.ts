/**
 * Tailing a growing file: the pipeline runs in follow mode (no --once) in a child process while
 * this process appends generated Teleport lines to the file it tails, as fast as the disk takes
 * them, in 1 MiB appends. Measured in the child, from the first append until the last line is
 * exported: wall time, CPU time, peak RSS; printed beside the floor (read + JSON.parse +
 * JSON.stringify of the same lines in one process).
 * Usage: node dist/bench/filelog-tail.js [events]   (default 1,000,000)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../core/config/load';
import { Service } from '../core/pipeline/service';
import { registry } from '../components';
import { silentLogger } from '../core/telemetry/logger';
import { parseResult, printResult, report, type Measurement } from './lib/measure';
import { benchSetup } from './lib/setup';

async function child(configFile: string, events: number): Promise<void> {
  const config = parseConfig(fs.readFileSync(configFile, 'utf8'), configFile, registry, {});
  const service = new Service(config, { logger: silentLogger, dataDir: path.dirname(configFile), once: false, registry });
  await service.start();
  // Wait for the parent's "go" (it appends right after) so setup is not measured.
  process.stdout.write('READY\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  const started = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const exported = () => service.pipelines.reduce((n, p) => n + p.stats.exported, 0);
  while (exported() < events) await new Promise((r) => setTimeout(r, 5));
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  await service.shutdown(5000);
  printResult(started, {}, { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 });
  process.exit(0);
}

async function tail(name: string, configFile: string, source: string, growing: string, events: number): Promise<Measurement> {
  fs.writeFileSync(growing, '');
  const proc = spawn(process.execPath, [__filename, 'child', configFile, String(events)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.setEncoding('utf8');
  const ready = new Promise<void>((resolve) => proc.stdout.on('data', (d: string) => { out += d; if (out.includes('READY')) resolve(); }));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', resolve));
  await ready;
  proc.stdin.write('go\n');
  const src = fs.openSync(source, 'r');
  const dst = fs.openSync(growing, 'a');
  const buf = Buffer.allocUnsafe(1 << 20);
  for (;;) {
    const n = fs.readSync(src, buf, 0, buf.length, null);
    if (n === 0) break;
    fs.writeSync(dst, buf, 0, n);
    // Yield so the append rate is the disk's, not one burst.
    await new Promise((r) => setImmediate(r));
  }
  fs.closeSync(src);
  fs.closeSync(dst);
  const code = await exited;
  return { name, events, ...parseResult(name, out, code) };
}

async function main(): Promise<void> {
  const { events, dir, input: source, floor } = benchSetup(', appended while tailed');
  const growing = path.join(dir, 'tail-growing.log');
  const configs = {
    debug: 'debug: {verbosity: basic}',
    file: `file: {path: ${JSON.stringify(path.join(dir, 'filelog-tail.otlp.jsonl'))}}`,
  };
  const results: Measurement[] = [];
  for (const [exporter, block] of Object.entries(configs)) {
    const config = path.join(dir, `filelog-tail-${exporter}.yaml`);
    fs.writeFileSync(config, `
receivers:
  filelog: {include: [${JSON.stringify(growing)}], start_at: beginning, poll_interval: 50ms}
exporters:
  ${block}
service:
  pipelines:
    logs: {receivers: [filelog], exporters: [${exporter}]}
`);
    results.push(await tail(`filelog (tail) -> ${exporter}`, config, source, growing, events));
  }
  fs.rmSync(growing, { force: true });
  process.stdout.write(report(floor, results) + '\n');
}

if (process.argv[2] === 'child') void child(process.argv[3], Number(process.argv[4]));
else void main();
