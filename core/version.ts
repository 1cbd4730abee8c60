/** The package version, for the instrumentation scope and `--version`. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const VERSION: string = (require('../../package.json') as { version: string }).version;
export const SCOPE_NAME = 'teleport-otel';
