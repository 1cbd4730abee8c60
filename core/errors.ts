/**
 * Typed errors. Classification is by class, never by message: a `RetryableError` may succeed if
 * tried again later (backend down, 429/503, timeouts); a `PermanentError` never will (malformed
 * input, schema violation, 400) and sends the record(s) to the dead letter.
 */
import { ERROR_CODES, type ErrorCode } from './error-codes';

export abstract class PipelineError extends Error {
  abstract readonly retryable: boolean;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class RetryableError extends PipelineError {
  readonly retryable = true;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(code, message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
  /** Server-requested delay (e.g. HTTP Retry-After), honoured by the retry helper. */
  readonly retryAfterMs?: number;
}

/**
 * A refusal that no record caused: the destination itself is wrong or unusable (credentials or
 * endpoint refused, TLS or DNS failure, a directory that cannot be created or written, a full
 * disk). Retried like any `RetryableError`, never charged to the records (no dead letter), and
 * reported: the exporter is `failing` on /healthz until it works again, and under `--once` the run
 * ends with exit 1 once it has failed for `TELEPORT_OTEL_ONCE_FAILING_TIMEOUT_MS`.
 */
export class DestinationError extends RetryableError {}

export class PermanentError extends PipelineError {
  readonly retryable = false;
}

/** A user error in configuration or invocation: printed as lines, never with a stack. */
export class UserError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
    this.name = 'UserError';
  }
}

export function isRetryable(error: unknown): boolean {
  return error instanceof PipelineError ? error.retryable : false;
}

export function errorCode(error: unknown): ErrorCode {
  return error instanceof PipelineError ? error.code : 'internal';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export { ERROR_CODES, type ErrorCode };
