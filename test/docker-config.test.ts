/** The demo stack's config (docker/teleport-otel.yaml) must stay valid as components change. */
import assert from 'node:assert/strict';
import { loadConfigFile } from '../core/config/load';
import { registry } from '../components';

describe('docker demo config', () => {
  it('validates', () => {
    const c = loadConfigFile('docker/teleport-otel.yaml', registry, {});
    assert.deepEqual(c.pipelines.map((p) => p.id), ['logs/teleport', 'logs/panther']);
    assert.deepEqual(c.warnings, []);
  });
});
