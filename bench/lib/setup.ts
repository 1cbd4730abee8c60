/** What every bench script starts with: the input file, a header line, and the floor measured on it. */
import path from 'node:path';
import { generateFile, repoRoot } from './generate';
import { measure, type Measurement } from './measure';

export interface BenchSetup {
  /** Events in the input: argv[2], default 1,000,000. */
  events: number;
  /** bench/out: inputs, configs and outputs of the runs. */
  dir: string;
  input: string;
  floor: Measurement;
}

export function benchSetup(note = ''): BenchSetup {
  const events = Number(process.argv[2] ?? 1_000_000);
  const dir = path.join(repoRoot(), 'bench', 'out');
  const input = path.join(dir, `teleport-${events}.log`);
  const size = generateFile(input, events);
  process.stdout.write(`${events.toLocaleString('en-US')} events, ${(size / events).toFixed(0)} bytes each on average${note}\n`);
  return { events, dir, input, floor: measure('floor (read+parse+stringify)', events, ['floor', input]) };
}
