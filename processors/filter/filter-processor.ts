/**
 * The `filter` processor: keeps or drops records by first-matching rule. A dropped record is
 * handled, not refused: the core counts it as filtered and its checkpoint moves like an exported
 * record's; it never goes to the dead letter. Rules are compiled once, when the processor is
 * created, so a record costs the tests of the rules up to the one that matches.
 */
import type { CreateContext, Processor, ProcessResult } from '../../core/component';
import type { LogRecord } from '../../core/record';
import type { Logger } from '../../core/telemetry/logger';
import { compileCondition, type Compiled } from './conditions';
import type { FilterAction, FilterProcessorConfig } from './config';

interface Rule {
  readonly name: string;
  readonly action: FilterAction;
  readonly when: Compiled;
}

/** The metrics label of records no rule matched. */
export const DEFAULT_RULE = '(default)';

export class FilterProcessor implements Processor {
  readonly mutates = false;
  private readonly rules: readonly Rule[];
  private readonly defaultAction: FilterAction;
  private readonly counter: { inc(labels: { rule: string; action: string }, n?: number): void };
  /** Per rule (and the default, last): records it decided in the current batch. */
  private readonly decided: number[];
  private readonly logger: Logger;
  private readonly needsEcs: string[];
  private warnedNoEcs = false;

  constructor(config: FilterProcessorConfig, ctx: CreateContext) {
    this.rules = config.rules.map((rule, i) => {
      const errors: string[] = [];
      const when = compileCondition(rule.when, `rules[${i}].when`, errors);
      // Validation compiled the same condition already: an error here is a bug, not a config error.
      if (when === undefined) throw new Error(`filter: rule ${rule.name}: ${errors.join('; ')}`);
      return { name: rule.name, action: rule.action, when };
    });
    this.defaultAction = config.default_action;
    this.counter = ctx.telemetry.labelledCounter('filter_records_total',
      'Records each filter rule decided (the first rule that matched), by rule name and action; rule="(default)" for records no rule matched.',
      ['rule', 'action'] as const);
    this.decided = new Array<number>(this.rules.length + 1).fill(0);
    this.logger = ctx.logger;
    this.needsEcs = this.rules.filter((r) => r.when.needsEcs).map((r) => r.name);
  }

  async start(): Promise<void> {}
  async shutdown(): Promise<void> {}

  process(records: LogRecord[]): ProcessResult {
    const { rules, decided } = this;
    if (rules.length === 0 && this.defaultAction === 'keep') {
      decided[0] += records.length;
      this.flush();
      return { records, failed: [], filtered: 0 };
    }
    if (this.needsEcs.length > 0 && !this.warnedNoEcs && records.length > 0 && records[0].event !== undefined && !('event.kind' in records[0].attributes)) {
      this.warnNoEcs();
    }
    const kept: LogRecord[] = [];
    for (let i = 0; i < records.length; i++) {
      const record = records[i];
      let action = this.defaultAction;
      let by = rules.length;
      for (let j = 0; j < rules.length; j++) {
        if (rules[j].when.test(record)) {
          action = rules[j].action;
          by = j;
          break;
        }
      }
      decided[by]++;
      if (action === 'keep') kept.push(record);
    }
    this.flush();
    return { records: kept, failed: [], filtered: records.length - kept.length };
  }

  private flush(): void {
    const { decided, rules } = this;
    for (let j = 0; j < decided.length; j++) {
      if (decided[j] === 0) continue;
      const rule = rules[j];
      this.counter.inc({ rule: rule?.name ?? DEFAULT_RULE, action: rule?.action ?? this.defaultAction }, decided[j]);
      decided[j] = 0;
    }
  }

  /** Said once, loudly: an ECS condition before `ecs` ran never matches, which would filter wrongly. */
  private warnNoEcs(): void {
    this.warnedNoEcs = true;
    this.logger.warn(`rules ${this.needsEcs.join(', ')} test ECS fields (category, outcome), but records reach this filter without them: put the ecs processor before filter in processors:`);
  }
}
