/** Runs jobs in child processes and prints them side by side as ratios to the floor. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export interface Measurement {
  name: string;
  events: number;
  wallMs: number;
  cpuMs: number;
  maxRssMb: number;
}

export function measure(name: string, events: number, args: string[], env: NodeJS.ProcessEnv = {}): Measurement {
  const child = path.join(__dirname, 'child.js');
  const r = spawnSync(process.execPath, [child, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('BENCH '));
  if (!line || r.status !== 0) throw new Error(`${name}: failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  const m = JSON.parse(line.slice(6)) as Omit<Measurement, 'name' | 'events'>;
  return { name, events, ...m };
}

export function report(floor: Measurement, others: Measurement[]): string {
  const rows = [floor, ...others].map((m) => {
    const perSec = (m.events * 1000) / m.wallMs;
    const perCpu = (m.events * 1000) / m.cpuMs;
    const floorPerSec = (floor.events * 1000) / floor.wallMs;
    const floorPerCpu = (floor.events * 1000) / floor.cpuMs;
    return [
      m.name.padEnd(34),
      fmt(perSec).padStart(10),
      fmt(perCpu).padStart(12),
      (m.maxRssMb.toFixed(0) + ' MB').padStart(9),
      (perSec / floorPerSec).toFixed(2).padStart(10),
      (perCpu / floorPerCpu).toFixed(2).padStart(10),
    ].join(' ');
  });
  const head = ['scenario'.padEnd(34), 'events/s'.padStart(10), 'events/cpu-s'.padStart(12), 'peak RSS'.padStart(9), 'wall/floor'.padStart(10), 'cpu/floor'.padStart(10)].join(' ');
  return [head, ...rows].join('\n');
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
