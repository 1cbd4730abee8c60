/**
 * Generates docs/ecs-categories.md from schemas/ecs-categories.yaml: every event type with its
 * ECS category and type, the prefix rules for future types, and each deliberate deviation from
 * Elastic's integration. `node dist/scripts/generate-ecs-doc.js`; a test fails when the committed
 * document differs from what this writes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundledCategoriesPath, loadCategoryTable, type CategoryTable } from '../processors/ecs/categories';
import { repoRoot } from './generate-docs';

export function ecsDocPath(): string {
  return path.join(repoRoot(), 'docs', 'ecs-categories.md');
}

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const list = (xs: readonly string[]) => xs.map((x) => `\`${x}\``).join(', ');

export function renderEcsDoc(table: CategoryTable): string {
  const types = [...table.types.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  const fixes = types.filter((t) => t.fix !== undefined);
  const lines = [
    '# ECS categorization of Teleport audit events',
    '',
    'Generated from `schemas/ecs-categories.yaml` by `scripts/generate-ecs-doc.ts`; do not edit by hand.',
    '',
    'The `ecs` processor sets `event.kind: event` on every record, and `event.category` / `event.type`',
    'from this table: the exact event type first, else the longest matching prefix (below). Types that',
    'match neither keep `event.kind: event` without category and type, and are counted in',
    '`teleport_otel_ecs_unknown_event_types_total`.',
    '',
    '`event.outcome` is one of `success`, `failure`, `unknown`: from the event\'s `success` field when',
    'present (then from `status.success`, which device trust events use), else from the last letter of',
    '`code` (`I` → success, `W`/`E` → failure), else `unknown`.',
    '',
    `## Event types (${types.length})`,
    '',
    '| event type | event.category | event.type | note |',
    '|---|---|---|---|',
    ...types.map((t) => {
      const note = [t.note, t.fix === undefined ? undefined : `**differs from Elastic:** ${t.fix}`].filter((x) => x !== undefined).join('; ');
      return `| \`${t.name}\` | ${list(t.category)} | ${list(t.type)} | ${esc(note)} |`;
    }),
    '',
    '## Prefixes, for types added by future Teleport versions',
    '',
    'The longest listed prefix wins; exact names above always win over prefixes. When the last',
    'dot-separated segment of the type is a verb below, its event.type replaces the prefix\'s first type,',
    'provided the prefix\'s categories allow it.',
    '',
    '| prefix | event.category | event.type |',
    '|---|---|---|',
    ...[...table.prefixes].sort((a, b) => (a.prefix < b.prefix ? -1 : 1)).map((p) => `| \`${p.prefix}\` | ${list(p.category)} | ${list(p.type)} |`),
    '',
    '| verb | event.type |',
    '|---|---|',
    ...[...table.verbs].map(([verb, type]) => `| \`${verb}\` | \`${type}\` |`),
    '',
    `## Deliberate deviations from Elastic's Teleport integration (${fixes.length})`,
    '',
    ...fixes.map((t) => `- \`${t.name}\`: ${t.fix}`),
    '',
  ];
  return lines.join('\n');
}

if (require.main === module) {
  const text = renderEcsDoc(loadCategoryTable(bundledCategoriesPath()));
  fs.mkdirSync(path.dirname(ecsDocPath()), { recursive: true });
  fs.writeFileSync(ecsDocPath(), text);
  process.stdout.write(`wrote ${path.relative(repoRoot(), ecsDocPath())}\n`);
}
