/**
 * `filelog -> file` against the floor (read + JSON.parse + JSON.stringify of the same file), in
 * one run. Usage: npm run bench [-- <events>]   (default 1,000,000).
 */
import fs from 'node:fs';
import path from 'node:path';
import { measure, report } from './lib/measure';
import { benchSetup } from './lib/setup';

const { events, dir, input, floor } = benchSetup();
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
const pipeline = measure('filelog -> file', events, ['pipeline', config]);
process.stdout.write(report(floor, [pipeline]) + '\n');
