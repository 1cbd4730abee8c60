/** RFC 3339 timestamps with full nanosecond precision (Date keeps only milliseconds). */

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Nanoseconds since the epoch, or undefined when `text` is not RFC 3339 (0 to 9 fractional digits). */
export function rfc3339ToUnixNano(text: string): bigint | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, , sign, oh, om] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return undefined;
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0-99 to 1900-1999, and Teleport writes
  // 0001-01-01T00:00:00Z for "never".
  const date = new Date(0);
  date.setUTCFullYear(Number(y), month - 1, day);
  date.setUTCHours(Number(h), Number(mi), Number(s));
  let ms = date.getTime();
  if (Number.isNaN(ms) || date.getUTCDate() !== day) return undefined;
  if (sign) ms -= (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  const nanos = frac ? Number(frac.padEnd(9, '0')) : 0;
  return BigInt(ms) * 1_000_000n + BigInt(nanos);
}

/** `YYYY-MM-DD HH:MM:SS.fffffffff` in UTC, as Panther writes timestamps. */
export function formatPantherTime(unixNano: bigint): string {
  const seconds = unixNano >= 0n ? unixNano / 1_000_000_000n : (unixNano - 999_999_999n) / 1_000_000_000n;
  const nanos = Number(unixNano - seconds * 1_000_000_000n);
  const iso = new Date(Number(seconds) * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${String(nanos).padStart(9, '0')}`;
}
