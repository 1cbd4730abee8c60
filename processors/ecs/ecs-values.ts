/**
 * The values ECS allows for the categorization fields, and which event.type values ECS expects
 * with each event.category (ECS "expected event types" per category). The table loader and the
 * tests check every entry against these.
 */
export const ECS_KINDS = ['alert', 'asset', 'enrichment', 'event', 'metric', 'state', 'pipeline_error', 'signal'] as const;

export const ECS_OUTCOMES = ['success', 'failure', 'unknown'] as const;
export type EcsOutcome = (typeof ECS_OUTCOMES)[number];

/** event.category -> the event.type values ECS expects with it. */
export const ECS_EXPECTED_TYPES: Readonly<Record<string, readonly string[]>> = {
  api: ['access', 'admin', 'allowed', 'change', 'creation', 'deletion', 'denied', 'end', 'info', 'start', 'user'],
  authentication: ['start', 'end', 'info'],
  configuration: ['access', 'change', 'creation', 'deletion', 'info'],
  database: ['access', 'change', 'info', 'error'],
  driver: ['change', 'end', 'info', 'start'],
  email: ['info'],
  file: ['access', 'change', 'creation', 'deletion', 'info'],
  host: ['access', 'change', 'end', 'info', 'start'],
  iam: ['admin', 'change', 'creation', 'deletion', 'group', 'info', 'user'],
  intrusion_detection: ['allowed', 'denied', 'info'],
  library: ['start'],
  malware: ['info'],
  network: ['access', 'allowed', 'connection', 'denied', 'end', 'info', 'protocol', 'start'],
  package: ['access', 'change', 'deletion', 'info', 'installation', 'start'],
  process: ['access', 'change', 'end', 'info', 'start'],
  registry: ['access', 'change', 'creation', 'deletion'],
  session: ['start', 'end', 'info'],
  threat: ['indicator'],
  vulnerability: ['info'],
  web: ['access', 'error', 'info'],
};

/** Every event.type value ECS defines (the union of the expected lists). */
export const ECS_TYPES: ReadonlySet<string> = new Set(Object.values(ECS_EXPECTED_TYPES).flat());

/**
 * Problems with a category/type combination, as short phrases ('' list when valid): unknown
 * values, a category none of whose expected types is present, a type no listed category expects.
 */
export function combinationProblems(categories: readonly string[], types: readonly string[]): string[] {
  const problems: string[] = [];
  if (categories.length === 0) problems.push('no category');
  if (types.length === 0) problems.push('no type');
  for (const c of categories) {
    const expected = ECS_EXPECTED_TYPES[c];
    if (expected === undefined) problems.push(`category "${c}" is not an ECS category`);
    else if (!types.some((t) => expected.includes(t))) problems.push(`category "${c}" expects one of ${expected.join('/')}`);
  }
  for (const t of types) {
    if (!ECS_TYPES.has(t)) problems.push(`type "${t}" is not an ECS type`);
    else if (!categories.some((c) => ECS_EXPECTED_TYPES[c]?.includes(t))) problems.push(`type "${t}" is expected by none of ${categories.join(', ')}`);
  }
  if (new Set(categories).size !== categories.length) problems.push('duplicate category');
  if (new Set(types).size !== types.length) problems.push('duplicate type');
  return problems;
}
