/**
 * The provisioned Grafana dashboard queries what teleport-otel actually sends. The image's
 * pipeline (docker/pipeline.yaml, configured by its environment variables) runs on the sample
 * Teleport log into an OTLP sink; every label a query names must be one Loki makes of those
 * records (dots and other characters turned into underscores, as Loki's OTLP ingestion does),
 * and every value it compares with must occur.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../core/config/load';
import { Service } from '../../core/pipeline/service';
import { silentLogger } from '../../core/telemetry/logger';
import { ECS_EXPECTED_TYPES } from '../../processors/ecs/ecs-values';
import { OtlpSink, type DecodedLogRecord } from '../support/otlp-sink';
import { tmpDir } from '../support/service';
import { testRegistry } from '../support/test-registry';
import { envOf, readDockerfile } from './dockerfile';

interface Target { expr: string; legendFormat?: string }
interface Panel { title: string; targets: Target[] }
interface Variable { name: string; query: string }
const dashboard = JSON.parse(fs.readFileSync('docker/grafana/dashboards/teleport-events.json', 'utf8')) as {
  panels: Panel[]; templating: { list: Variable[] };
};
const variable = (name: string) => dashboard.templating.list.find((v) => v.name === name)!;

const lokiName = (key: string) => key.replace(/[^A-Za-z0-9_]/g, '_');
/** What Loki stores for an attribute value: strings as they are, anything else as JSON text. */
const lokiValue = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** Label names a LogQL query uses, and the literal values it compares them with. */
function labelsOf(expr: string): { names: string[]; equals: [string, string][] } {
  const names: string[] = [];
  const equals: [string, string][] = [];
  for (const [, list] of expr.matchAll(/\bby\s*\(([^)]*)\)/g)) names.push(...list.split(',').map((s) => s.trim()));
  for (const [, name, op, value] of expr.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)) {
    names.push(name);
    if (op === '=' && !value.includes('$')) equals.push([name, value]);
  }
  for (const [, name] of expr.matchAll(/\{\{\s*\.?([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)) names.push(name);
  return { names, equals };
}

describe('Grafana dashboard (docker/grafana/dashboards/teleport-events.json)', function () {
  this.timeout(60_000);
  let sent: Map<string, Set<string>>;

  before(async () => {
    const sink = await OtlpSink.start();
    const dir = tmpDir();
    const env = {
      ...envOf(readDockerfile().stages.at(-1)!),
      TELEPORT_OTEL_INCLUDE: path.resolve('examples/teleport-log/**/*.log'),
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
      TELEPORT_OTEL_DATA_DIR: dir,
      TELEPORT_OTEL_PANTHER_DIR: path.join(dir, 'panther'),
    };
    const config = parseConfig(fs.readFileSync('docker/pipeline.yaml', 'utf8'), 'docker/pipeline.yaml', testRegistry, env);
    const service = new Service(config, { logger: silentLogger, dataDir: dir, once: true, registry: testRegistry, logLevel: 'error' });
    await service.start();
    await service.drained();
    await service.shutdown(5000);
    await sink.close();
    sent = new Map();
    const add = (key: string, value: unknown) => {
      const name = lokiName(key);
      if (!sent.has(name)) sent.set(name, new Set());
      sent.get(name)!.add(lokiValue(value));
    };
    for (const r of sink.records as DecodedLogRecord[]) {
      for (const [k, v] of Object.entries(r.resource)) add(k, v);
      for (const [k, v] of Object.entries(r.attributes)) add(k, v);
    }
    assert.ok((sent.get('event_action')?.size ?? 0) > 10, 'the sample events reached the sink');
  });

  it('names only labels that Loki makes of the records teleport-otel sends', () => {
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        const { names } = labelsOf(`${target.expr} ${target.legendFormat ?? ''}`);
        assert.ok(names.length > 0, `${panel.title}: the query names labels`);
        for (const name of names) assert.ok(sent.has(name), `${panel.title}: ${name} is not among what is sent`);
      }
    }
  });

  it('compares with values that occur', () => {
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        for (const [name, value] of labelsOf(target.expr).equals) {
          assert.ok(sent.get(name)?.has(value), `${panel.title}: no record has ${name}="${value}"`);
        }
      }
    }
    assert.ok(sent.get('service_name')!.has(variable('service').query), 'the service variable\'s default is the service.name sent');
  });

  it('offers every ECS category the records carry, and only ECS categories', () => {
    const offered = variable('category').query.split(',');
    for (const c of offered) assert.ok(c in ECS_EXPECTED_TYPES, `${c} is an ECS category`);
    const carried = new Set([...sent.get('event_category')!].flatMap((json) => JSON.parse(json) as string[]));
    for (const c of carried) assert.ok(offered.includes(c), `${c} is offered`);
    assert.deepEqual(variable('outcome').query.split(',').sort(), [...sent.get('event_outcome')!].sort(), 'every outcome, and only those');
  });
});
