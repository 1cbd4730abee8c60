/**
 * Records → Panther lines, the panther exporter's serialization split from its I/O so it can also
 * run on a pipeline's worker threads. A record's key is its log type and the hour of its
 * p_event_time: the file it belongs in.
 */
import type { EncodedBatch, RecordEncoder } from '../../core/component';
import { stringifyLossless } from '../../core/json-lossless';
import type { LogRecord } from '../../core/record';
import { PantherLines } from './serialize';

/** `YYYY-MM-DD HH` at the start of a Panther timestamp. */
const PANTHER_HOUR = /^\d{4}-\d{2}-\d{2} \d{2}/;
const HOUR_LENGTH = 13;

/** `<log type>\n<YYYY-MM-DD HH>` → its two parts. */
export function splitKey(key: string): { logType: string; hour: string } {
  const cut = key.lastIndexOf('\n');
  return { logType: key.slice(0, cut), hour: key.slice(cut + 1) };
}

export class PantherRecordEncoder implements RecordEncoder {
  /** Bytes per line seen in the last call, to size the next call's buffer. */
  private lineBytes = 1024;

  encode(records: readonly LogRecord[]): EncodedBatch {
    const n = records.length;
    const lines = new PantherLines(Math.ceil(this.lineBytes * n * 1.1) + 4096);
    const keys = new Array<string>(n);
    const ok = new Uint8Array(n);
    const failures: { index: number; reason: string }[] = [];
    let lastKey = '';
    for (let i = 0; i < n; i++) {
      const p = records[i].panther;
      const logType = p?.p_log_type;
      const time = p?.p_event_time;
      keys[i] = '';
      if (p === undefined || typeof logType !== 'string' || typeof time !== 'string' || !PANTHER_HOUR.test(time)) {
        const reason = p === undefined
          ? 'record has no Panther view: put the schema processor before the panther exporter in this pipeline'
          : `record has no usable p_log_type/p_event_time (${JSON.stringify(time)})`;
        failures.push({ index: i, reason });
        continue;
      }
      const json = stringifyLossless(p);
      // Consecutive records mostly share the key: reuse the string.
      keys[i] = lastKey.length === logType.length + 1 + HOUR_LENGTH && lastKey.startsWith(logType) && time.startsWith(lastKey.slice(-HOUR_LENGTH))
        ? lastKey
        : (lastKey = `${logType}\n${time.slice(0, HOUR_LENGTH)}`);
      lines.add(json);
      ok[i] = 1;
    }
    if (n - failures.length > 0) this.lineBytes = Math.ceil(lines.byteLength / (n - failures.length));
    const bytes = lines.finish();
    // Go escapes may have changed line lengths: find the ends again (a JSON line holds no raw newline).
    const ends = new Int32Array(n);
    let at = 0;
    for (let i = 0; i < n; i++) {
      if (ok[i] === 1) at = bytes.indexOf(0x0a, at) + 1;
      ends[i] = at;
    }
    return { bytes, ends, keys, failures };
  }
}
