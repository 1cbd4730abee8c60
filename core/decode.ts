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
  if (mayNestDeeperThan(record.raw)) record.event = boundNesting(record.event);
  record.eventTime = timeOf(record.event!);
  return undefined;
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
  const event = (mayNestDeeperThan(record.raw) ? boundNesting(value) : value) as Record<string, unknown>;
  record.event = event;
  record.eventTime = timeOf(event);
  return undefined;
}

/** The event time, read here once for every stage (see LogRecord.eventTime). */
function timeOf(event: Readonly<Record<string, unknown>>): LogRecord['eventTime'] {
  const time = event.time;
  return typeof time === 'string' ? scanRfc3339(time) ?? null : null;
}
