/** One processor step, shared by pipelines on the main thread and on worker threads. */
import type { Processor, ProcessResult } from '../component';
import { isolateRecords } from '../isolate';
import type { LogRecord } from '../record';

/**
 * A processor that throws has a bug for some record: that record alone is dead-lettered
 * (core/isolate.ts) and the others go on, rather than the batch or the process going down.
 */
export async function runProcessor(step: { readonly id: string; readonly processor: Processor }, records: LogRecord[]): Promise<ProcessResult> {
  if (records.length === 0) return { records, failed: [], filtered: 0 };
  const { results, failed } = await isolateRecords(records, step.id, (batch) => step.processor.process(batch as LogRecord[]));
  if (results.length === 1 && failed.length === 0) return results[0];
  return {
    records: results.flatMap((r) => r.records),
    failed: [...failed, ...results.flatMap((r) => r.failed)],
    filtered: results.reduce((n, r) => n + (r.filtered ?? 0), 0),
  };
}

/**
 * Records a processor filtered out: every input it neither returned nor failed. `undeclared` is
 * how many of those it did not declare in `filtered` (a bug, reported so it is not silent); they
 * are handled all the same, since nothing downstream holds them any more.
 */
export function filteredBy(inputs: number, result: ProcessResult): { filtered: number; undeclared: number } {
  const missing = Math.max(inputs - result.records.length - result.failed.length, 0);
  return { filtered: missing, undeclared: Math.max(missing - (result.filtered ?? 0), 0) };
}
