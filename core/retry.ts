/**
 * Retry with exponential backoff and jitter, honouring a server-requested delay. Shared by the
 * pipeline (around exporters) and by components that retry on their own.
 */
import { duration, object } from './config/schema';

export interface RetryPolicy {
  /** First delay, in ms. */
  initialIntervalMs: number;
  /** Upper bound of one delay, in ms. */
  maxIntervalMs: number;
  /** Give up after this long (ms); 0 = never. Giving up fails the batch upstream (no checkpoint), it never drops. */
  maxElapsedMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialIntervalMs: 500, maxIntervalMs: 30_000, maxElapsedMs: 0 };

/** The `retry_on_failure` block exporters embed in their config. */
export const retryOnFailureField = object(
  {
    initial_interval: duration({ doc: 'Delay before the first retry.', default: '500ms' }),
    max_interval: duration({ doc: 'Upper bound of the delay between retries.', default: '30s' }),
    max_elapsed_time: duration({
      doc: 'Stop retrying a batch after this long and fail it upstream (the receiver keeps its checkpoint and tries again later); 0 retries forever.',
      default: '0',
    }),
  },
  { doc: 'Retries of retryable failures (network errors, 429, 502, 503, 504), and of refusals no record caused (wrong credentials or endpoint, an unwritable output), which are never dead-lettered.' },
);

export function retryPolicyFrom(c: { initial_interval: number; max_interval: number; max_elapsed_time: number }): RetryPolicy {
  return { initialIntervalMs: c.initial_interval, maxIntervalMs: c.max_interval, maxElapsedMs: c.max_elapsed_time };
}

/** Delay before attempt `attempt` (1-based retry count): exponential, capped, with ±25% jitter. */
export function backoffDelay(policy: RetryPolicy, attempt: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.min(retryAfterMs, Math.max(policy.maxIntervalMs, retryAfterMs));
  const base = Math.min(policy.maxIntervalMs, policy.initialIntervalMs * 2 ** Math.max(0, attempt - 1));
  const jitter = base * 0.25 * (Math.random() * 2 - 1);
  return Math.max(0, Math.round(base + jitter));
}

/** A sleep that a shutdown signal can cut short (resolves `false` when aborted). */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(true); }, ms);
    const onAbort = () => { clearTimeout(timer); resolve(false); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
