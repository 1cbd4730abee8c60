import type { ProcessorFactory } from '../../core/component';
import { validateSchemaFile } from '../../core/panther/schema';
import { schemaProcessorConfig } from './config';
import { SchemaProcessor } from './schema-processor';

export const schemaProcessorFactory: ProcessorFactory<typeof schemaProcessorConfig> = {
  kind: 'processor',
  type: 'schema',
  description: 'Types events against a Panther schema (default Gravitational.TeleportAudit) and adds the p_* fields, as Panther\'s parser does.',
  configShape: schemaProcessorConfig,
  validate: (config) => validateSchemaFile(config.schema_file),
  create: (config, ctx) => new SchemaProcessor(config, ctx),
};
