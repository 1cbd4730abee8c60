import type { ProcessorFactory } from '../../core/component';
import { bundledSchemaPath, loadPantherSchema } from '../../core/panther/schema';
import { schemaProcessorConfig } from './config';
import { SchemaProcessor } from './schema-processor';

export const schemaProcessorFactory: ProcessorFactory<typeof schemaProcessorConfig> = {
  kind: 'processor',
  type: 'schema',
  description: 'Types events against a Panther schema (default Gravitational.TeleportAudit) and adds the p_* fields, as Panther\'s parser does.',
  configShape: schemaProcessorConfig,
  validate(config) {
    try {
      loadPantherSchema(config.schema_file ?? bundledSchemaPath());
      return [];
    } catch (err) {
      return (err as Error).message.split('\n').map((line) => `schema_file: ${line}`);
    }
  },
  create: (config, ctx) => new SchemaProcessor(config, ctx),
};
