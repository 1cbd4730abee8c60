/**
 * The extra request headers: the `headers` map, then `headers_list` over it. The list takes the
 * format of OpenTelemetry's `OTEL_EXPORTER_OTLP_HEADERS` (`key=value` pairs separated by commas,
 * values percent-encoded) so that one environment variable, copied from a vendor's setup page,
 * can carry every header a hosted backend asks for. A header whose value is empty is not sent:
 * `${env:TOKEN:-}` makes a header optional.
 */
export interface HeaderConfig {
  readonly headers: Record<string, string>;
  readonly headers_list?: string;
}

/** Problems with `headers_list`, one line each, for `validate`. */
export function headerListErrors(list: string | undefined): string[] {
  return parseHeaderList(list).errors;
}

export function requestHeaders(c: HeaderConfig): Record<string, string> {
  // Header names are case-insensitive: the later of two spellings of one name wins.
  const byName = new Map<string, [string, string]>();
  for (const [name, value] of [...Object.entries(c.headers), ...Object.entries(parseHeaderList(c.headers_list).headers)]) {
    byName.set(name.toLowerCase(), [name, value]);
  }
  return Object.fromEntries([...byName.values()].filter(([, value]) => value !== ''));
}

function parseHeaderList(list: string | undefined): { headers: Record<string, string>; errors: string[] } {
  const headers: Record<string, string> = {};
  const errors: string[] = [];
  if (list === undefined) return { headers, errors };
  list.split(',').forEach((pair, i) => {
    if (pair.trim() === '') return;
    const eq = pair.indexOf('=');
    const name = eq < 0 ? '' : pair.slice(0, eq).trim();
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      errors.push(`headers_list: entry ${i + 1} is not name=value with a valid header name`);
      return;
    }
    try {
      headers[name] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      errors.push(`headers_list: entry ${i + 1} (${name}) has a malformed percent-encoding`);
    }
  });
  return { headers, errors };
}
