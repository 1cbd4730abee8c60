/**
 * JSON decoding of raw lines, done once per record before fan-out. A line that is not a JSON
 * object is a permanent failure of that record only. Values nested deeper than the process's
 * limit are kept as their JSON text (core/nesting.ts), so no component downstream walks deeper.
 */
import { boundNesting, mayNestDeeperThan } from './nesting';
import type { LogRecord, RecordFailure } from './record';
import { scanRfc3339 } from './time';

export const DECODE_COMPONENT = 'decode';

/** Sets `event` on every record it can; returns the ones that cannot be decoded. */
export function decodeRecords(records: LogRecord[]): { records: LogRecord[]; failed: RecordFailure[] } {
  let failed: RecordFailure[] | undefined;
  let good: LogRecord[] | undefined;
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    const failure = record.event === undefined ? decodeOne(record) : bound(record);
    if (failure) {
      if (!failed) { failed = []; good = records.slice(0, i); }
      failed.push(failure);
    } else if (good) {
      good.push(record);
    }
  }
  return { records: good ?? records, failed: failed ?? [] };
}

/** A receiver that parsed the event itself (from `raw`) gets the same bound. */
function bound(record: LogRecord): undefined {
  adoptEvent(record, record.event!);
  return undefined;
}

/**
 * Makes `event` (parsed from `record.raw`) the record's event as decoding does: nesting bounded,
 * `eventTime` read from it. Also for a processor that rewrites `raw` and `event` (redaction), so
 * every later stage sees the time of the event it carries.
 */
export function adoptEvent(record: LogRecord, event: Readonly<Record<string, unknown>>): void {
  const adopted = mayNestDeeperThan(record.raw) ? (boundNesting(event) as Record<string, unknown>) : event;
  record.event = adopted;
  record.eventTime = timeOf(adopted);
}

function decodeOne(record: LogRecord): RecordFailure | undefined {
  if (record.refusal) return { record, ...record.refusal };
  let value: unknown;
  try {
    value = JSON.parse(record.raw);
  } catch (err) {
    const reason = `not valid JSON: ${(err as Error).message}`;
    return { record, code: 'json_invalid', reason, component: DECODE_COMPONENT };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return { record, code: 'json_not_object', reason: `not a JSON object but ${what}`, component: DECODE_COMPONENT };
  }
  adoptEvent(record, value as Record<string, unknown>);
  return undefined;
}

/** The event time, read here once for every stage (see LogRecord.eventTime). */
function timeOf(event: Readonly<Record<string, unknown>>): LogRecord['eventTime'] {
  const time = event.time;
  return typeof time === 'string' ? scanRfc3339(time) ?? null : null;
}
