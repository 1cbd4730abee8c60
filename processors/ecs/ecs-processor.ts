/**
 * The `ecs` processor: Elastic Common Schema fields for every Teleport event, written to
 * `record.attributes` under dotted keys (see mapping.ts for the fields, schemas/ecs-categories.yaml
 * for the categorization). It never fails or drops a record: an event of an unknown type gets the
 * common mapping and `event.kind: event`, and is counted in
 * teleport_otel_ecs_unknown_event_types_total.
 */
import type { CreateContext, Processor, ProcessResult } from '../../core/component';
import type { LogRecord } from '../../core/record';
import type { Logger } from '../../core/telemetry/logger';
import { bundledCategoriesPath, CategoryResolver, loadCategoryTable } from './categories';
import type { EcsProcessorConfig } from './config';
import { EcsMapper } from './mapping';

/** Distinct unknown type names reported in the log; the counter keeps counting past it. */
const MAX_REPORTED_UNKNOWN = 100;

export class EcsProcessor implements Processor {
  readonly mutates = true;
  private readonly mapper: EcsMapper;
  private readonly unknown: { inc(n?: number): void };
  private readonly reported = new Set<string>();
  private readonly logger: Logger;

  constructor(config: EcsProcessorConfig, ctx: CreateContext) {
    const table = loadCategoryTable(config.categories_file ?? bundledCategoriesPath());
    const resolver = new CategoryResolver(table);
    this.mapper = new EcsMapper((t) => resolver.resolve(t), config.audit_prefix, table.types.keys());
    this.unknown = ctx.telemetry.counter('ecs_unknown_event_types_total', 'Events whose type the ECS categorization table does not know (no event.category/event.type).');
    this.logger = ctx.logger;
  }

  async start(): Promise<void> {}
  async shutdown(): Promise<void> {}

  process(records: LogRecord[]): ProcessResult {
    const mapper = this.mapper;
    let unknown = 0;
    for (let i = 0; i < records.length; i++) {
      const record = records[i];
      const event = record.event;
      if (event === undefined) {
        // Not decoded (the core decodes before processors, so this is a receiver handing over
        // records without an object): still an event, of unknown type.
        record.attributes['event.kind'] = 'event';
        record.attributes['event.outcome'] = 'unknown';
        unknown++;
        continue;
      }
      const { categorization, type } = mapper.map(event, record.attributes);
      if (categorization === undefined) {
        unknown++;
        this.report(type);
      }
    }
    if (unknown > 0) this.unknown.inc(unknown);
    return { records, failed: [] };
  }

  /** One log line per distinct unknown type name (bounded), never per record. */
  private report(type: string): void {
    if (this.reported.size >= MAX_REPORTED_UNKNOWN || this.reported.has(type)) return;
    this.reported.add(type);
    const what = type === '' ? 'events without an event type' : `event type "${type}"`;
    this.logger.info(`${what}: not in the ECS categorization table; mapped without event.category/event.type and counted in teleport_otel_ecs_unknown_event_types_total`);
  }
}
