import type { ProcessorFactory } from '../../core/component';
import { redactProcessorConfig, validateRedactConfig } from './config';
import type { RedactProcessor } from './redact-processor';

export const redactProcessorFactory: ProcessorFactory<typeof redactProcessorConfig> = {
  kind: 'processor',
  type: 'redact',
  description: 'Drops, hashes (keyed HMAC-SHA-256) or masks listed Teleport fields in the event, its line, the attributes derived from it and the Panther view.',
  configShape: redactProcessorConfig,
  validate: validateRedactConfig,
  // Loaded when a pipeline uses it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  create: (config, ctx) => new (require('./redact-processor') as { RedactProcessor: typeof RedactProcessor }).RedactProcessor(config, ctx),
};
