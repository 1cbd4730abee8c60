/**
 * Panther custom-schema YAML (the format of Panther's `Gravitational.TeleportAudit` schema): loaded,
 * checked and compiled once, then shared read-only by the schema and indicators processors.
 * Every problem in the file is reported at once, one line each, naming the file and field path.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readYamlFile, YamlFileError } from '../yaml-file';
import { isPlainObject } from '../config/schema';
import { pantherFieldName } from './names';
import { compileStrftime, isStrftimePattern } from './strftime';

export type PantherType = 'string' | 'int' | 'smallint' | 'bigint' | 'float' | 'boolean' | 'timestamp' | 'json' | 'array' | 'object';
const TYPES: readonly PantherType[] = ['string', 'int', 'smallint', 'bigint', 'float', 'boolean', 'timestamp', 'json', 'array', 'object'];

/** Indicator kinds Panther knows, with the p_any_* field each one feeds (see the indicators processor). */
export const INDICATOR_KINDS = [
  'ip', 'net_addr', 'domain', 'hostname', 'url', 'trace_id', 'username', 'email', 'aws_arn',
  'aws_account_id', 'aws_instance_id', 'aws_tag', 'md5', 'sha1', 'sha256', 'mac',
] as const;
export type IndicatorKind = (typeof INDICATOR_KINDS)[number];

export type NamedTimeFormat = 'rfc3339' | 'unix' | 'unix_ms' | 'unix_us' | 'unix_ns' | 'unix_auto';
const NAMED_TIME_FORMATS: readonly NamedTimeFormat[] = ['rfc3339', 'unix', 'unix_ms', 'unix_us', 'unix_ns', 'unix_auto'];
/** A NamedTimeFormat, or a strftime pattern (it holds a `%`) that compiled when the schema loaded. */
export type TimeFormat = string;

/** `validate` of a string value: a value it rejects counts as absent (so a required field fails). */
export interface ValueValidation {
  readonly allow?: readonly string[];
  readonly deny?: readonly string[];
  /** The value must be an IP address of this family. */
  readonly ip?: IpFamily;
  /** The value must be a CIDR block of this family. */
  readonly cidr?: IpFamily;
}
export type IpFamily = 'ipv4' | 'ipv6' | 'any';
const IP_FAMILIES: readonly IpFamily[] = ['ipv4', 'ipv6', 'any'];

/** The value type of a field or array element. */
export interface ValueSpec {
  readonly type: PantherType;
  /** Accepted formats, in order, for timestamps. */
  readonly timeFormats: readonly TimeFormat[];
  readonly indicators: readonly IndicatorKind[];
  /** Strings: the values accepted. */
  readonly validate?: ValueValidation;
  /** Objects, arrays and json: a string value holds the JSON text of the value. */
  readonly embeddedJson?: boolean;
  /** Arrays: the element type. */
  readonly element?: ValueSpec;
  /** Objects: the nested fields. */
  readonly fields?: readonly FieldSpec[];
}

export interface FieldSpec extends ValueSpec {
  /** The key in the input event (`addr.local`). */
  readonly name: string;
  /** The key in Panther's output (`addr_local`). */
  readonly outName: string;
  readonly required: boolean;
  readonly isEventTime: boolean;
}

export interface PantherSchema {
  /** `p_log_type`, from the file's `schema:` key. */
  readonly logType: string;
  readonly fields: readonly FieldSpec[];
  /** Where it was loaded from, for messages. */
  readonly file: string;
}

const TOP_KEYS = ['schema', 'description', 'referenceURL', 'version', 'fieldDiscoveryEnabled', 'fields'];
const VALUE_KEYS = ['type', 'description', 'timeFormats', 'timeFormat', 'indicators', 'validate', 'isEmbeddedJSON', 'element', 'fields'];
const FIELD_KEYS = ['name', 'required', 'isEventTime', ...VALUE_KEYS];
const ELEMENT_KEYS = VALUE_KEYS;
/** Panther schema features this processor does not implement: named, so the error says so. */
const TRANSFORMATIONS = ['copy', 'rename', 'concat', 'split', 'mask'];
const UNSUPPORTED: Record<string, string> = {
  parser: 'non-JSON parsers (csv, fastmatch, regex, script) are not supported: the schema processor reads JSON events',
  ...Object.fromEntries(TRANSFORMATIONS.map((k) => [k, `Panther's field transformations (${TRANSFORMATIONS.join(', ')}) are not supported`])),
};

