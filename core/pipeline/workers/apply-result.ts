/**
 * Writes what a worker returned onto the main thread's records: failures become RecordFailures of
 * those records (dead letter), the others get each exporter's encoding (and the processed fields
 * when an exporter has no encoder); processor counters are replayed on the main registry.
 */
import { adoptEvent } from '../../decode';
import type { EncodedRecord, LogRecord, RecordFailure } from '../../record';
import type { ProcessorHandle } from '../pipeline';
import type { BatchResult } from './protocol';

/** The pipeline's accounting, which the worker's counts feed. */
export interface WorkerAccounting {
  counted(handle: ProcessorHandle, accepted: number, refused: number, filtered: number, undeclared: number): void;
  /** How many processors a refused record went through (for the processors' dead-letter views). */
  refusedAt(failure: RecordFailure, stage: number): void;
}

export function applyWorkerResult(
  records: readonly LogRecord[], result: BatchResult, processors: readonly ProcessorHandle[], failures: RecordFailure[],
  accounting: WorkerAccounting,
): LogRecord[] {
  result.counts.forEach(([accepted, refused, filtered, undeclared], i) => accounting.counted(processors[i], accepted, refused, filtered, undeclared));
  for (const c of result.counters) {
    const telemetry = processors[c.processor].telemetry;
    if (c.labels === undefined) telemetry.counter(c.name, c.help).inc(c.n);
    else telemetry.labelledCounter(c.name, c.help, c.labelNames ?? []).inc(c.labels, c.n);
  }
  // A rewritten line (redaction) replaces the original everywhere: exporters and dead letters alike.
  for (const [index, raw] of result.rewritten ?? []) records[index].raw = raw;
  for (const f of result.failures) {
    const failure = { record: records[f.index], code: f.code, reason: f.reason, component: f.component };
    failures.push(failure);
    accounting.refusedAt(failure, f.stage);
  }

  const passed = result.passed;
  const unencodable = new Set<number>();
  const exporters = Object.entries(result.encoded);
  for (const [id, batch] of exporters) {
    for (const f of batch.failures) {
      // Refused by one exporter's encoder: dead-lettered, as that exporter would reject it.
      // (No refusedAt: it went through every processor.)
      if (!unencodable.has(f.index)) failures.push({ record: records[passed[f.index]], code: f.code ?? 'export_rejected', reason: f.reason, component: id });
      unencodable.add(f.index);
    }
  }
  const out: LogRecord[] = [];
  for (let j = 0; j < passed.length; j++) {
    if (unencodable.has(j)) continue;
    const record = records[passed[j]];
    if (exporters.length > 0) {
      const encoded: Record<string, EncodedRecord> = {};
      for (const [id, batch] of exporters) {
        const start = j === 0 ? 0 : batch.ends[j - 1];
        encoded[id] = { bytes: batch.bytes.subarray(start, batch.ends[j]), key: batch.keys[j] };
      }
      record.encoded = encoded;
    }
    const processed = result.processed?.[j];
    if (processed) {
      // A rewritten event (redaction) brings its own time; otherwise the time read at decode stands.
      if (processed.event !== undefined && record.event !== undefined && processed.event.time !== record.event.time) adoptEvent(record, processed.event);
      else record.event = processed.event;
      record.panther = processed.panther;
      record.attributes = processed.attributes;
    }
    out.push(record);
  }
  return out;
}
