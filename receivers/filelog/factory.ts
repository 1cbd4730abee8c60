import os from 'node:os';
import path from 'node:path';
import type { ReceiverFactory } from '../../core/component';
import { filelogReceiverConfig } from './config';
import { FilelogReceiver } from './receiver';

export const filelogReceiverFactory: ReceiverFactory<typeof filelogReceiverConfig> = {
  kind: 'receiver',
  type: 'filelog',
  description: 'Tails files such as Teleport\'s audit log, one record per line, with checkpoints that survive restarts and rotation.',
  configShape: filelogReceiverConfig,
  exampleConfig: { include: [path.join(os.tmpdir(), 'teleport-otel-example', 'log', '**', '*.log')] },
  create: (config, ctx) => new FilelogReceiver(config, ctx),
};