/** The Teleport schema shipped in `schemas/`, found from wherever the code was compiled to. */
export function bundledSchemaPath(): string {
  const rel = path.join('schemas', 'gravitational-teleportaudit.schema.yml');
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, rel);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return path.resolve(rel);
  }
}

const loaded = new Map<string, PantherSchema>();

/**
 * Loads (once per path) and compiles a schema file. Throws an Error whose message is one line per
 * problem, each starting with the file name.
 */
export function loadPantherSchema(file: string): PantherSchema {
  const abs = path.resolve(file);
  let schema = loaded.get(abs);
  if (schema === undefined) {
    let doc: unknown;
    try {
      doc = readYamlFile(abs);
    } catch (err) {
      if (!(err instanceof YamlFileError)) throw err;
      throw new Error(err.stage === 'read' ? `${file}: cannot read the Panther schema: ${err.message}` : `${file}: not valid YAML: ${err.message}`);
    }
    schema = compilePantherSchema(doc, file);
    loaded.set(abs, schema);
  }
  return schema;
}

/** A parsed schema document, checked and compiled; `file` names it in messages. */
export function compilePantherSchema(doc: unknown, file: string): PantherSchema {
  const errors: string[] = [];
  if (!isPlainObject(doc)) throw new Error(`${file}: must be a map with "schema" and "fields"`);
  unknownKeys(doc, TOP_KEYS, '', errors);
  const logType = typeof doc.schema === 'string' && doc.schema !== '' ? doc.schema : (errors.push('schema: must name the log type'), '');
  let fields: FieldSpec[] = [];
  if (!Array.isArray(doc.fields) || doc.fields.length === 0) errors.push('fields: must be a non-empty list');
  else fields = compileFields(doc.fields, 'fields', errors);
  if (fields.filter((f) => f.isEventTime).length > 1) errors.push('fields: only one field may have isEventTime: true');
  if (errors.length > 0) throw new Error(errors.map((e) => `${file}: ${e}`).join('\n'));
  return { logType, fields, file };
}

function compileFields(list: unknown[], at: string, errors: string[]): FieldSpec[] {
  const out: FieldSpec[] = [];
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const where = `${at}[${i}]`;
    if (!isPlainObject(item)) { errors.push(`${where}: must be a map with name and type`); return; }
    unknownKeys(item, FIELD_KEYS, where, errors);
    const name = typeof item.name === 'string' && item.name !== '' ? item.name : (errors.push(`${where}.name: required`), `#${i}`);
    const here = `${at}.${name}`;
    if (seen.has(name)) errors.push(`${here}: declared twice`);
    seen.add(name);
    const value = compileValue(item, here, errors);
    const required = flag(item.required, `${here}.required`, errors);
    const isEventTime = flag(item.isEventTime, `${here}.isEventTime`, errors);
    if (isEventTime && value.type !== 'timestamp') errors.push(`${here}.isEventTime: only a timestamp field can be the event time`);
    out.push({ ...value, name, outName: pantherFieldName(name), required, isEventTime });
  });
  return out;
}

function compileValue(item: Record<string, unknown>, where: string, errors: string[]): ValueSpec {
  const type = item.type as PantherType;
  if (!TYPES.includes(type)) {
    errors.push(`${where}.type: must be one of ${TYPES.join(', ')} (got ${JSON.stringify(item.type)})`);
    return { type: 'json', timeFormats: [], indicators: [] };
  }
  const timeFormats = compileTimeFormats(item, type, where, errors);
  const indicators: IndicatorKind[] = [];
  if (item.indicators !== undefined) {
    if (!Array.isArray(item.indicators)) errors.push(`${where}.indicators: must be a list`);
    else for (const k of item.indicators) {
      if (INDICATOR_KINDS.includes(k as IndicatorKind)) indicators.push(k as IndicatorKind);
      else errors.push(`${where}.indicators: unknown indicator ${JSON.stringify(k)} (known: ${INDICATOR_KINDS.join(', ')})`);
    }
  }
  let element: ValueSpec | undefined;
  let fields: FieldSpec[] | undefined;
  if (type === 'array') {
    if (!isPlainObject(item.element)) errors.push(`${where}.element: an array needs an element type`);
    else {
      unknownKeys(item.element, ELEMENT_KEYS, `${where}.element`, errors);
      element = compileValue(item.element, `${where}.element`, errors);
    }
  } else if (item.element !== undefined) errors.push(`${where}.element: only arrays have an element type`);
  if (type === 'object') {
    if (!Array.isArray(item.fields) || item.fields.length === 0) errors.push(`${where}.fields: an object needs a non-empty list of fields`);
    else fields = compileFields(item.fields, `${where}.fields`, errors);
  } else if (item.fields !== undefined) errors.push(`${where}.fields: only objects have fields`);
  const validate = compileValidation(item.validate, type, `${where}.validate`, errors);
  const embeddedJson = flag(item.isEmbeddedJSON, `${where}.isEmbeddedJSON`, errors);
  if (embeddedJson && type !== 'object' && type !== 'array' && type !== 'json') errors.push(`${where}.isEmbeddedJSON: only object, array and json values can be embedded JSON`);
  return { type, timeFormats, indicators, element, fields, ...(validate && { validate }), ...(embeddedJson && { embeddedJson }) };
}

