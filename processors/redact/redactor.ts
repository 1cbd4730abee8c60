/**
 * Applying the redaction rules to one event, and then to everything derived from it.
 *
 * The event itself (parsed, and its line) is rewritten by path. Fields other processors derived
 * from it before redact ran (ECS `user.name`, `related.*`, `client.ip`, `teleport.audit.*`,
 * Panther's normalized fields and p_any_* lists) are found by value, since redact cannot know
 * every other component's mapping: a derived string equal to a redacted value gets the same
 * replacement, one that contains a redacted value has it replaced inside, and one contained in a
 * redacted value (an IP split from `addr.remote`) gets the action applied to itself.
 */
import { stringifyLossless } from '../../core/json-lossless';
import { compileFieldPath, reaches, visitPath, type FieldPath } from '../../core/field-path';
import { applyAction, type ActionSpec } from './actions';
import type { RedactProcessorConfig } from './config';

/**
 * Shorter values are replaced only where they are a derived field's whole value, never inside or
 * around other text: a redacted `0` or `ssh` must not mangle every string holding that text.
 */
export const MIN_PARTIAL_LENGTH = 4;

interface Rule {
  readonly path: FieldPath;
  readonly spec: ActionSpec;
}

/** A redacted value's text, the action that applied, and what replaced it (undefined: dropped). */
export interface Clear {
  readonly spec: ActionSpec;
  readonly replacement: string | undefined;
}

export type ClearValues = Map<string, Clear>;

/** Marks a derived value that must go (a dropped value's copy). */
const DROP = Symbol('drop');

/** Panther's own metadata: never derived from a field's value, and the exporter needs it intact. */
const PANTHER_METADATA = new Set(['p_log_type', 'p_event_time', 'p_parse_time', 'p_row_id', 'p_source_id', 'p_source_label']);

export class Redactor {
  readonly rules: readonly Rule[];
  private readonly key: Buffer | undefined;

  constructor(config: RedactProcessorConfig) {
    const rules: Rule[] = [];
    for (const group of config.fields) {
      const spec: ActionSpec = { action: group.action, keepFirst: group.keep_first, keepLast: group.keep_last };
      for (const text of group.paths) {
        const path = compileFieldPath(text);
        // Validation compiled the same paths: a string here is a bug, not a config error.
        if (typeof path === 'string') throw new Error(`redact: fields path "${text}": ${path}`);
        rules.push({ path, spec });
      }
    }
    this.rules = rules;
    this.key = config.hash_key === undefined ? undefined : Buffer.from(config.hash_key, 'utf8');
  }

  /** True when any rule reaches a field of `event`: lookups only, for literal paths. */
  matches(event: unknown): boolean {
    const rules = this.rules;
    for (let i = 0; i < rules.length; i++) if (reaches(event, rules[i].path)) return true;
    return false;
  }

  /**
   * Applies the rules to `event` in place (a fresh object the caller owns) and notes every
   * redacted value's text in `clear`. A field two rules reach gets the first one's action only.
   * Returns how many fields were redacted.
   */
  apply(event: Record<string, unknown>, clear: ClearValues): number {
    const done = new Map<object, Set<string>>();
    let n = 0;
    for (const rule of this.rules) {
      const hits: [Record<string, unknown>, string][] = [];
      visitPath(event, rule.path, (container, key) => hits.push([container, key]));
      for (const [container, key] of hits) {
        let keys = done.get(container);
        if (keys?.has(key)) continue;
        if (!keys) done.set(container, (keys = new Set()));
        keys.add(key);
        const replaced = this.redactValue(container[key], rule.spec, clear);
        if (replaced === DROP) delete container[key];
        else container[key] = replaced;
        n++;
      }
    }
    return n;
  }

