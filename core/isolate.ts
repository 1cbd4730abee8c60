/**
 * Per-record isolation, the core's rule wherever it runs component code over a batch (processors,
 * encoders): code that throws has met a record it has a bug for, and that record alone goes to the
 * dead letter; its batch mates go on. Components need no try/catch of their own for this.
 *
 * The batch is tried whole first (the only cost on the common path); when it throws, each record
 * is tried alone, so the cost of a bad record is one extra pass over its batch.
 */
import type { EncodedBatch, RecordEncoder } from './component';
import { errorMessage } from './errors';
import type { LogRecord, RecordFailure } from './record';

export interface Isolated<T> {
  /** The step's results: one for the whole batch, or one per record that passed alone. */
  readonly results: T[];
  /** The records each result is for, in order (the whole batch, or single records). */
  readonly batches: (readonly LogRecord[])[];
  /** Records the step threw on alone, with the error as an `internal` dead-letter reason. */
  readonly failed: RecordFailure[];
}

export async function isolateRecords<T>(
  records: readonly LogRecord[],
  component: string,
  step: (records: readonly LogRecord[]) => T | Promise<T>,
): Promise<Isolated<T>> {
  try {
    return { results: [await step(records)], batches: [records], failed: [] };
  } catch {
    // Fall through to one record at a time.
  }
  const results: T[] = [];
  const batches: LogRecord[][] = [];
  const failed: RecordFailure[] = [];
  for (const record of records) {
    try {
      results.push(await step([record]));
      batches.push([record]);
    } catch (error) {
      failed.push(internalFailure(record, component, error));
    }
  }
  return { results, batches, failed };
}

export function internalFailure(record: LogRecord, component: string, error: unknown): RecordFailure {
  return { record, code: 'internal', reason: `internal error in ${component}: ${errorMessage(error)}`, component };
}

/**
 * `encoder.encode(records)` under the same rule: records it throws on alone become `internal`
 * failures of the batch (zero bytes), the others keep their bytes: in `allocate`'s buffer when the
 * batch is encoded whole, else (and by default) a fresh ArrayBuffer, transferable from a worker thread.
 */
export function encodeIsolated(
  encoder: RecordEncoder, records: readonly LogRecord[], component: string, allocate?: (size: number) => Uint8Array,
): EncodedBatch {
  try {
    return encoder.encode(records, allocate);
  } catch {
    // Fall through to one record at a time.
  }
  const n = records.length;
  const parts: Uint8Array[] = [];
  const ends = new Int32Array(n);
  const keys = new Array<string>(n).fill('');
  const failures: EncodedBatch['failures'][number][] = [];
  let at = 0;
  for (let i = 0; i < n; i++) {
    try {
      const one = encoder.encode([records[i]]);
      if (one.failures.length > 0) failures.push({ ...one.failures[0], index: i });
      else {
        parts.push(one.bytes);
        at += one.bytes.byteLength;
        keys[i] = one.keys[0];
      }
    } catch (error) {
      failures.push({ index: i, code: 'internal', reason: internalFailure(records[i], component, error).reason });
    }
    ends[i] = at;
  }
  const bytes = new Uint8Array(at);
  let p = 0;
  for (const part of parts) { bytes.set(part, p); p += part.byteLength; }
  return { bytes, ends, keys, failures };
}
