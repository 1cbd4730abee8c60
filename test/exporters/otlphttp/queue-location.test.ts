/** The on-disk queue defaults under the process data directory, like every other piece of state. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseShape } from '../../../core/config/schema';
import { silentLogger } from '../../../core/telemetry/logger';
import { testTelemetry } from '../../../core/telemetry/metrics';
import { otlphttpExporterFactory } from '../../../exporters/otlphttp/factory';
import { tmpDir } from '../../support/service';

function create(config: Record<string, unknown>, dataDir: string, id = 'otlphttp/grafana') {
  const errors: string[] = [];
  const parsed = parseShape(otlphttpExporterFactory.configShape, { endpoint: 'http://127.0.0.1:9', ...config }, `exporters.${id}`, errors);
  assert.deepEqual(errors, []);
  return otlphttpExporterFactory.create(parsed!, { id, logger: silentLogger, telemetry: testTelemetry(id), dataDir });
}

describe('otlphttp on-disk queue location', () => {
  it('persistent: true without storage: <data-dir>/<exporter id>/queue', async () => {
    const data = tmpDir();
    const exporter = create({ sending_queue: { persistent: true } }, data);
    await exporter.start();
    try {
      assert.ok(fs.statSync(path.join(data, 'otlphttp-grafana', 'queue')).isDirectory());
    } finally {
      await exporter.shutdown();
    }
  });

  it('storage wins; neither keeps the queue in memory and writes nothing under the data directory', async () => {
    const data = tmpDir();
    const storage = path.join(tmpDir(), 'q');
    const a = create({ sending_queue: { storage } }, data, 'otlphttp/a');
    const b = create({}, data, 'otlphttp/b');
    await a.start();
    await b.start();
    try {
      assert.ok(fs.statSync(storage).isDirectory());
      assert.deepEqual(fs.readdirSync(data), []);
    } finally {
      await a.shutdown();
      await b.shutdown();
    }
  });
});