function compileTimeFormats(item: Record<string, unknown>, type: PantherType, where: string, errors: string[]): TimeFormat[] {
  const formats = item.timeFormats ?? (item.timeFormat === undefined ? undefined : [item.timeFormat]);
  if (type !== 'timestamp') {
    if (formats !== undefined) errors.push(`${where}.timeFormats: only timestamp fields take time formats`);
    return [];
  }
  const supported = `${NAMED_TIME_FORMATS.join(', ')}, or a strftime pattern such as "%Y-%m-%d %H:%M:%S"`;
  if (!Array.isArray(formats) || formats.length === 0) {
    errors.push(`${where}.timeFormats: a timestamp needs at least one format (${supported})`);
    return [];
  }
  const out: TimeFormat[] = [];
  for (const f of formats) {
    if (typeof f === 'string' && NAMED_TIME_FORMATS.includes(f as NamedTimeFormat)) out.push(f);
    else if (typeof f === 'string' && isStrftimePattern(f)) {
      try {
        compileStrftime(f);
        out.push(f);
      } catch (err) {
        errors.push(`${where}.timeFormats: ${JSON.stringify(f)}: ${(err as Error).message}`);
      }
    } else errors.push(`${where}.timeFormats: unsupported format ${JSON.stringify(f)} (supported: ${supported})`);
  }
  return out;
}

function compileValidation(v: unknown, type: PantherType, where: string, errors: string[]): ValueValidation | undefined {
  if (v === undefined) return undefined;
  if (type !== 'string') { errors.push(`${where}: only string values take validate`); return undefined; }
  if (!isPlainObject(v)) { errors.push(`${where}: must be a map (allow, deny, ip, cidr)`); return undefined; }
  unknownKeys(v, ['allow', 'deny', 'ip', 'cidr'], where, errors);
  const list = (key: 'allow' | 'deny'): string[] | undefined => {
    const x = v[key];
    if (x === undefined) return undefined;
    if (!Array.isArray(x) || x.some((e) => typeof e !== 'string')) { errors.push(`${where}.${key}: must be a list of strings`); return undefined; }
    return x as string[];
  };
  const family = (key: 'ip' | 'cidr'): IpFamily | undefined => {
    const x = v[key];
    if (x === undefined) return undefined;
    if (!IP_FAMILIES.includes(x as IpFamily)) { errors.push(`${where}.${key}: must be one of ${IP_FAMILIES.join(', ')} (got ${JSON.stringify(x)})`); return undefined; }
    return x as IpFamily;
  };
  const out: ValueValidation = { allow: list('allow'), deny: list('deny'), ip: family('ip'), cidr: family('cidr') };
  return Object.fromEntries(Object.entries(out).filter(([, x]) => x !== undefined)) as ValueValidation;
}

function flag(v: unknown, where: string, errors: string[]): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') errors.push(`${where}: must be true or false`);
  return v === true;
}

function unknownKeys(obj: Record<string, unknown>, known: string[], where: string, errors: string[]): void {
  for (const k of Object.keys(obj)) {
    if (known.includes(k)) continue;
    const at = `${where === '' ? '' : `${where}.`}${k}`;
    errors.push(UNSUPPORTED[k] !== undefined ? `${at}: ${UNSUPPORTED[k]}` : `${at}: not supported (known keys: ${known.join(', ')})`);
  }
}

/** Config validation shared by the processors that load a schema: one line per schema problem. */
export function validateSchemaFile(schemaFile: string | undefined): string[] {
  try {
    loadPantherSchema(schemaFile ?? bundledSchemaPath());
    return [];
  } catch (err) {
    return (err as Error).message.split('\n').map((line) => `schema_file: ${line}`);
  }
}
