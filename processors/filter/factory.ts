import type { ProcessorFactory } from '../../core/component';
import { filterProcessorConfig } from './config';
import { FilterProcessor } from './filter-processor';

export const filterProcessorFactory: ProcessorFactory<typeof filterProcessorConfig> = {
  kind: 'processor',
  type: 'filter',
  description: 'Keeps or drops records by Teleport event type or code, ECS category or outcome, and field conditions (all/any/not); dropped records are counted per rule, never dead-lettered.',
  configShape: filterProcessorConfig,
  create: (config, ctx) => new FilterProcessor(config, ctx),
};
