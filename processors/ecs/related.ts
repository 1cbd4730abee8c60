/**
 * related.ip / related.user / related.hosts: values collected while an event's fields are mapped,
 * written once at the end, deduplicated and sorted.
 */
import type { Attributes } from '../../core/record';

/**
 * Values for related.ip / related.user / related.hosts, gathered while the fields are written
 * (cheaper than reading them back from a large attributes object). Module scratch: `map` is
 * synchronous, so one event at a time uses it.
 */
export const rel = { ips: [] as string[], users: [] as string[], hosts: [] as string[] };

/** Writes the related.* lists, each deduplicated and sorted so key order in the line does not matter. */
export function related(attrs: Attributes): void {
  if (rel.ips.length > 0) attrs['related.ip'] = uniqueSorted(rel.ips);
  if (rel.users.length > 0) attrs['related.user'] = uniqueSorted(rel.users);
  if (rel.hosts.length > 0) attrs['related.hosts'] = uniqueSorted(rel.hosts);
}

/** A sorted copy without duplicates: the lists hold a handful of values, so insertion sort. */
function uniqueSorted(list: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    let j = out.length;
    while (j > 0 && out[j - 1] > v) j--;
    if (j > 0 && out[j - 1] === v) continue;
    out.push(v);
    for (let k = out.length - 1; k > j; k--) out[k] = out[k - 1];
    out[j] = v;
  }
  return out;
}
