/**
 * The contract between the shared OTLP export machinery (batcher, split-send, queues, the
 * exporter) and a transport: OTLP/HTTP (exporters/otlphttp) or OTLP/gRPC (exporters/otlp). A
 * transport sends one request body and classifies the answer; it never retries, splits or counts.
 */
import type { RequestBody } from './encoding';

export type SendOutcome =
  /** Accepted; `rejectedLogRecords` > 0 or an `errorMessage` is a partial success (never re-sent, per the OTLP spec). */
  | { readonly kind: 'success'; readonly rejectedLogRecords: number; readonly errorMessage: string }
  /** Transient (backend busy or down, network, timeout): retry with backoff, honouring `retryAfterMs`. */
  | { readonly kind: 'retryable'; readonly message: string; readonly retryAfterMs?: number }
  /**
   * The request's content was refused for good. `splittable`: the refusal is about the content
   * (HTTP 4xx, gRPC INVALID_ARGUMENT...), so sending parts narrows it down to records; otherwise
   * (HTTP 500, gRPC INTERNAL) every part would be refused alike.
   */
  | { readonly kind: 'permanent'; readonly status: number; readonly message: string; readonly splittable: boolean }
  /**
   * Refused for a reason no record causes (credentials, address, TLS, DNS): retried, reported
   * loudly as a `DestinationError`, never narrowed down to records nor dead-lettered. `status`:
   * the HTTP status or gRPC code, 0 when the connection itself failed.
   */
  | { readonly kind: 'endpoint'; readonly status: number; readonly message: string; readonly retryAfterMs?: number };

export type SendSuccess = Extract<SendOutcome, { kind: 'success' }>;

export interface OtlpTransport {
  /** Where requests go, for messages (`http://collector:4318/v1/logs`, `https://collector:4317`). */
  readonly target: string;
  /** Never rejects for an answer or a network failure: those are outcomes. */
  send(request: RequestBody): Promise<SendOutcome>;
  /** Cuts connections; requests in flight settle as retryable. Idempotent. */
  close(): void;
}
