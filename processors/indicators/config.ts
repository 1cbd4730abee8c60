import { optional, str, type Infer } from '../../core/config/schema';

export const indicatorsProcessorConfig = {
  schema_file: optional(str({
    doc: 'Panther schema YAML whose `indicators` say which fields feed which p_any_* list. Default: the bundled `schemas/gravitational-teleportaudit.schema.yml`; use the same file as the `schema` processor.',
  })),
};

export type IndicatorsProcessorConfig = Infer<typeof indicatorsProcessorConfig>;
