/**
 * Every stable error code the project emits, with what it means for the user. `docs/errors.md`
 * is generated from this table and a test fails when they disagree.
 */
export const ERROR_CODES = {
  internal: 'An unexpected error inside teleport-otel; please report it with the log line.',
  json_invalid: 'The line is not valid JSON; the record is dead-lettered with the parser message.',
  json_not_object: 'The line is valid JSON but not an object, so it cannot be a Teleport event.',
  line_too_long: 'A line is longer than the receiver\'s max_log_size; it is dead-lettered, not truncated.',
  schema_violation: 'A field is missing or has a value the schema cannot coerce; the reason names the field.',
  export_rejected: 'The backend refused the records permanently (e.g. HTTP 400); they are dead-lettered.',
  export_unavailable: 'The backend or destination is unavailable for now (network error, 429, 5xx, disk); retried with backoff.',
  endpoint_refused: 'The OTLP endpoint refused a request for a reason no record caused (401, 403, 404, 405, 407, 415, a redirect, a TLS or DNS failure): retried with backoff, nothing acknowledged or dead-lettered, the exporter reported failing on /healthz until a request succeeds; fix the endpoint or credentials.',
  output_unwritable: 'An output file or directory cannot be created or written (EACCES, EROFS, ENOSPC...): retried with backoff, nothing acknowledged or dead-lettered, the exporter reported failing on /healthz; the message names the config key.',
  queue_full: 'A bounded queue is full; the pipeline applies backpressure instead of dropping.',
  shutdown: 'The process is shutting down and the operation was not completed; nothing was acknowledged.',
  worker_failed: 'A pipeline worker thread died or failed a batch; the batch is not acknowledged, so it is read again.',
  io_error: 'Reading an input or writing an output failed at the operating-system level.',
  decompress_failed: 'A gzip-compressed message or object is truncated or corrupt; what could not be inflated is dead-lettered with its position.',
  parquet_invalid: 'An S3 object read as Parquet lacks PAR1 at its start or end, has a corrupt footer, or has no text event_data column (it is dead-lettered whole, once), or one of its row groups cannot be decoded (that group is dead-lettered as one record naming its rows).',
  event_data_missing: 'A row of a Parquet audit object has no event_data (null); the row is dead-lettered with its position s3://bucket/key#row=N.',
  notification_invalid: 'An SQS message is not an S3 event notification (bare or SNS-wrapped); it is dead-lettered and deleted.',
  http_body_invalid: 'An HTTP request body is empty or cannot be read as text (corrupt gzip, unsupported Content-Encoding); it is dead-lettered (as base64 when not text) and answered 200, so the sender does not retry it forever.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
