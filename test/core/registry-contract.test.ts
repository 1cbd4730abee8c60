/**
 * Every registered component honours the lifecycle contract and documents every config key.
 * New components are covered automatically by being in the registry.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { AnyFactory, CreateContext } from '../../core/component';
import { parseShape } from '../../core/config/schema';
import { registry } from '../../components';
import { silentLogger } from '../../core/telemetry/logger';
import { testTelemetry } from '../../core/telemetry/metrics';
import { readmePath, withTable, errorsDoc } from '../../scripts/generate-docs';
import { tmpDir } from '../support/service';

function create(f: AnyFactory) {
  const errors: string[] = [];
  const config = parseShape(f.configShape, f.exampleConfig ?? {}, `${f.kind}s.${f.type}`, errors);
  assert.deepEqual(errors, [], `${f.type}: the example/default config must be valid`);
  assert.deepEqual(f.validate?.(config as never) ?? [], []);
  const ctx: CreateContext = { id: f.type, logger: silentLogger, telemetry: testTelemetry(f.type), dataDir: tmpDir() };
  return f.create(config as never, ctx);
}

describe('registry contract', () => {
  for (const f of registry.all()) {
    describe(`${f.kind} ${f.type}`, () => {
      it('shuts down without having started, twice', async () => {
        const c = create(f);
        await c.shutdown();
        await c.shutdown();
      });

      it('starts and shuts down, and shutdown is idempotent', async () => {
        const c = create(f);
        if (f.kind === 'receiver') {
          await (c as ReturnType<typeof f.create>).start({ consumer: { consume: async () => undefined }, once: true });
        } else {
          await (c as { start(): Promise<void> }).start();
        }
        await c.shutdown();
        await c.shutdown();
      });

      it('has a README whose config table matches config.ts', () => {
        const file = readmePath(f);
        assert.ok(fs.existsSync(file), `${file} is missing`);
        const text = fs.readFileSync(file, 'utf8');
        const regenerated = withTable(text, f);
        assert.ok(regenerated !== undefined, `${file}: no config-table markers`);
        assert.equal(text, regenerated, `${file}: config table is stale; run npm run docs`);
        assert.match(text, /```yaml/, `${file}: needs an example`);
      });
    });
  }

  it('the core imports no component: components.ts is the only list of them', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (file.endsWith('.ts')) {
          const text = fs.readFileSync(file, 'utf8');
          for (const m of text.matchAll(/(?:from|import)\s*'([^']+)'|require(?:\.resolve)?\('([^']+)'\)/g)) {
            const target = path.relative('.', path.resolve(path.dirname(file), m[1] ?? m[2]));
            if (/^(receivers|processors|exporters)\/|^components$/.test(target)) offenders.push(`${file} -> ${target}`);
          }
        }
      }
    };
    walk(path.resolve('core'));
    assert.deepEqual(offenders, []);
  });

  it('docs/errors.md documents every error code', () => {
    const file = path.resolve('docs/errors.md');
    assert.equal(fs.readFileSync(file, 'utf8'), errorsDoc(), 'docs/errors.md is stale; run npm run docs');
  });
});