  /** A list of scalars keeps its shape (each element redacted), so its type still fits the schema. */
  private redactValue(value: unknown, spec: ActionSpec, clear: ClearValues): unknown {
    if (spec.action === 'drop') {
      noteLeaves(value, (text) => clear.set(text, { spec, replacement: undefined }));
      return DROP;
    }
    if (Array.isArray(value) && value.every(isScalar)) return value.map((v) => this.redactValue(v, spec, clear));
    if (value === null || value === undefined) return value;
    const text = typeof value === 'string' ? value : stringifyLossless(value);
    const replacement = applyAction(spec, this.key, text);
    noteLeaves(value, (leaf) => clear.set(leaf, { spec, replacement: leaf === text ? replacement : applyAction(spec, this.key, leaf) }));
    return replacement;
  }

  /**
   * Rewrites, in `target`, every value derived from a redacted one (see the file comment).
   * Copy on write below the top level: nested values may be shared with other pipelines.
   */
  scrubDerived(target: Record<string, unknown>, clear: ClearValues): void {
    if (clear.size === 0) return;
    const partial = [...clear].filter(([text]) => text.length >= MIN_PARTIAL_LENGTH);
    for (const key of Object.keys(target)) {
      if (PANTHER_METADATA.has(key)) continue;
      const next = this.scrubValue(target[key], clear, partial);
      if (next === DROP) delete target[key];
      else if (next !== target[key]) target[key] = next;
    }
  }

  /**
   * `text` (an error message, a dead letter's reason) with every redacted value in it replaced,
   * and also any start of one (4 characters or more): messages show values cut short.
   */
  scrubText(text: string, clear: ClearValues): string {
    const partial = [...clear].filter(([t]) => t.length >= MIN_PARTIAL_LENGTH);
    const whole = this.scrubValue(text, clear, partial);
    let out = whole === DROP ? '' : (whole as string);
    for (const [value, c] of partial) {
      for (let k = value.length - 1; k >= MIN_PARTIAL_LENGTH; k--) {
        const start = value.slice(0, k);
        if (out.includes(start)) {
          out = out.split(start).join(c.replacement ?? '');
          break;
        }
      }
    }
    return out;
  }

  private scrubValue(value: unknown, clear: ClearValues, partial: [string, Clear][]): unknown {
    if (typeof value === 'string') return this.scrubString(value, clear, partial);
    if (typeof value === 'number' || typeof value === 'bigint') {
      const hit = clear.get(String(value));
      return hit === undefined ? value : hit.replacement ?? DROP;
    }
    if (Array.isArray(value)) {
      let changed = false;
      const out: unknown[] = [];
      for (const v of value) {
        const next = this.scrubValue(v, clear, partial);
        if (next !== v) changed = true;
        if (next !== DROP) out.push(next);
      }
      if (!changed) return value;
      return out.length === 0 && value.length > 0 ? DROP : out;
    }
    if (typeof value === 'object' && value !== null) {
      let copy: Record<string, unknown> | undefined;
      for (const [k, v] of Object.entries(value)) {
        const next = this.scrubValue(v, clear, partial);
        if (next === v) continue;
        copy ??= { ...(value as Record<string, unknown>) };
        if (next === DROP) delete copy[k];
        else copy[k] = next;
      }
      return copy ?? value;
    }
    return value;
  }

  private scrubString(s: string, clear: ClearValues, partial: [string, Clear][]): string | typeof DROP {
    const exact = clear.get(s);
    if (exact !== undefined) return exact.replacement ?? DROP;
    let out = s;
    for (const [text, c] of partial) {
      if (out.includes(text)) out = out.split(text).join(c.replacement ?? '');
    }
    if (out !== s || s.length < MIN_PARTIAL_LENGTH) return out;
    for (const [text, c] of partial) {
      if (text.includes(s)) return applyAction(c.spec, this.key, s) ?? DROP;
    }
    return s;
  }
}

function isScalar(v: unknown): boolean {
  return v === null || typeof v !== 'object';
}

/** The text of every string and number inside `value` (booleans, nulls and empty strings say nothing). */
function noteLeaves(value: unknown, note: (text: string) => void): void {
  if (typeof value === 'string') { if (value !== '') note(value); }
  else if (typeof value === 'number' || typeof value === 'bigint') note(String(value));
  else if (Array.isArray(value)) for (const v of value) noteLeaves(v, note);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) noteLeaves(v, note);
}
