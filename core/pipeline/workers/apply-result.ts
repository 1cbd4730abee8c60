/**
 * Writes what a worker returned onto the main thread's records: failures become RecordFailures of
 * those records (dead letter), the others get each exporter's encoding (and the processed fields
 * when an exporter has no encoder); processor counters are replayed on the main registry.
 */
import type { EncodedRecord, LogRecord, RecordFailure } from '../../record';
import type { ProcessorHandle } from '../pipeline';
import type { BatchResult } from './protocol';

export function applyWorkerResult(
  records: readonly LogRecord[], result: BatchResult, processors: readonly ProcessorHandle[], failures: RecordFailure[],
): LogRecord[] {
  result.counts.forEach(([accepted, refused], i) => {
    processors[i].telemetry.accepted(accepted);
    processors[i].telemetry.refused(refused);
  });
  for (const c of result.counters) processors[c.processor].telemetry.counter(c.name, c.help).inc(c.n);
  for (const f of result.failures) failures.push({ record: records[f.index], code: f.code, reason: f.reason, component: f.component });

  const passed = result.passed;
  const unencodable = new Set<number>();
  const exporters = Object.entries(result.encoded);
  for (const [id, batch] of exporters) {
    for (const f of batch.failures) {
      // Refused by one exporter's encoder: dead-lettered, as that exporter would reject it.
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
      record.event = processed.event;
      record.panther = processed.panther;
      record.attributes = processed.attributes;
    }
    out.push(record);
  }
  return out;
}
