/**
 * The distribution: the one place that names every component, a fixed list of factories as the
 * Collector's builder generates its `components.go`. It lives outside `core/` so the core never
 * imports a component; nothing is looked up by string elsewhere.
 */
import { Registry } from './core/registry-types';
import { filelogReceiverFactory } from './receivers/filelog/factory';
import { awss3ReceiverFactory } from './receivers/awss3/factory';
import { httpReceiverFactory } from './receivers/http/factory';
import { kafkaReceiverFactory } from './receivers/kafka/factory';
import { debugExporterFactory } from './exporters/debug/factory';
import { fileExporterFactory } from './exporters/file/factory';
import { schemaProcessorFactory } from './processors/schema/factory';
import { indicatorsProcessorFactory } from './processors/indicators/factory';
import { ecsProcessorFactory } from './processors/ecs/factory';
import { filterProcessorFactory } from './processors/filter/factory';
import { redactProcessorFactory } from './processors/redact/factory';
import { pantherExporterFactory } from './exporters/panther/factory';
import { otlphttpExporterFactory } from './exporters/otlphttp/factory';
import { otlpExporterFactory } from './exporters/otlp/factory';

export const registry = new Registry({ module: __filename, name: 'registry' }, [
  // receivers
  filelogReceiverFactory,
  awss3ReceiverFactory,
  httpReceiverFactory,
  kafkaReceiverFactory,
  // processors
  schemaProcessorFactory,
  indicatorsProcessorFactory,
  ecsProcessorFactory,
  filterProcessorFactory,
  redactProcessorFactory,
  // exporters
  debugExporterFactory,
  fileExporterFactory,
  pantherExporterFactory,
  otlphttpExporterFactory,
  otlpExporterFactory,
]);
