/** The production registry plus test-only components. */
import { registry } from '../../core/registry';
import { Registry } from '../../core/registry-types';
import { testProcessorFactory, testReceiverFactory } from './test-components';
import { testExporterFactory } from './test-exporter';

export const testRegistry = new Registry([...registry.all(), testExporterFactory, testReceiverFactory, testProcessorFactory]);
