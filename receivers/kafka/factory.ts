import type { ReceiverFactory } from '../../core/component';
import { kafkaReceiverConfig, validateKafka } from './config';
import type { KafkaReceiver } from './receiver';

export const kafkaReceiverFactory: ReceiverFactory<typeof kafkaReceiverConfig> = {
  kind: 'receiver',
  type: 'kafka',
  description: 'Consumes Teleport events from Kafka topics as a member of a consumer group, committing an offset only once every exporter accepted everything before it.',
  configShape: kafkaReceiverConfig,
  exampleConfig: { brokers: ['127.0.0.1:1'], topics: ['teleport-audit'] },
  validate: validateKafka,
  // Loaded when a pipeline uses it: its client library costs every other process ~60 ms of CPU and
  // ~10 MB at start, workers included (bench/pipeline-speed.ts).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  create: (config, ctx) => new (require('./receiver') as { KafkaReceiver: typeof KafkaReceiver }).KafkaReceiver(config, ctx),
};
