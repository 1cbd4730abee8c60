/**
 * Loads and validates pipeline.yaml against a registry, reporting every error at once, one line
 * each, with its config path. Creates nothing: `validate` and `run` share this step.
 */
import fs from 'node:fs';
import { parseDocument, LineCounter } from 'yaml';
import type { AnyFactory, ComponentKind } from '../component';
import { UserError } from '../errors';
import type { Registry } from '../registry-types';
import { isPlainObject, parseShape } from './schema';
import { substituteEnv } from './env';

export interface ComponentConfig {
  readonly id: string;
  readonly factory: AnyFactory;
  readonly config: unknown;
}

export interface PipelineConfig {
  readonly id: string;
  readonly receivers: string[];
  readonly processors: string[];
  readonly exporters: string[];
  readonly deadLetter: string[];
  /** Worker threads that decode, process and encode this pipeline's records; 0 runs them on the main thread. */
  readonly workers: number;
}

export interface ServiceConfig {
  readonly file: string;
  readonly receivers: Map<string, ComponentConfig>;
  readonly processors: Map<string, ComponentConfig>;
  readonly exporters: Map<string, ComponentConfig>;
  readonly pipelines: PipelineConfig[];
  /** Non-fatal remarks (unused components...). */
  readonly warnings: string[];
}

const SECTIONS = { receivers: 'receiver', processors: 'processor', exporters: 'exporter' } as const;
type Section = keyof typeof SECTIONS;
const TOP_LEVEL = ['receivers', 'processors', 'exporters', 'service'];
const ID = /^([a-z][a-z0-9_]*)(?:\/([^\s/]+))?$/;
const PIPELINE_ID = /^logs(?:\/[^\s/]+)?$/;

