/**
 * The ECS categorization table (schemas/ecs-categories.yaml): loading, validation against ECS,
 * and the per-record lookup. The table is data; this file only knows its shape and how exact
 * names, prefixes and verbs combine.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readYamlFile } from '../../core/yaml-file';
import { combinationProblems } from './ecs-values';

/** event.category and event.type of one event type. Arrays are frozen and shared by every record. */
export interface Categorization {
  readonly category: readonly string[];
  readonly type: readonly string[];
}

export interface TypeEntry extends Categorization {
  readonly name: string;
  /** A deliberate deviation from Elastic's integration, and why. */
  readonly fix?: string;
  readonly note?: string;
}

export interface PrefixEntry extends Categorization {
  readonly prefix: string;
}

export interface CategoryTable {
  readonly file: string;
  /** Last dot-separated segment -> event.type, for prefix matches. */
  readonly verbs: ReadonlyMap<string, string>;
  /** Longest prefix first. */
  readonly prefixes: readonly PrefixEntry[];
  readonly types: ReadonlyMap<string, TypeEntry>;
}

export function bundledCategoriesPath(): string {
  const rel = path.join('schemas', 'ecs-categories.yaml');
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, rel);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return path.resolve(rel);
  }
}

const loaded = new Map<string, CategoryTable>();

/**
 * Reads and validates a table, once per path (config validation and each ecs processor would
 * otherwise do it again: ~100 ms each). Throws one Error
 * whose message has one line per problem (`types.x.category: ...`), so config validation can
 * report every problem at once.
 */
export function loadCategoryTable(file: string): CategoryTable {
  const abs = path.resolve(file);
  let table = loaded.get(abs);
  if (table === undefined) loaded.set(abs, (table = readCategoryTable(file)));
  return table;
}

function readCategoryTable(file: string): CategoryTable {
  let doc: unknown;
  try {
    doc = readYamlFile(file);
  } catch (err) {
    throw new Error(`cannot read ECS categories from ${file}: ${(err as Error).message}`);
  }
  const errors: string[] = [];
  const root = isMap(doc) ? doc : (errors.push(`${file}: must be a YAML map with verbs, prefixes and types`), {});
  for (const key of Object.keys(root)) if (!['verbs', 'prefixes', 'types'].includes(key)) errors.push(`${file}: ${key}: unknown key`);

  const verbs = new Map<string, string>();
  const verbsDoc = root.verbs ?? {};
  if (!isMap(verbsDoc)) errors.push(`${file}: verbs: must be a map of segment to event.type`);
  else for (const [k, v] of Object.entries(verbsDoc)) {
    if (typeof v !== 'string') errors.push(`${file}: verbs.${k}: must be an event.type`);
    else verbs.set(k, v);
  }

  const prefixes: PrefixEntry[] = [];
  const prefixDoc = root.prefixes ?? {};
  if (!isMap(prefixDoc)) errors.push(`${file}: prefixes: must be a map`);
  else for (const [prefix, v] of Object.entries(prefixDoc)) {
    const c = categorization(v, `${file}: prefixes.${prefix}`, errors, []);
    if (c) prefixes.push({ prefix, ...c });
  }
  // Longest first, so the first match is the most specific one.
  prefixes.sort((a, b) => b.prefix.length - a.prefix.length || (a.prefix < b.prefix ? -1 : 1));

  const types = new Map<string, TypeEntry>();
  const typesDoc = root.types;
  if (!isMap(typesDoc)) errors.push(`${file}: types: must be a map of event type to categorization`);
  else for (const [name, v] of Object.entries(typesDoc)) {
    const c = categorization(v, `${file}: types.${name}`, errors, ['fix', 'note']);
    if (!c) continue;
    const entry: TypeEntry = { name, ...c };
    const m = v as Record<string, unknown>;
    if (m.fix !== undefined) (entry as { fix?: string }).fix = String(m.fix);
    if (m.note !== undefined) (entry as { note?: string }).note = String(m.note);
    types.set(name, Object.freeze(entry));
  }
  if (errors.length > 0) throw new Error(errors.join('\n'));
  return { file, verbs, prefixes, types };
}

function categorization(v: unknown, where: string, errors: string[], extraKeys: string[]): Categorization | undefined {
  if (!isMap(v)) {
    errors.push(`${where}: must be a map with category and type`);
    return undefined;
  }
  const before = errors.length;
  for (const key of Object.keys(v)) if (!['category', 'type', ...extraKeys].includes(key)) errors.push(`${where}: ${key}: unknown key`);
  const list = (key: string): string[] => {
    const x = v[key];
    if (!Array.isArray(x) || x.some((s) => typeof s !== 'string')) {
      errors.push(`${where}.${key}: must be a list of strings`);
      return [];
    }
    return x as string[];
  };
  const category = list('category');
  const type = list('type');
  if (errors.length === before) for (const p of combinationProblems(category, type)) errors.push(`${where}: ${p}`);
  return errors.length > before ? undefined : { category: Object.freeze(category), type: Object.freeze(type) };
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Bounds the memo of prefix resolutions, so a stream of junk event names cannot grow memory. */
const MAX_MEMO = 4096;

/**
 * Resolves an event type to its categorization: exact name, else the longest prefix (refined by
 * its verb), else undefined (unknown). Prefix results are memoized; exact names are one Map get.
 */
export class CategoryResolver {
  private readonly memo = new Map<string, Categorization | null>();

  constructor(private readonly table: CategoryTable) {}

  resolve(type: string): Categorization | undefined {
    const exact = this.table.types.get(type);
    if (exact !== undefined) return exact;
    const memo = this.memo.get(type);
    if (memo !== undefined) return memo ?? undefined;
    const found = resolvePrefix(this.table, type);
    if (this.memo.size < MAX_MEMO) this.memo.set(type, found ?? null);
    return found;
  }
}

/** The prefix rule alone (no exact names): what a type would get if the table did not list it. */
export function resolvePrefix(table: CategoryTable, type: string): Categorization | undefined {
  for (const p of table.prefixes) {
    if (!type.startsWith(p.prefix) || type.length === p.prefix.length) continue;
    const verbType = table.verbs.get(type.slice(type.lastIndexOf('.') + 1));
    if (verbType === undefined || verbType === p.type[0]) return p;
    const refined = [verbType, ...p.type.slice(1).filter((t) => t !== verbType)];
    // A verb applies only where the prefix's categories allow it (session.x_create stays info).
    if (combinationProblems(p.category, refined).length > 0) return p;
    return Object.freeze({ category: p.category, type: Object.freeze(refined) });
  }
  return undefined;
}
