import type { ReceiverFactory } from '../../core/component';
import { awss3ReceiverConfig, validateAwss3 } from './config';
import type { Awss3Receiver } from './receiver';

export const awss3ReceiverFactory: ReceiverFactory<typeof awss3ReceiverConfig> = {
  kind: 'receiver',
  type: 'awss3',
  description: 'Reads Teleport events from S3 objects, one per line: announced by S3 event notifications over SQS (deleted only once exported), or listed under a prefix for a backfill.',
  configShape: awss3ReceiverConfig,
  exampleConfig: {
    sqs: { queue_url: 'http://sqs.us-east-1.localhost:1/000000000000/teleport-audit', endpoint: 'http://127.0.0.1:1' },
    s3: { endpoint: 'http://127.0.0.1:1', force_path_style: true },
  },
  validate: validateAwss3,
  // Loaded when a pipeline uses it: its client library costs every other process ~60 ms of CPU and
  // ~10 MB at start, workers included (bench/pipeline-speed.ts).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  create: (config, ctx) => new (require('./receiver') as { Awss3Receiver: typeof Awss3Receiver }).Awss3Receiver(config, ctx),
};