export function loadConfigFile(file: string, registry: Registry, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError([`${file}: cannot read the config: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  return parseConfig(text, file, registry, env);
}

export function parseConfig(text: string, file: string, registry: Registry, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // Later YAML errors are mostly a cascade of the first; one precise line helps more.
    const e = doc.errors[0];
    const pos = lineCounter.linePos(e.pos[0]);
    throw new UserError([`${file}:${pos.line}:${pos.col}: YAML syntax error: ${e.message.split('\n')[0]}`]);
  }
  const errors: string[] = [];
  const root = substituteEnv(doc.toJS() ?? {}, '', env, errors);
  if (!isPlainObject(root)) throw new UserError([`${file}: must be a map with receivers, processors, exporters and service`]);
  for (const key of Object.keys(root)) {
    if (!TOP_LEVEL.includes(key)) errors.push(`${key}: unknown section (known: ${TOP_LEVEL.join(', ')})`);
  }
  const sections = {
    receivers: components(root, 'receivers', registry, errors),
    processors: components(root, 'processors', registry, errors),
    exporters: components(root, 'exporters', registry, errors),
  };
  const pipelines = parsePipelines(root.service, sections, errors);
  if (errors.length > 0) throw new UserError(errors);
  return { file, ...sections, pipelines, warnings: unused(sections, pipelines) };
}

function components(root: Record<string, unknown>, section: Section, registry: Registry, errors: string[]): Map<string, ComponentConfig> {
  const out = new Map<string, ComponentConfig>();
  const block = root[section];
  if (block === undefined || block === null) return out;
  if (!isPlainObject(block)) {
    errors.push(`${section}: must be a map of component ids to settings`);
    return out;
  }
  const kind: ComponentKind = SECTIONS[section];
  for (const [id, value] of Object.entries(block)) {
    const where = `${section}.${id}`;
    const m = ID.exec(id);
    if (!m) {
      errors.push(`${where}: invalid component id (expected type or type/name, e.g. ${kind === 'exporter' ? 'file/dead-letter' : 'filelog/teleport'})`);
      continue;
    }
    const factory = registry.find(kind, m[1]);
    if (!factory) {
      errors.push(`${where}: unknown ${kind} type "${m[1]}" (known: ${registry.types(kind).join(', ')})`);
      continue;
    }
    const before = errors.length;
    const config = parseShape(factory.configShape, value, where, errors);
    if (config !== undefined && errors.length === before && factory.validate) {
      for (const line of factory.validate(config as never)) errors.push(`${where}.${line}`);
    }
    out.set(id, { id, factory, config });
  }
  return out;
}

function parsePipelines(service: unknown, sections: Record<Section, Map<string, ComponentConfig>>, errors: string[]): PipelineConfig[] {
  if (!isPlainObject(service)) {
    errors.push('service: required: a map with pipelines');
    return [];
  }
  for (const key of Object.keys(service)) if (key !== 'pipelines') errors.push(`service.${key}: unknown key (known: pipelines)`);
  const pipelines = service.pipelines;
  if (!isPlainObject(pipelines) || Object.keys(pipelines).length === 0) {
    errors.push('service.pipelines: required: at least one pipeline, e.g. logs/teleport');
    return [];
  }
  const out: PipelineConfig[] = [];
  for (const [id, value] of Object.entries(pipelines)) {
    const where = `service.pipelines.${id}`;
    if (!PIPELINE_ID.test(id)) errors.push(`${where}: pipeline ids are logs or logs/<name> (only logs are supported)`);
    if (!isPlainObject(value)) {
      errors.push(`${where}: must be a map with ${PIPELINE_KEYS.join(', ')}`);
      continue;
    }
    for (const key of Object.keys(value)) {
      if (!PIPELINE_KEYS.includes(key)) errors.push(`${where}.${key}: unknown key (known: ${PIPELINE_KEYS.join(', ')})`);
    }
    out.push({
      id,
      receivers: refs(value.receivers, `${where}.receivers`, sections.receivers, 'receiver', true, errors),
      processors: refs(value.processors, `${where}.processors`, sections.processors, 'processor', false, errors),
      exporters: refs(value.exporters, `${where}.exporters`, sections.exporters, 'exporter', true, errors),
      deadLetter: refs(value.dead_letter, `${where}.dead_letter`, sections.exporters, 'exporter', false, errors),
      workers: workerCount(value.workers, `${where}.workers`, errors),
    });
  }
  return out;
}

const PIPELINE_KEYS = ['receivers', 'processors', 'exporters', 'dead_letter', 'workers'];
const MAX_WORKERS = 64;

function workerCount(value: unknown, where: string, errors: string[]): number {
  if (value === undefined || value === null) return 0;
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > MAX_WORKERS) {
    errors.push(`${where}: must be an integer from 0 to ${MAX_WORKERS}, got ${JSON.stringify(value)}`);
    return 0;
  }
  return value as number;
}

function refs(value: unknown, where: string, defined: Map<string, ComponentConfig>, kind: string, required: boolean, errors: string[]): string[] {
  if (value === undefined || value === null) {
    if (required) errors.push(`${where}: required: list at least one ${kind}`);
    return [];
  }
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    errors.push(`${where}: must be a list of ${kind} ids`);
    return [];
  }
  if (required && value.length === 0) errors.push(`${where}: required: list at least one ${kind}`);
  const seen = new Set<string>();
  value.forEach((id: string, i) => {
    if (!defined.has(id)) errors.push(`${where}[${i}]: ${kind} "${id}" is not defined under ${kind}s`);
    if (seen.has(id)) errors.push(`${where}[${i}]: ${kind} "${id}" is listed twice`);
    seen.add(id);
  });
  return value as string[];
}

function unused(sections: Record<Section, Map<string, ComponentConfig>>, pipelines: PipelineConfig[]): string[] {
  const used = new Set(pipelines.flatMap((p) => [...p.receivers, ...p.processors, ...p.exporters, ...p.deadLetter].map((id) => id)));
  const out: string[] = [];
  for (const [section, map] of Object.entries(sections)) {
    for (const id of map.keys()) if (!used.has(id)) out.push(`${section}.${id}: defined but not used by any pipeline`);
  }
  return out;
}
