/** Counting without decoding, for the benchmark sinks. */
import { Reader } from 'protobufjs';

/** LogRecords in a protobuf ExportLogsServiceRequest: resource_logs(1) → scope_logs(2) → log_records(2). */
export function countLogRecords(body: Uint8Array): number {
  let n = 0;
  const each = (buf: Uint8Array, field: number, fn: (sub: Uint8Array) => void) => {
    const r = Reader.create(buf);
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag >>> 3 === field && (tag & 7) === 2) fn(r.bytes());
      else r.skipType(tag & 7);
    }
  };
  each(body, 1, (rl) => each(rl, 2, (sl) => each(sl, 2, () => { n++; })));
  return n;
}
