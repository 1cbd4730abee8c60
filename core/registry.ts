/**
 * The one place that names every component: the distribution's fixed list of factories, as the
 * Collector's builder generates it. Nothing is looked up by string elsewhere.
 */
import { Registry } from './registry-types';
import { debugExporterFactory } from '../exporters/debug/factory';
import { fileExporterFactory } from '../exporters/file/factory';

export const registry = new Registry([
  // receivers
  // processors
  // exporters
  debugExporterFactory,
  fileExporterFactory,
]);
