import type { ReceiverFactory } from '../../core/component';
import { kafkaReceiverConfig, validateKafka } from './config';
import { KafkaReceiver } from './receiver';

export const kafkaReceiverFactory: ReceiverFactory<typeof kafkaReceiverConfig> = {
  kind: 'receiver',
  type: 'kafka',
  description: 'Consumes Teleport events from Kafka topics as a member of a consumer group, committing an offset only once every exporter accepted everything before it.',
  configShape: kafkaReceiverConfig,
  exampleConfig: { brokers: ['127.0.0.1:1'], topics: ['teleport-audit'] },
  validate: validateKafka,
  create: (config, ctx) => new KafkaReceiver(config, ctx),
};
