/**
 * Measured jobs run in child processes that print one `BENCH {json}` line (wall time, CPU time,
 * peak RSS); the parent prints them side by side as ratios to the floor.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface Measurement {
  name: string;
  events: number;
  wallMs: number;
  cpuMs: number;
  maxRssMb: number;
  /** CPU time of the main thread alone (Linux; else undefined): the rest is gzip, GC helpers, the JIT, I/O. */
  mainCpuMs?: number;
}

type Result = Omit<Measurement, 'name' | 'events'>;

/**
 * In a measured child: prints its result line. Wall time runs from `startedHr` to now and CPU time
 * is the whole process's, unless `measured` gives them (a job that measures only part of its run).
 */
export function printResult(startedHr: bigint, extra: Record<string, unknown> = {}, measured: { wallMs?: number; cpuMs?: number } = {}): void {
  const usage = process.resourceUsage();
  const result = {
    wallMs: measured.wallMs ?? Number(process.hrtime.bigint() - startedHr) / 1e6,
    cpuMs: measured.cpuMs ?? (usage.userCPUTime + usage.systemCPUTime) / 1000,
    maxRssMb: usage.maxRSS / 1024,
    mainCpuMs: measured.cpuMs === undefined ? mainThreadCpuMs() : undefined,
    code: 0,
    ...extra,
  };
  process.stdout.write(`BENCH ${JSON.stringify(result)}\n`);
}

/**
 * CPU time of this process's main thread from /proc (utime + stime, in clock ticks of 10 ms), or
 * undefined where there is no /proc.
 */
function mainThreadCpuMs(): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** The result line in a child's output. */
export function parseResult(name: string, stdout: string, status: number | null, stderr = ''): Result {
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH '));
  if (!line || status !== 0) throw new Error(`${name}: failed (exit ${status}): ${stderr.slice(-2000)}`);
  return JSON.parse(line.slice(6)) as Result;
}

/**
 * V8 flags of every measured process, the floor and peers included: the ones teleport-otel ships
 * with (bin/teleport-otel.js, `npm start`, the Docker image). The floor gains nothing from them.
 */
export const NODE_FLAGS = ['--max-semi-space-size=16', '--max-inlined-bytecode-size-cumulative=300'];

/**
 * Runs `script args...` (default: bench/lib/child.js, the floor and the CLI) with `flags` (default
 * NODE_FLAGS) and reads its result.
 */
export function measure(name: string, events: number, args: string[], script = path.join(__dirname, 'child.js'), flags = NODE_FLAGS): Measurement {
  const r = spawnSync(process.execPath, [...flags, script, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { name, events, ...parseResult(name, r.stdout, r.status, r.stderr) };
}

/** As `measure`, without blocking this process: for benches whose peers (emulators) run in it. */
export function measureAsync(name: string, events: number, args: string[], script = path.join(__dirname, 'child.js')): Promise<Measurement> {
  const child = spawn(process.execPath, [...NODE_FLAGS, script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => {
      try {
        resolve({ name, events, ...parseResult(name, stdout, status, stderr) });
      } catch (err) {
        reject(err);
      }
    });
  });
}

export function report(floor: Measurement, others: Measurement[]): string {
  const floorPerSec = (floor.events * 1000) / floor.wallMs;
  const floorPerCpu = (floor.events * 1000) / floor.cpuMs;
  const rows = [floor, ...others].map((m) => {
    const perSec = (m.events * 1000) / m.wallMs;
    const perCpu = (m.events * 1000) / m.cpuMs;
    return [
      m.name.padEnd(44),
      fmt(perSec).padStart(10),
      fmt(perCpu).padStart(12),
      (m.maxRssMb.toFixed(0) + ' MB').padStart(9),
      (perSec / floorPerSec).toFixed(2).padStart(10),
      (perCpu / floorPerCpu).toFixed(2).padStart(10),
    ].join(' ');
  });
  const head = ['scenario'.padEnd(44), 'events/s'.padStart(10), 'events/cpu-s'.padStart(12), 'peak RSS'.padStart(9), 'wall/floor'.padStart(10), 'cpu/floor'.padStart(10)].join(' ');
  return [head, ...rows].join('\n');
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
