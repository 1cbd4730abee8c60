/** The package version, for the instrumentation scope and `--version`. */
import fs from 'node:fs';
import path from 'node:path';

/** The nearest package.json above this file: dist/ and per-engineer .build/NAME/ outputs sit at different depths. */
function packageVersion(): string {
  for (let dir = path.dirname(__dirname); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
    if (path.dirname(dir) === dir) return '0.0.0';
  }
}

export const VERSION: string = packageVersion();
export const SCOPE_NAME = 'teleport-otel';
