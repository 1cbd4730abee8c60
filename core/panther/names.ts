/**
 * Panther's column names: characters a data-lake column cannot hold are rewritten, so `addr.local`
 * becomes `addr_local` and `@timestamp` becomes `at_sign_timestamp`. Shared by the schema processor
 * (output names) and the indicators processor (where to find a field in the normalized record).
 */
const NEEDS_REWRITE = /[^A-Za-z0-9_]/;
const cache = new Map<string, string>();

export function pantherFieldName(name: string): string {
  if (!NEEDS_REWRITE.test(name)) return name;
  let out = cache.get(name);
  if (out === undefined) {
    out = name.replace(/@/g, 'at_sign_').replace(/[^A-Za-z0-9_]/g, '_');
    // Unknown keys come from input data: bound the cache so hostile input cannot grow it forever.
    if (cache.size < 10_000) cache.set(name, out);
  }
  return out;
}

/** `Gravitational.TeleportAudit` -> `gravitational_teleportaudit`, the folder under `logs/`. */
export function logTypeFolder(logType: string): string {
  return logType.toLowerCase().replace(/[^a-z0-9]+/g, '_');
}
