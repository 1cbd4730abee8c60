/**
 * The one place that names every component: the distribution's fixed list of factories, as the
 * Collector's builder generates it. Nothing is looked up by string elsewhere.
 */
import { Registry } from './registry-types';
import { filelogReceiverFactory } from '../receivers/filelog/factory';
import { debugExporterFactory } from '../exporters/debug/factory';
import { fileExporterFactory } from '../exporters/file/factory';
import { schemaProcessorFactory } from '../processors/schema/factory';
import { indicatorsProcessorFactory } from '../processors/indicators/factory';
import { ecsProcessorFactory } from '../processors/ecs/factory';
import { pantherExporterFactory } from '../exporters/panther/factory';
import { otlphttpExporterFactory } from '../exporters/otlphttp/factory';

export const registry = new Registry([
  // receivers
  filelogReceiverFactory,
  // processors
  schemaProcessorFactory,
  indicatorsProcessorFactory,
  ecsProcessorFactory,
  // exporters
  debugExporterFactory,
  fileExporterFactory,
  pantherExporterFactory,
  otlphttpExporterFactory,
]);
