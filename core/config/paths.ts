/**
 * File-system checks of a validated config, done once for every component: each field declared
 * with `localPath` (schema.ts) is checked for what the component will do with it. An error when it
 * cannot work (a TLS file that is missing or unreadable, an output directory that is a file or
 * may not be written); a warning when it may still appear before the start (a directory that does
 * not exist yet under a parent this user cannot write: a volume not mounted yet). Inputs that
 * cannot be read now and outputs that cannot be written now (`fixableWhileRunning`) are errors for
 * `validate` and warnings for `run`, whose components keep trying and say so on /healthz.
 */
import fs from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import type { ComponentConfig, ServiceConfig } from './load';
import { isPlainObject, join, type PathUse, type Shape } from './schema';

export interface PathReport {
  readonly errors: string[];
  readonly warnings: string[];
  /**
   * Inputs that cannot be read now (a glob's directory this user may not list) and outputs that
   * cannot be written now (a directory that is a file, or not writable): errors for `validate`,
   * warnings for `run`, whose component keeps trying and says so on /healthz and in its log, since
   * a permission or a mount can be fixed without touching the config.
   */
  readonly fixableWhileRunning: string[];
}

export function checkConfigPaths(config: ServiceConfig): PathReport {
  const report: PathReport = { errors: [], warnings: [], fixableWhileRunning: [] };
  const sections: [string, Map<string, ComponentConfig>][] = [['receivers', config.receivers], ['processors', config.processors], ['exporters', config.exporters]];
  for (const [section, components] of sections) {
    for (const [id, c] of components) walk(c.factory.configShape, c.config, `${section}.${id}`, report);
  }
  return report;
}

function walk(shape: Shape, value: unknown, where: string, report: PathReport): void {
  if (!isPlainObject(value)) return;
  for (const [key, field] of Object.entries(shape)) {
    const v = value[key];
    if (field.shape !== undefined) walk(field.shape, v, join(where, key), report);
    else if (field.pathUse !== undefined && typeof v === 'string' && v !== '') check(v, field.pathUse, join(where, key), report);
    else if (field.pathUse !== undefined && Array.isArray(v)) {
      v.forEach((p, i) => { if (typeof p === 'string' && p !== '') check(p, field.pathUse!, `${join(where, key)}[${i}]`, report); });
    }
  }
}

function check(p: string, use: PathUse, key: string, report: PathReport): void {
  if (use === 'read-glob') return glob(p, key, report);
  const abs = path.resolve(p);
  const st = statOf(abs);
  if (use === 'read-file') {
    if (st instanceof Error) return void report.errors.push(`${key}: cannot read ${abs}: ${osText(st)}`);
    if (!st.isFile()) return void report.errors.push(`${key}: ${abs} is not a file`);
    if (!may(abs, fs.constants.R_OK)) report.errors.push(`${key}: ${abs} cannot be read by this user (EACCES: permission denied)`);
    return;
  }
  if (use === 'write-file') {
    if (!(st instanceof Error)) {
      if (st.isDirectory()) return void report.fixableWhileRunning.push(`${key}: ${abs} is a directory, not a file`);
      if (!may(abs, fs.constants.W_OK)) report.fixableWhileRunning.push(`${key}: ${abs} cannot be written by this user (EACCES: permission denied)`);
      return;
    }
    if (!missing(st)) return void report.fixableWhileRunning.push(`${key}: ${abs}: ${osText(st)}`);
    return directory(path.dirname(abs), key, report, ` (the directory of ${abs})`);
  }
  directory(abs, key, report, '');
}

/** ENOTDIR: a file stands where a parent directory should; looked at when walking up. */
function missing(err: Error): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * The directory a glob starts from must be one this user may list. Missing is a warning (a volume
 * not mounted yet, a directory the first event creates); a file or a directory it may not list is
 * an error, since the receiver would read nothing from it.
 */
function glob(pattern: string, key: string, report: PathReport): void {
  // A plain path (no wildcard) names the file itself, which may be created later.
  const base = fg.isDynamicPattern(pattern) ? path.resolve(fg.generateTasks([pattern])[0]?.base ?? '.') : path.resolve(pattern);
  const st = statOf(base);
  if (st instanceof Error) {
    if (missing(st)) report.warnings.push(`${key}: ${JSON.stringify(pattern)} matches nothing yet: ${base}: ${osText(st)}`);
    else report.fixableWhileRunning.push(`${key}: ${JSON.stringify(pattern)}: ${base}: ${osText(st)}`);
    return;
  }
  if (!fg.isDynamicPattern(pattern)) {
    if (!st.isFile()) report.fixableWhileRunning.push(`${key}: ${base} is not a file`);
    else if (!may(base, fs.constants.R_OK)) report.fixableWhileRunning.push(`${key}: ${base} cannot be read by this user (EACCES: permission denied)`);
    return;
  }
  if (!st.isDirectory()) return void report.fixableWhileRunning.push(`${key}: ${JSON.stringify(pattern)}: ${base} is not a directory`);
  if (!may(base, fs.constants.R_OK | fs.constants.X_OK)) report.fixableWhileRunning.push(`${key}: ${JSON.stringify(pattern)}: cannot list ${base}: this user may not (EACCES: permission denied)`);
}

/** A directory the component writes in, created when missing. */
function directory(dir: string, key: string, report: PathReport, of: string): void {
  const st = statOf(dir);
  if (!(st instanceof Error)) {
    if (!st.isDirectory()) return void report.fixableWhileRunning.push(`${key}: ${dir}${of} is not a directory`);
    if (!may(dir, fs.constants.W_OK | fs.constants.X_OK)) report.fixableWhileRunning.push(`${key}: ${dir}${of} cannot be written by this user (EACCES: permission denied)`);
    return;
  }
  if (!missing(st)) return void report.fixableWhileRunning.push(`${key}: ${dir}${of}: ${osText(st)}`);
  // Missing: it is created at start if the nearest existing parent lets this user.
  let parent = path.dirname(dir);
  let pst = statOf(parent);
  while (pst instanceof Error && missing(pst) && path.dirname(parent) !== parent) {
    parent = path.dirname(parent);
    pst = statOf(parent);
  }
  if (pst instanceof Error) return void report.fixableWhileRunning.push(`${key}: cannot create ${dir}: ${parent}: ${osText(pst)}`);
  if (!pst.isDirectory()) return void report.fixableWhileRunning.push(`${key}: cannot create ${dir}: ${parent} is not a directory`);
  if (!may(parent, fs.constants.W_OK | fs.constants.X_OK)) {
    report.warnings.push(`${key}: ${dir} does not exist, and this user cannot create it in ${parent}; create it (or mount a volume there) before the start`);
  }
}

function statOf(p: string): fs.Stats | Error {
  try {
    return fs.statSync(p);
  } catch (err) {
    return err as Error;
  }
}

function may(p: string, mode: number): boolean {
  try {
    fs.accessSync(p, mode);
    return true;
  } catch {
    return false;
  }
}

function osText(err: Error): string {
  const e = err as NodeJS.ErrnoException;
  return e.code !== undefined ? e.message.split(',')[0] : e.message;
}
