import type { ReceiverFactory } from '../../core/component';
import { httpReceiverConfig, validateHttp } from './config';
import { HttpReceiver } from './receiver';

export const httpReceiverFactory: ReceiverFactory<typeof httpReceiverConfig> = {
  kind: 'receiver',
  type: 'http',
  description: 'Takes Teleport events POSTed by the Event Handler plugin (Fluentd protocol, mutual TLS) and answers 200 only once every exporter accepted them.',
  configShape: httpReceiverConfig,
  // Port 0: the contract test starts it, and 8888 may be taken.
  exampleConfig: { endpoint: '127.0.0.1:0' },
  validate: validateHttp,
  create: (config, ctx) => new HttpReceiver(config, ctx),
};
