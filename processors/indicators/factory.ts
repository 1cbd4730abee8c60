import type { ProcessorFactory } from '../../core/component';
import { validateSchemaFile } from '../../core/panther/schema';
import { indicatorsProcessorConfig } from './config';
import { IndicatorsProcessor } from './indicators-processor';

export const indicatorsProcessorFactory: ProcessorFactory<typeof indicatorsProcessorConfig> = {
  kind: 'processor',
  type: 'indicators',
  description: 'Adds Panther\'s p_any_* indicator lists (IPs, domains, trace ids, usernames...) from the schema\'s indicator fields.',
  configShape: indicatorsProcessorConfig,
  validate: (config) => validateSchemaFile(config.schema_file),
  create: (config, ctx) => new IndicatorsProcessor(config, ctx),
};
