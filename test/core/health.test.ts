import assert from 'node:assert/strict';
import { Telemetry } from '../../core/telemetry/metrics';
import { startTelemetryServer } from '../../core/telemetry/server';

describe('health', () => {
  it('reports the worst component status on /healthz and in the gauge, and recovers', async () => {
    const telemetry = new Telemetry();
    const a = telemetry.forComponent('exporter', 'otlphttp');
    const b = telemetry.forComponent('receiver', 'filelog');
    const server = await startTelemetryServer(telemetry.registry, '127.0.0.1', 0, () => telemetry.health.snapshot());
    const get = async () => { const r = await fetch(`http://127.0.0.1:${server.port}/healthz`); return { status: r.status, body: await r.text() }; };
    try {
      assert.deepEqual(await get(), { status: 200, body: 'ok\n' });
      b.health.report('degraded', 'include /x matches nothing');
      a.health.report('failing', 'endpoint answered 401');
      const bad = await get();
      assert.equal(bad.status, 503);
      assert.equal(bad.body, 'failing\nfilelog: degraded: include /x matches nothing\notlphttp: failing: endpoint answered 401\n');
      const metrics = await telemetry.registry.metrics();
      assert.match(metrics, /teleport_otel_component_health\{component="otlphttp"\} 2/);
      assert.match(metrics, /teleport_otel_component_health\{component="filelog"\} 1/);
      a.health.report('ok');
      b.health.report('ok');
      assert.deepEqual(await get(), { status: 200, body: 'ok\n' });
      assert.match(await telemetry.registry.metrics(), /teleport_otel_component_health\{component="otlphttp"\} 0/);
    } finally {
      await server.close();
    }
  });
});
