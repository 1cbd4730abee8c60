import { oneOf, optional, str, type Infer } from '../../core/config/schema';

export const schemaProcessorConfig = {
  schema_file: optional(str({
    doc: 'Panther schema YAML to apply (Panther\'s custom-schema format). Default: the bundled `schemas/gravitational-teleportaudit.schema.yml` (Gravitational.TeleportAudit).',
  })),
  unknown_fields: oneOf(['keep', 'drop'] as const, {
    doc: 'Fields the schema does not declare: `keep` them (names rewritten like declared ones, after the declared fields) so no data is lost, or `drop` them as Panther does.',
    default: 'keep',
  }),
  source_label: str({
    doc: 'Written to `p_source_label`: the name of the log source, as Panther shows it.',
    default: 'teleport-otel',
  }),
  source_id: optional(str({
    doc: 'Written to `p_source_id`. Default: a UUID derived from `source_label` (name-based, version 5), stable across restarts.',
  })),
};

export type SchemaProcessorConfig = Infer<typeof schemaProcessorConfig>;
