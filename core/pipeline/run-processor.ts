/** One processor step, shared by pipelines on the main thread and on worker threads. */
import type { Processor, ProcessResult } from '../component';
import { isolateRecords } from '../isolate';
import type { LogRecord } from '../record';

/**
 * A processor that throws has a bug for some record: that record alone is dead-lettered
 * (core/isolate.ts) and the others go on, rather than the batch or the process going down.
 */
export async function runProcessor(step: { readonly id: string; readonly processor: Processor }, records: LogRecord[]): Promise<ProcessResult> {
  if (records.length === 0) return { records, failed: [] };
  const { results, failed } = await isolateRecords(records, step.id, (batch) => step.processor.process(batch as LogRecord[]));
  if (results.length === 1 && failed.length === 0) return results[0];
  return {
    records: results.flatMap((r) => r.records),
    failed: [...failed, ...results.flatMap((r) => r.failed)],
  };
}
