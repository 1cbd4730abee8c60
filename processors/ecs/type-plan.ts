/**
 * The per-event-type plan, compiled once at start for every type the categorization table names
 * (and on first sight, bounded, for any other name): the constants every event of the type gets
 * (event.category, event.type, event.action), which type-dependent placements apply (HTTP fields,
 * file paths, a command's exit status), and the field moves of its keys in the order its events
 * carry them. Events of one type come from one Teleport struct, so their keys arrive in the same
 * order: the mapper matches each key against the plan's key at the same position (a pointer
 * comparison, as JSON.parse interns keys) and only looks a key up when the order differs, which
 * also teaches the plan the new order.
 */
import type { Categorization } from './categories';
import { FIELDS, type KeyPlan } from './fields';

export interface TypePlan {
  /** The Teleport type as read ('' when absent or not a string). */
  readonly type: string;
  /** The categorization, or undefined when the type is unknown (missing, empty, not in the table). */
  readonly categorization: Categorization | undefined;
  /** `method`/`path`/`status_code`/`raw_query` describe an HTTP exchange. */
  readonly http: boolean;
  /** `path` names a file. */
  readonly file: boolean;
  /** `return_code` is the program's exit status (elsewhere it is a system call's result). */
  readonly command: boolean;
  /** Keys in the order the last event of this type carried them (up to MAX_SHAPE)... */
  readonly shape: string[];
  /** ...and the move of each. */
  readonly moves: KeyPlan[];
}

/** Keys per event remembered by position; later keys are looked up. */
export const MAX_SHAPE = 64;
/** Plans and key moves kept for names outside the table, so junk names cannot grow memory. */
const MAX_EXTRA_PLANS = 4096;
const MAX_KEYS = 10_000;

type Resolve = (type: string) => Categorization | undefined;

export class TypePlans {
  private readonly plans = new Map<string, TypePlan>();
  private readonly planLimit: number;
  /**
   * One entry per Teleport key: its ECS field id, or `<prefix>.<key>` built once (a fresh
   * concatenation per record would be flattened and hashed again when used as a property name).
   */
  private readonly keys = new Map<string, KeyPlan>(FIELDS);
  /** `<prefix>.<key>` of the keys with an ECS home, for values that cannot go there. */
  private readonly fieldAuditKeys = new Map<string, string>();
  private readonly audit: string;

  constructor(private readonly resolve: Resolve, auditPrefix: string, knownTypes: Iterable<string>) {
    this.audit = auditPrefix === '' ? '' : `${auditPrefix}.`;
    for (const key of FIELDS.keys()) this.fieldAuditKeys.set(key, this.audit + key);
    for (const type of knownTypes) this.plans.set(type, this.compile(type));
    this.planLimit = this.plans.size + MAX_EXTRA_PLANS;
  }

  /** The plan of `type` ('' for events without a type). */
  forType(type: string): TypePlan {
    let plan = this.plans.get(type);
    if (plan === undefined) {
      plan = this.compile(type);
      if (this.plans.size < this.planLimit) this.plans.set(type, plan);
    }
    return plan;
  }

  /** The move of a key: its ECS field id, or the attribute name it goes under. */
  key(key: string): KeyPlan {
    let plan = this.keys.get(key);
    if (plan === undefined) {
      plan = this.audit + key;
      if (this.keys.size < MAX_KEYS) this.keys.set(key, plan);
    }
    return plan;
  }

  /** The attribute name of `key` under the audit prefix, for values without (usable) ECS home. */
  auditKey(key: string): string {
    const plan = this.key(key);
    return typeof plan === 'string' ? plan : this.fieldAuditKeys.get(key)!;
  }

  private compile(type: string): TypePlan {
    return {
      type,
      categorization: type === '' ? undefined : this.resolve(type),
      http: type === 'app.session.request' || type.startsWith('http.'),
      file: type === 'scp' || type === 'sftp' || type === 'sftp_summary' || type === 'session.disk',
      command: type === 'session.command',
      shape: [],
      moves: [],
    };
  }
}
