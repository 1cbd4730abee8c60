/**
 * `${env:VAR}` and `${env:VAR:-default}` in string values, as the OpenTelemetry Collector does.
 * An unset variable without a default is an error naming the config path, never an empty string.
 * `$${...}` escapes a literal `${...}`.
 */
const REFERENCE = /\$(\$?)\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function substituteEnv(value: unknown, path: string, env: NodeJS.ProcessEnv, errors: string[]): unknown {
  if (typeof value === 'string') return substituteString(value, path, env, errors);
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, `${path}[${i}]`, env, errors));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, path === '' ? k : `${path}.${k}`, env, errors);
    return out;
  }
  return value;
}

function substituteString(text: string, path: string, env: NodeJS.ProcessEnv, errors: string[]): string {
  if (!text.includes('${')) return text;
  const bad = /\$\{(?!env:[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\})[^}]*\}/.exec(text.replace(REFERENCE, ''));
  if (bad) errors.push(`${path}: unsupported reference ${bad[0]} (use \${env:NAME} or \${env:NAME:-default})`);
  return text.replace(REFERENCE, (whole, escape: string, name: string, fallback: string | undefined) => {
    if (escape) return whole.slice(1);
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (fallback !== undefined) return fallback;
    errors.push(`${path}: environment variable ${name} is not set (set it, or write \${env:${name}:-default})`);
    return '';
  });
}
