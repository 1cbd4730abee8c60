/**
 * Per-record isolation, through the real Service: a processor or an encoder that throws on one
 * record dead-letters that record alone (`internal`, with the message and its position), on the
 * main thread and on worker threads; its batch mates are exported.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { TestExporter } from '../support/test-exporter';
import { TestReceiver } from '../support/test-components';
import { startService, tmpDir } from '../support/service';
import { readOtlpJsonLines } from '../exporters/otlphttp/helpers';

const lines = Array.from({ length: 12 }, (_, i) => JSON.stringify({ event: 'session.start', code: 'T2000I', n: i, tag: i === 7 ? 'boom' : '' }));

function config(dir: string, o: { workers: number; processor?: string; exporter?: string }): string {
  return `
receivers:
  testreceiver: {lines: ${JSON.stringify(lines)}, batch_size: 6, concurrency: 2}
processors:
  testprocessor: ${o.processor ?? '{}'}
exporters:
  testexporter/out: ${o.exporter ?? '{}'}
  file/dlq: {path: ${JSON.stringify(path.join(dir, 'dlq.jsonl'))}}
service:
  pipelines:
    logs: {receivers: [testreceiver], processors: [testprocessor], exporters: [testexporter/out], dead_letter: [file/dlq], workers: ${o.workers}}
`;
}

async function runAndCheck(dir: string, yaml: string, component: string, message: string): Promise<void> {
  const service = await startService(yaml);
  try {
    await service.drained();
    assert.deepEqual(TestExporter.instances.get('testexporter/out')!.accepted.sort(), lines.filter((_, i) => i !== 7).sort(), 'the batch mates are exported');
    assert.equal(TestReceiver.instances.get('testreceiver')!.checkpoint, lines.length);
  } finally {
    await service.shutdown(2000);
  }
  const letters = readOtlpJsonLines(path.join(dir, 'dlq.jsonl'));
  assert.deepEqual(letters.map((l) => l.body), [lines[7]], 'only the record thrown on is dead-lettered');
  const a = letters[0].attributes;
  assert.equal(a['error.type'], 'internal');
  assert.equal(a['error.message'], `internal error in ${component}: ${message}`);
  assert.equal(a['teleport_otel.component'], component);
  assert.equal(a['teleport_otel.source.line'], 8, 'with its position');
}

describe('per-record isolation', () => {
  for (const workers of [0, 2]) {
    const where = workers === 0 ? 'on the main thread' : `with workers: ${workers}`;
    it(`a processor that throws on one record dead-letters that record alone, ${where}`, async () => {
      const dir = tmpDir();
      await runAndCheck(dir, config(dir, { workers, processor: '{throw_containing: boom}' }), 'testprocessor', 'test processor bug');
    });
  }

  it('an exporter encoder that throws on one record dead-letters that record alone (workers)', async () => {
    const dir = tmpDir();
    await runAndCheck(dir, config(dir, { workers: 1, exporter: '{encoder_throw_containing: boom}' }), 'testexporter/out', 'test encoder bug');
  });
});
