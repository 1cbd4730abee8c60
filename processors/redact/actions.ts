/**
 * What each action makes of one value's text. Pure and deterministic: the same key and text give
 * the same hash on any run or collector, so hashed values still correlate across events.
 */
import { createHmac } from 'node:crypto';
import type { RedactAction } from './config';

export interface ActionSpec {
  readonly action: RedactAction;
  readonly keepFirst: number;
  readonly keepLast: number;
}

/** The text that replaces `text`; undefined for `drop` (the value goes). */
export function applyAction(spec: ActionSpec, key: Buffer | undefined, text: string): string | undefined {
  switch (spec.action) {
    case 'drop': return undefined;
    case 'hash': return createHmac('sha256', key!).update(text, 'utf8').digest('hex');
    case 'mask': return mask(text, spec.keepFirst, spec.keepLast);
  }
}

/**
 * Keeps the first/last characters (code points, so no surrogate half is left) and stars the
 * rest; a value no longer than what would be kept is starred whole, so mask never shows it all.
 */
export function mask(text: string, keepFirst: number, keepLast: number): string {
  const chars = Array.from(text);
  if (chars.length <= keepFirst + keepLast) return '*'.repeat(chars.length);
  return chars.slice(0, keepFirst).join('') + '*'.repeat(chars.length - keepFirst - keepLast) + chars.slice(chars.length - keepLast).join('');
}
