/**
 * Shell-style globs for config values (`session.*`, `T2*`): `*` any run of characters, `?` one.
 * A pattern without either is an exact value and goes into a Set, so matching many exact values
 * costs one lookup.
 */

/** A compiled set of exact values and globs. */
export class GlobSet {
  private readonly exact = new Set<string>();
  private readonly patterns: RegExp[] = [];

  constructor(values: readonly string[]) {
    for (const v of values) {
      if (isGlob(v)) this.patterns.push(globToRegExp(v));
      else this.exact.add(v);
    }
  }

  has(value: string): boolean {
    if (this.exact.has(value)) return true;
    for (const p of this.patterns) if (p.test(value)) return true;
    return false;
  }
}

export function isGlob(value: string): boolean {
  return value.includes('*') || value.includes('?');
}

/** The whole-string RegExp for a glob; every other character matches itself. */
export function globToRegExp(glob: string): RegExp {
  let src = '';
  for (const ch of glob) {
    if (ch === '*') src += '.*';
    else if (ch === '?') src += '.';
    else src += ch.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${src}$`, 's');
}
