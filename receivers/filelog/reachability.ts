/**
 * What the filelog receiver cannot read, said out loud: globs that match nothing, directories it
 * cannot list and files it cannot open, each with the OS error. A problem is logged when it first
 * appears, reminded while it lasts, and logged again when it clears; `/healthz` says `degraded`
 * with the first one while any lasts. Without this, a typo in a glob or a permission the container
 * user lacks reads nothing and looks healthy.
 */
import path from 'node:path';
import fg from 'fast-glob';
import type { CreateContext } from '../../core/component';
import type { Discovery } from './discovery';

/** How often a problem that lasts is logged again. */
const REMIND_MS = 60_000;

export interface ReadProblem {
  /** Stable identity across polls (the glob, the directory or the file). */
  readonly key: string;
  /** One line: config key, what, where, the OS error. */
  readonly line: string;
  /** False for a glob that matches nothing yet (files may appear later); true when something exists but cannot be read. */
  readonly unreadable: boolean;
}

export class Reachability {
  private current = new Map<string, ReadProblem & { loggedAt: number }>();
  private readonly bases: string[];
  private readonly where: string;

  constructor(private readonly include: readonly string[], private readonly ctx: CreateContext, private readonly remindMs = REMIND_MS) {
    this.where = `receivers.${ctx.id}.include`;
    this.bases = include.map((g) => path.resolve(fg.generateTasks([g])[0]?.base ?? '.'));
  }

  /** The problems of one poll: the discovery's, and the files found but not opened (path → OS error). */
  update(found: Discovery, unopened: ReadonlyMap<string, string>, following: number): ReadProblem[] {
    const problems: ReadProblem[] = [];
    const explained = new Set<string>();
    for (const i of found.emptyGlobs) {
      const base = found.unlisted.find((d) => d.path === this.bases[i]);
      if (base !== undefined) explained.add(base.path);
      const why = base === undefined ? ' (yet)' : `: ${base.code === 'ENOENT' ? '' : 'cannot list '}${base.path}: ${base.message}`;
      problems.push({ key: `glob:${i}`, line: `${this.where}[${i}]: ${JSON.stringify(this.include[i])} matches no file${why}`, unreadable: base !== undefined && base.code !== 'ENOENT' });
    }
    for (const d of found.unlisted) {
      // A directory gone between listing its parent and itself is a race, not a problem.
      if (explained.has(d.path) || d.code === 'ENOENT') continue;
      problems.push({ key: `dir:${d.path}`, line: `${this.where}: cannot list ${d.path}: ${d.message}; files under it are not read`, unreadable: true });
    }
    for (const [file, message] of unopened) {
      problems.push({ key: `file:${file}`, line: `${this.where}: cannot read ${file}: ${message}`, unreadable: true });
    }
    this.apply(problems, following);
    return problems;
  }

  private apply(problems: ReadProblem[], following: number): void {
    const now = Date.now();
    const next = new Map<string, ReadProblem & { loggedAt: number }>();
    for (const p of problems) {
      const before = this.current.get(p.key);
      if (before === undefined || now - before.loggedAt >= this.remindMs) {
        this.ctx.logger.warn(before === undefined ? p.line : `${p.line} (still)`);
        next.set(p.key, { ...p, loggedAt: now });
      } else {
        next.set(p.key, { ...p, loggedAt: before.loggedAt });
      }
    }
    for (const [key, p] of this.current) {
      if (!next.has(key)) this.ctx.logger.info(`resolved: ${p.line}`);
    }
    this.current = next;
    if (problems.length === 0) {
      this.ctx.telemetry.health.report('ok');
    } else {
      const more = problems.length > 1 ? ` (and ${problems.length - 1} more, see the log)` : '';
      const status = following === 0 ? 'nothing to read: ' : '';
      this.ctx.telemetry.health.report('degraded', `${status}${problems[0].line}${more}`);
    }
  }
}
