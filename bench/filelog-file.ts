/**
 * `filelog -> file` against the floor (read + JSON.parse + JSON.stringify of the same file), in
 * one run. Usage: npm run bench [-- <events>]   (default 1,000,000).
 */
import fs from 'node:fs';
import path from 'node:path';
import { generateFile, repoRoot } from './lib/generate';
import { measure, report } from './lib/measure';

const events = Number(process.argv[2] ?? 1_000_000);
const dir = path.join(repoRoot(), 'bench', 'out');
const input = path.join(dir, `teleport-${events}.log`);
const size = generateFile(input, events);
const config = path.join(dir, 'filelog-file.yaml');
fs.writeFileSync(config, `
receivers:
  filelog: {include: [${JSON.stringify(input)}], start_at: beginning}
exporters:
  file: {path: ${JSON.stringify(path.join(dir, 'filelog-file.otlp.jsonl'))}}
  file/dead-letter: {path: ${JSON.stringify(path.join(dir, 'dead-letter.jsonl'))}}
service:
  pipelines:
    logs: {receivers: [filelog], exporters: [file], dead_letter: [file/dead-letter]}
`);
process.stdout.write(`${events.toLocaleString('en-US')} events, ${(size / events).toFixed(0)} bytes each on average\n`);
const floor = measure('floor (read+parse+stringify)', events, ['floor', input]);
const pipeline = measure('filelog -> file', events, ['pipeline', config]);
process.stdout.write(report(floor, [pipeline]) + '\n');
