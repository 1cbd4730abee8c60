/**
 * Readers of the two small messages a gRPC OTLP server answers with besides success: the
 * `google.rpc.Status` in the `grpc-status-details-bin` trailer (for its RetryInfo) and the
 * ExportLogsServiceResponse (for its partial success). Read field by field with protobufjs's
 * Reader: loading the .proto files at run time would tie the installed program to the proto/
 * folder, for three fields.
 */
import type * as Protobuf from 'protobufjs';

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

export interface PartialSuccess {
  readonly rejectedLogRecords: number;
  readonly errorMessage: string;
}

/**
 * RetryInfo.retry_delay in milliseconds from a serialized google.rpc.Status, undefined when the
 * status carries none. Throws on bytes that are not protobuf (the caller decides what that means).
 */
export function retryDelayMs(status: Uint8Array): number | undefined {
  // google.rpc.Status: details = 3 (repeated google.protobuf.Any: type_url = 1, value = 2).
  for (const any of fields(status, 3)) {
    const typeUrl = fields(any, 1)[0];
    const value = fields(any, 2)[0];
    if (typeUrl === undefined || value === undefined || Buffer.from(typeUrl).toString('utf8') !== RETRY_INFO_TYPE) continue;
    // RetryInfo: retry_delay = 1 (google.protobuf.Duration: seconds = 1 int64, nanos = 2 int32).
    const delay = fields(value, 1)[0];
    if (delay === undefined) return 0;
    const reader = protobuf().Reader.create(delay);
    let seconds = 0;
    let nanos = 0;
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag === (1 << 3)) seconds = Number(reader.int64());
      else if (tag === (2 << 3)) nanos = reader.int32();
      else reader.skipType(tag & 7);
    }
    return Math.max(0, seconds * 1000 + Math.round(nanos / 1e6));
  }
  return undefined;
}

/** ExportLogsServiceResponse.partial_success; an absent or empty one is full success. */
export function partialSuccess(response: Uint8Array): PartialSuccess {
  // ExportLogsServiceResponse: partial_success = 1 (rejected_log_records = 1 int64, error_message = 2).
  const partial = fields(response, 1)[0];
  if (partial === undefined) return { rejectedLogRecords: 0, errorMessage: '' };
  const reader = protobuf().Reader.create(partial);
  let rejectedLogRecords = 0;
  let errorMessage = '';
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag === (1 << 3)) rejectedLogRecords = Number(reader.int64());
    else if (tag === ((2 << 3) | 2)) errorMessage = reader.string();
    else reader.skipType(tag & 7);
  }
  return { rejectedLogRecords, errorMessage };
}

/** The length-delimited occurrences of field `number` in a message. */
function fields(message: Uint8Array, number: number): Uint8Array[] {
  const reader = protobuf().Reader.create(message);
  const out: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag === ((number << 3) | 2)) out.push(reader.bytes());
    else reader.skipType(tag & 7);
  }
  return out;
}

// Loaded at the first non-OK answer or partial success: most calls never need it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const protobuf = () => require('protobufjs') as typeof Protobuf;
