/**
 * One Panther-format JSON line per record, escaped as Panther (Go's encoding/json) writes it:
 * `<`, `>`, `&`, U+2028 and U+2029 as \u escapes, and a lone surrogate as U+FFFD (Go cannot hold
 * one), which JSON.stringify writes differently. The native stringify does the work; the rewrite
 * runs only on the rare line that needs it.
 */
import { stringifyLossless } from '../../core/json-lossless';

const NEEDS_GO_ESCAPES = /[<>&\u2028\u2029]|\\ud[89a-f]/;
const GO_ESCAPES = /[<>&\u2028\u2029]|(\\+)(ud[89a-f][0-9a-f]{2})/g;
const GO_ESCAPE_OF: Record<string, string> = {
  '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029',
};

export function toPantherLine(panther: Record<string, unknown>): string {
  const json = stringifyLossless(panther);
  return NEEDS_GO_ESCAPES.test(json) ? json.replace(GO_ESCAPES, goEscape) : json;
}

function goEscape(match: string, slashes: string | undefined, surrogate: string | undefined): string {
  if (slashes === undefined) return GO_ESCAPE_OF[match];
  // An odd run of backslashes ends in an escape: JSON.stringify's mark of a lone surrogate.
  // An even run is escaped backslashes followed by plain text `ud800`.
  return slashes.length % 2 === 1 ? `${slashes.slice(1)}\uFFFD` : `${slashes}${surrogate}`;
}
