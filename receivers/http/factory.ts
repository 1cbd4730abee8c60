import type { ReceiverFactory } from '../../core/component';
import { httpReceiverConfig, validateHttp } from './config';
import type { HttpReceiver } from './receiver';

export const httpReceiverFactory: ReceiverFactory<typeof httpReceiverConfig> = {
  kind: 'receiver',
  type: 'http',
  description: 'Takes Teleport events POSTed by the Event Handler plugin (Fluentd protocol, mutual TLS) and answers 200 only once every exporter accepted them.',
  configShape: httpReceiverConfig,
  // Port 0: the contract test starts it, and 8888 may be taken.
  exampleConfig: { endpoint: '127.0.0.1:0' },
  validate: validateHttp,
  // Loaded when a pipeline uses it, as every component whose code other pipelines need not pay for at start.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  create: (config, ctx) => new (require('./receiver') as { HttpReceiver: typeof HttpReceiver }).HttpReceiver(config, ctx),
};
