import { isPlainObject, oneOf, type FieldSpec, type Infer } from '../../core/config/schema';
import { compileCondition } from './conditions';

export type FilterAction = 'keep' | 'drop';

/**
 * One rule as validated. `when` stays the plain condition as written (configs are cloned to
 * worker threads, which cannot carry functions); the processor compiles it once when created.
 */
export interface FilterRule {
  readonly name: string;
  readonly action: FilterAction;
  readonly when: unknown;
}

const RULE_KEYS = ['name', 'action', 'when'];

/**
 * `rules`: a list of `{name, action, when}`. The condition language is recursive (all/any/not),
 * which the generic schema helpers do not express, so this field parses it itself, with the same
 * error format (`<path>: <message>`, every error at once).
 */
function rules(): FieldSpec<FilterRule[]> {
  return {
    type: 'list of rule',
    doc: 'Rules tried in order; the first whose `when` matches decides (`action: keep` or `drop`). Each has a `name` (unique: the metrics label) and a `when` condition (see Conditions above).',
    default: [],
    parse(value, path, errors) {
      if (!Array.isArray(value)) {
        errors.push(`${path}: must be a list of rules ({name, action, when})`);
        return undefined;
      }
      const before = errors.length;
      const names = new Set<string>();
      const out: FilterRule[] = [];
      value.forEach((rule, i) => {
        const at = `${path}[${i}]`;
        if (!isPlainObject(rule)) {
          errors.push(`${at}: must be a map with name, action and when`);
          return;
        }
        for (const k of Object.keys(rule)) if (!RULE_KEYS.includes(k)) errors.push(`${at}.${k}: unknown key (known: ${RULE_KEYS.join(', ')})`);
        const { name, action } = rule;
        if (typeof name !== 'string' || !/^[A-Za-z0-9_.:-]+$/.test(name)) {
          errors.push(`${at}.name: required: letters, digits, _ . : - (it labels the rule's metrics)`);
        } else if (names.has(name)) {
          errors.push(`${at}.name: "${name}" is used by an earlier rule`);
        } else names.add(name);
        if (action !== 'keep' && action !== 'drop') errors.push(`${at}.action: must be one of keep, drop`);
        if (rule.when === undefined) errors.push(`${at}.when: required`);
        else if (compileCondition(rule.when, `${at}.when`, errors)) out.push({ name: name as string, action: action as FilterAction, when: rule.when });
      });
      return errors.length > before ? undefined : out;
    },
  };
}

export const filterProcessorConfig = {
  rules: rules(),
  default_action: oneOf(['keep', 'drop'] as const, {
    doc: 'What happens to a record no rule matches. `keep` (the default) with only `drop` rules drops the noise; `drop` with `keep` rules keeps only what is listed.',
    default: 'keep',
  }),
};

export type FilterProcessorConfig = Infer<typeof filterProcessorConfig>;
