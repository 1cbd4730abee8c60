/** `/metrics` (Prometheus text) and `/healthz`, on loopback unless told otherwise. Off unless a port is set. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { ComponentHealth, HealthStatus } from './health';

export interface TelemetryServer {
  readonly port: number;
  close(): Promise<void>;
}

/** `registry` undefined: a probe server that answers `/healthz` alone. */
export async function startTelemetryServer(
  registry: Registry | undefined,
  host: string,
  port: number,
  health: () => { status: HealthStatus | 'starting' | 'stopping'; components: Record<string, ComponentHealth> },
): Promise<TelemetryServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics' && registry !== undefined) {
      registry.metrics().then(
        (text) => { res.writeHead(200, { 'Content-Type': registry.contentType }); res.end(text); },
        (err: unknown) => { res.writeHead(500); res.end(String(err)); },
      );
    } else if (path === '/healthz') {
      // 200 only when every component is doing its job; the body names the ones that are not.
      const h = health();
      // Worst first, so the first line after the status says why it is what it is.
      const rank = { failing: 0, degraded: 1, ok: 2 } as Record<string, number>;
      const entries = Object.entries(h.components).sort(([a, x], [b, y]) => (rank[x.status] - rank[y.status]) || a.localeCompare(b));
      const lines = entries.map(([id, c]) => `${id}: ${c.status}${c.reason ? `: ${c.reason}` : ''}`);
      res.writeHead(h.status === 'ok' ? 200 : 503, { 'Content-Type': 'text/plain' });
      res.end([h.status, ...lines].join('\n') + '\n');
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end(registry !== undefined ? 'not found: try /metrics or /healthz\n' : 'not found: try /healthz\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
