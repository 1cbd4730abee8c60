import fs from 'node:fs';
import path from 'node:path';

const FIXTURES = path.resolve('test/fixtures/ecs');
const SAMPLE_FILES = ['teleport-samples.jsonl', 'elastic-teleport-all-events.log', 'elastic-teleport-generated.log'];

/** The 450 sample events (Teleport's tests and docs, Elastic's integration tests), one per line. */
export function sampleLines(): string[] {
  return SAMPLE_FILES.flatMap((f) => fs.readFileSync(path.join(FIXTURES, f), 'utf8').split('\n').filter((l) => l.trim() !== ''));
}
