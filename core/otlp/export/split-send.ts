/**
 * A request the backend refuses permanently (HTTP 400, 413, gRPC INVALID_ARGUMENT...) is often
 * refused for one record. Rather than dead-letter every record of it (what the OpenTelemetry
 * Collector and Vector do), the request is split in halves and the refused halves again, down to
 * single records, so only the records the backend truly refuses are dead-lettered.
 *
 * Bounded: a request of n records costs at most 2·⌈log2 n⌉ extra requests, exactly what finding
 * one refused record takes. When that budget is spent (many refused records, or a backend that
 * refuses everything), the parts still refused are dead-lettered whole.
 */
import type { SendOutcome } from './transport';

type Success = Extract<SendOutcome, { kind: 'success' }>;
/** Retried as a whole: transient, or a refusal no record caused. */
type Retryable = Extract<SendOutcome, { kind: 'retryable' | 'endpoint' }>;
type Permanent = Extract<SendOutcome, { kind: 'permanent' }>;

/** Records [from, to) of the request, refused with the backend's answer. */
export interface RefusedRange { readonly from: number; readonly to: number; readonly message: string }

export type SplitOutcome = Success | Retryable | { readonly kind: 'refused'; readonly refused: RefusedRange[] };

export interface SplitHooks {
  /** Each accepted request (the whole one or a part), for its partial-success answer. */
  accepted(outcome: Success): void;
  /** Each extra request sent for a split. */
  split(): void;
}

export function splitBudget(count: number): number {
  return count > 1 ? 2 * Math.ceil(Math.log2(count)) : 0;
}

/**
 * Sends records [0, count) with `post`, splitting refusals. A retryable or endpoint answer to any
 * part makes the whole outcome so (the caller retries every record: at-least-once).
 */
export async function sendSplitting(
  count: number, post: (from: number, to: number) => Promise<SendOutcome>, hooks: SplitHooks,
): Promise<SplitOutcome> {
  const first = await post(0, count);
  if (first.kind === 'success') {
    hooks.accepted(first);
    return first;
  }
  if (first.kind !== 'permanent') return first;
  let budget = first.splittable ? splitBudget(count) : 0;
  let retry: Retryable | undefined;
  const refused: RefusedRange[] = [];
  const bisect = async (from: number, to: number, refusal: Permanent): Promise<void> => {
    if (to - from === 1 || budget < 2 || !refusal.splittable) {
      refused.push({ from, to, message: refusal.message });
      return;
    }
    budget -= 2;
    const mid = (from + to) >>> 1;
    await Promise.all([[from, mid], [mid, to]].map(async ([a, b]) => {
      hooks.split();
      const outcome = await post(a, b);
      if (outcome.kind === 'success') hooks.accepted(outcome);
      else if (outcome.kind !== 'permanent') retry ??= outcome;
      else await bisect(a, b, outcome);
    }));
  };
  await bisect(0, count, first);
  return retry ?? { kind: 'refused', refused };
}
