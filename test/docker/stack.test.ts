/**
 * The docker-compose stack, checked as far as a machine without a Docker engine allows: the file
 * validates with docker-compose, every image is pinned, and the services agree with one another
 * on ports, paths and volumes (each config parsed, not grepped).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { envOf, readDockerfile } from './dockerfile';

interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  group_add?: string[];
}
interface Compose { services: Record<string, Service>; volumes: Record<string, unknown> }

const read = (file: string) => YAML.parse(fs.readFileSync(path.join('docker', file), 'utf8'));
const compose = read('docker-compose.yml') as Compose;
const service = (name: string) => {
  const s = compose.services[name];
  assert.ok(s, `service ${name}`);
  return s;
};

/** Host ports a service publishes, mapped to their container ports. */
function published(name: string): Map<number, number> {
  return new Map((service(name).ports ?? []).map((p) => {
    const [host, container] = p.split(':').slice(-2).map(Number);
    return [container, host];
  }));
}

function mounts(name: string): { source: string; target: string; readOnly: boolean }[] {
  return (service(name).volumes ?? []).map((v) => {
    const [source, target, mode] = v.split(':');
    return { source, target, readOnly: mode === 'ro' };
  });
}

/** The default of a `${NAME:-default}` value, as compose resolves it with NAME unset. */
const composeDefault = (value: string) => value.replace(/\$\{\w+:-([^}]*)\}/g, '$1');
const portOf = (address: string) => Number(/:(\d+)(\/|$)/.exec(address)?.[1]);

describe('docker-compose stack (docker/docker-compose.yml)', () => {
  it('validates with docker-compose config', function () {
    const probe = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
    if (probe.error) assert.fail('docker-compose is not installed: apt-get install -y docker-compose (.ci/run does)');
    const run = spawnSync('docker-compose', ['-f', 'docker/docker-compose.yml', 'config', '--quiet'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
  });

  it('pins every image to a version', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      const tag = /:([^/:]+)$/.exec(s.image ?? '')?.[1];
      assert.ok(tag && /\d/.test(tag) && tag !== 'latest', `${name}: ${s.image} is pinned`);
    }
    assert.ok(service('teleport-otel').build, 'teleport-otel is built from this repository');
  });

  it('shares Teleport\'s audit log with teleport-otel read-only, and nothing else of Teleport', () => {
    const teleport = read('teleport/teleport.yaml');
    const [uri] = teleport.teleport.storage.audit_events_uri as string[];
    const auditDir = new URL(uri).pathname;
    const auditVolume = mounts('teleport').find((m) => m.target === auditDir);
    assert.ok(auditVolume, `teleport mounts a volume at ${auditDir}`);
    const seen = mounts('teleport-otel').find((m) => m.source === auditVolume.source);
    assert.ok(seen?.readOnly, 'teleport-otel mounts the audit volume read-only');
    const include = service('teleport-otel').environment!.TELEPORT_OTEL_INCLUDE;
    assert.ok(include.startsWith(seen.target + '/'), `${include} reads the mounted audit log`);
    const dataVolume = mounts('teleport').find((m) => m.target === teleport.teleport.data_dir);
    assert.ok(dataVolume && !mounts('teleport-otel').some((m) => m.source === dataVolume.source), 'Teleport\'s keys stay private');
    assert.ok(service('teleport-otel').group_add?.includes('0'), 'may read the 0640 files Teleport writes as root');
    assert.ok(published('teleport').has(portOf(teleport.proxy_service.web_listen_addr)), 'the web UI port is published');
  });

  it('sends OTLP from teleport-otel to the Collector, and from the Collector to Loki, on the ports they listen on', () => {
    const otel = read('otel-collector/config.yaml');
    const endpoint = new URL(composeDefault(service('teleport-otel').environment!.OTEL_EXPORTER_OTLP_ENDPOINT));
    assert.ok(compose.services[endpoint.hostname], `${endpoint.hostname} is a service`);
    const otlpPort = portOf(otel.receivers.otlp.protocols.http.endpoint);
    assert.equal(Number(endpoint.port), otlpPort);
    assert.equal(published('otel-collector').get(otlpPort), otlpPort, 'OTLP/HTTP published for the host');
    const exporters = otel.service.pipelines.logs.exporters as string[];
    assert.ok(exporters.includes('debug'), 'the debug exporter');
    const loki = new URL(otel.exporters['otlphttp/loki'].endpoint);
    assert.ok(exporters.includes('otlphttp/loki'));
    assert.equal(Number(loki.port), read('loki/config.yaml').server.http_listen_port);
    assert.ok(compose.services[loki.hostname], `${loki.hostname} is a service`);
    assert.equal(loki.pathname, '/otlp', 'Loki\'s native OTLP endpoint');
  });

  it('publishes teleport-otel\'s /healthz port and keeps its state and Panther files on named volumes', () => {
    const env = envOf(readDockerfile().stages.at(-1)!);
    const port = Number(env.TELEPORT_OTEL_METRICS_PORT);
    assert.equal(published('teleport-otel').get(port), port);
    const named = (target: string) => mounts('teleport-otel').find((m) => m.target === target && m.source in compose.volumes);
    assert.ok(named(env.TELEPORT_OTEL_DATA_DIR), 'checkpoints and queues on a named volume');
    assert.ok(named(service('teleport-otel').environment!.TELEPORT_OTEL_PANTHER_DIR), 'Panther files on a named volume');
  });

  it('provisions Grafana with the Loki data source and the dashboard', () => {
    const datasource = read('grafana/provisioning/datasources/loki.yaml').datasources[0];
    const url = new URL(datasource.url);
    assert.equal(datasource.type, 'loki');
    assert.equal(Number(url.port), read('loki/config.yaml').server.http_listen_port);
    const provider = read('grafana/provisioning/dashboards/teleport.yaml').providers[0];
    const dashboards = mounts('grafana').find((m) => m.target === provider.options.path);
    assert.ok(dashboards, 'the dashboards folder is mounted where the provider looks');
    const home = service('grafana').environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    assert.ok(fs.existsSync(path.join('docker', dashboards.source, path.relative(dashboards.target, home))), `${home} is provisioned`);
    assert.ok(mounts('grafana').some((m) => m.target === '/etc/grafana/provisioning' && fs.existsSync(path.join('docker', m.source, 'datasources'))));
    assert.equal(published('grafana').get(3000), 3000);
    const dashboard = JSON.parse(fs.readFileSync(path.join('docker', dashboards.source, path.basename(home)), 'utf8'));
    for (const panel of dashboard.panels) assert.equal(panel.datasource.uid, datasource.uid, `${panel.title}: the provisioned data source`);
  });
});
