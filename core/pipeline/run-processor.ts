/** One processor step, shared by pipelines on the main thread and on worker threads. */
import type { Processor, ProcessResult } from '../component';
import { errorMessage } from '../errors';
import type { LogRecord } from '../record';

/** A processor that throws has a bug; its batch is dead-lettered rather than crashing the process. */
export async function runProcessor(step: { readonly id: string; readonly processor: Processor }, records: LogRecord[]): Promise<ProcessResult> {
  if (records.length === 0) return { records, failed: [] };
  try {
    return await step.processor.process(records);
  } catch (error) {
    const reason = `internal error: ${errorMessage(error)}`;
    return { records: [], failed: records.map((record) => ({ record, code: 'internal', reason, component: step.id })) };
  }
}
