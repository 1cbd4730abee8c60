#!/usr/bin/env -S node --max-semi-space-size=16 --max-inlined-bytecode-size-cumulative=300
'use strict';
// Thin launcher: the CLI is compiled by `npm ci` (prepare) or `npm run build`; it runs with the
// distribution's components (components.ts), the one list of factories.
// --max-semi-space-size=16 (in the shebang, `npm start` and the Docker image): a young generation
// that holds a few batches, so their records die young. Now that pipelines keep encoded bytes rather
// than records while they wait, 32 MB buys no CPU and costs ~30 MB of peak RSS (bench/pipeline-speed.ts).
// --max-inlined-bytecode-size-cumulative=300 (V8's default: 920): TurboFan inlines less into each
// function it optimizes. A backfill over every event type optimizes ~170 functions, several per
// type, and the compiler's threads then took ~430 ms of a ~5 s full-pipeline run; with less
// inlining they take ~200 ms less and the main thread is no slower (paired runs; the row "V8's
// default inlining" of bench/pipeline-speed.ts). test/docker/image.test.ts keeps the flags here,
// in `npm start`, in the Docker image and in the benches the same.
const path = require('node:path');
const fs = require('node:fs');
const dist = path.join(__dirname, '..', 'dist');
const entry = path.join(dist, 'core', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('teleport-otel: not built yet: run `npm ci` or `npm run build` in ' + path.join(__dirname, '..') + '\n');
  process.exit(2);
}
const { registry } = require(path.join(dist, 'components.js'));
require(entry).main(process.argv.slice(2), registry).then((code) => { process.exitCode = code; });
