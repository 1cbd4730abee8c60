import type { ProcessorFactory } from '../../core/component';
import { bundledCategoriesPath, loadCategoryTable } from './categories';
import { ecsProcessorConfig } from './config';
import { EcsProcessor } from './ecs-processor';

export const ecsProcessorFactory: ProcessorFactory<typeof ecsProcessorConfig> = {
  kind: 'processor',
  type: 'ecs',
  description: 'Adds Elastic Common Schema fields (event.kind/category/type/outcome, client/server, user, related...) for every Teleport event type.',
  configShape: ecsProcessorConfig,
  validate(config) {
    try {
      loadCategoryTable(config.categories_file ?? bundledCategoriesPath());
      return [];
    } catch (err) {
      return (err as Error).message.split('\n').map((line) => `categories_file: ${line}`);
    }
  },
  create: (config, ctx) => new EcsProcessor(config, ctx),
};
