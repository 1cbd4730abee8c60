/** Child-process entry for failure tests: the real CLI, with test-only components registered. */
import { main } from '../../core/cli/main';
import { testRegistry } from './test-registry';

main(process.argv.slice(2), testRegistry).then((code) => process.exit(code));
