import { int, list, object, oneOf, optional, str, type Infer } from '../../core/config/schema';
import { compileFieldPath } from '../../core/field-path';

export type RedactAction = 'drop' | 'hash' | 'mask';

/** A short key makes HMACs of guessable values (user names, IPs) cheap to brute-force. */
export const MIN_KEY_LENGTH = 16;

export const redactProcessorConfig = {
  fields: list(object({
    paths: list(str({ doc: 'A Teleport field path.' }), { doc: 'Field paths.', minItems: 1 }),
    action: oneOf(['drop', 'hash', 'mask'] as const, { doc: 'What to do with the values.' }),
    keep_first: int({ doc: 'mask: characters kept at the start.', default: 0, min: 0 }),
    keep_last: int({ doc: 'mask: characters kept at the end.', default: 0, min: 0 }),
  }, { doc: 'One group of fields.' }), {
    doc: 'Groups of fields, each `{paths, action, keep_first, keep_last}`. `paths` are Teleport field names, dotted for nested fields (`identity.logins`), with `*` and `?` globs per segment; `addr.remote` names the key that holds the dot. `action`: `drop` removes the field, `hash` replaces it with the hex HMAC-SHA-256 of its text under `hash_key`, `mask` keeps `keep_first`/`keep_last` characters and stars the rest. Empty (the default): nothing is redacted.',
    default: [],
  }),
  hash_key: optional(str({
    doc: `Key of the \`hash\` action (at least ${MIN_KEY_LENGTH} characters). Give it as \`\${env:VAR}\`, never in the file: the same key gives the same hashes on every run and collector, so hashed values can still be correlated; another key gives unrelated ones.`,
  })),
};

export type RedactProcessorConfig = Infer<typeof redactProcessorConfig>;

/** Cross-field checks: paths compile, `hash` has a key, `keep_*` only with `mask`. */
export function validateRedactConfig(config: RedactProcessorConfig): string[] {
  const errors: string[] = [];
  const seen = new Map<string, string>();
  config.fields.forEach((group, i) => {
    group.paths.forEach((p, j) => {
      const compiled = compileFieldPath(p);
      if (typeof compiled === 'string') errors.push(`fields[${i}].paths[${j}]: ${compiled}`);
      const earlier = seen.get(p);
      if (earlier !== undefined) errors.push(`fields[${i}].paths[${j}]: "${p}" is listed already at ${earlier}`);
      else seen.set(p, `fields[${i}].paths[${j}]`);
    });
    if (group.action !== 'mask' && (group.keep_first > 0 || group.keep_last > 0)) {
      errors.push(`fields[${i}]: keep_first and keep_last only go with action: mask`);
    }
  });
  const hashes = config.fields.some((g) => g.action === 'hash');
  if (hashes && config.hash_key === undefined) {
    errors.push('hash_key: required by action: hash; set it from the environment, e.g. hash_key: ${env:TELEPORT_OTEL_REDACT_KEY}');
  } else if (hashes && config.hash_key!.length < MIN_KEY_LENGTH) {
    errors.push(`hash_key: must be at least ${MIN_KEY_LENGTH} characters (it is ${config.hash_key!.length})`);
  }
  return errors;
}
