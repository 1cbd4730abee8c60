/** The production registry plus test-only components. */
import { registry } from '../../components';
import { Registry } from '../../core/registry-types';
import { testProcessorFactory, testReceiverFactory } from './test-components';
import { testExporterFactory } from './test-exporter';

export const testRegistry = new Registry({ module: __filename, name: 'testRegistry' }, [...registry.all(), testExporterFactory, testReceiverFactory, testProcessorFactory]);
