import { optional, str, type Infer } from '../../core/config/schema';

export const ecsProcessorConfig = {
  categories_file: optional(str({
    doc: 'ECS categorization table (YAML: verbs, prefixes, types). Default: the bundled `schemas/ecs-categories.yaml`, which covers every Teleport event type; see docs/ecs-categories.md.',
  })),
  audit_prefix: str({
    doc: 'Attribute prefix for the Teleport fields that have no ECS home (`teleport.audit.sid`...). Empty: the fields keep their own names.',
    default: 'teleport.audit',
    nonEmpty: false,
  }),
};

export type EcsProcessorConfig = Infer<typeof ecsProcessorConfig>;
