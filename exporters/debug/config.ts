import { oneOf, type Infer } from '../../core/config/schema';

export const debugExporterConfig = {
  verbosity: oneOf(['basic', 'normal', 'detailed'] as const, {
    doc: '`basic`: counts per event type when the run ends; `normal`: also one line per batch; `detailed`: also one line per record.',
    default: 'basic',
  }),
};

export type DebugExporterConfig = Infer<typeof debugExporterConfig>;
