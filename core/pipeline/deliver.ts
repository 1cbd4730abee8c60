/**
 * Delivery of records to one exporter: retries retryable results with backoff until accepted,
 * until the policy's max elapsed time (then fails upstream: no checkpoint, nothing dropped), or
 * until shutdown aborts. Returns the records the exporter rejected permanently.
 */
import type { Exporter } from '../component';
import { DestinationError, RetryableError, PermanentError, errorMessage } from '../errors';
import type { LogRecord, RecordFailure } from '../record';
import { backoffDelay, sleep, type RetryPolicy } from '../retry';
import type { Logger } from '../telemetry/logger';
import type { ComponentTelemetry } from '../telemetry/metrics';
import type { DestinationHealth } from './destination-health';

export interface ExporterHandle {
  readonly id: string;
  readonly exporter: Exporter;
  readonly retry: RetryPolicy;
  readonly telemetry: ComponentTelemetry;
  readonly logger: Logger;
  /** Health and `--once` bound of refusals no record caused (DestinationError). */
  readonly destination: DestinationHealth;
}

export async function deliver(target: ExporterHandle, records: readonly LogRecord[], signal: AbortSignal): Promise<RecordFailure[]> {
  if (records.length === 0) return [];
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    const result = await exportOnce(target, records);
    if (result.kind === 'success') {
      target.destination.reached();
      target.telemetry.exported(records.length);
      return [];
    }
    if (result.kind === 'rejected') {
      target.destination.reached();
      target.telemetry.failed(result.failed.length);
      target.telemetry.exported(records.length - result.failed.length);
      return result.failed;
    }
    target.telemetry.failed(records.length);
    const elapsed = Date.now() - started;
    const cause = result.error;
    if (target.retry.maxElapsedMs > 0 && elapsed >= target.retry.maxElapsedMs) {
      throw new RetryableError('export_unavailable', `${target.id}: gave up after ${attempt} attempts in ${Math.round(elapsed / 1000)}s: ${errorMessage(cause)}`, { cause });
    }
    const delay = backoffDelay(target.retry, attempt, result.retryAfterMs);
    // A refusal no record caused is retried like an outage, but said loudly (health, error line).
    if (cause instanceof DestinationError) target.destination.refused(cause, delay);
    else target.logger.rateLimited('retry', 'warn', `export of ${records.length} records failed (attempt ${attempt}), retrying in ${delay}ms: ${errorMessage(cause)}`);
    if (!(await sleep(delay, signal))) {
      throw new RetryableError('shutdown', `${target.id}: shutting down while retrying: ${errorMessage(cause)}`, { cause });
    }
  }
}

/** One call, with exceptions mapped by type: a thrown PermanentError rejects every record. */
async function exportOnce(target: ExporterHandle, records: readonly LogRecord[]) {
  try {
    return await target.exporter.export(records);
  } catch (error) {
    if (error instanceof PermanentError) {
      const failed = records.map((record) => ({ record, code: error.code, reason: error.message, component: target.id }));
      return { kind: 'rejected' as const, failed };
    }
    // Unknown exceptions are retried: dropping data on a bug would be worse than a stuck stream.
    const retryAfterMs = error instanceof RetryableError ? error.retryAfterMs : undefined;
    return { kind: 'retryable' as const, error: error instanceof Error ? error : new Error(String(error)), retryAfterMs };
  }
}
