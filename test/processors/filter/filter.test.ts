/**
 * The filter processor over the 450 sample events (Teleport's, Elastic's): one pipeline per rule
 * set, all fed by one filelog receiver. What each keeps and drops is compared with counts worked
 * out here from the samples by other means (plain JS over the parsed lines, or the ECS fields a
 * filter-free pipeline wrote), and with the per-rule counters.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../../core/config/load';
import { UserError } from '../../../core/errors';
import { startService, tmpDir } from '../../support/service';
import { testRegistry } from '../../support/test-registry';
import { sampleLines } from './helpers';
import { decodeRecords } from '../../../core/decode';
import { newRecord } from '../../../core/record';
import { createLogger } from '../../../core/telemetry/logger';
import { testTelemetry } from '../../../core/telemetry/metrics';
import { FilterProcessor } from '../../../processors/filter/filter-processor';


interface OtlpRecord { body: { stringValue: string }; attributes: { key: string; value: any }[] }

function otlpRecords(file: string): OtlpRecord[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)
    .flatMap((l) => JSON.parse(l).resourceLogs.flatMap((rl: any) => rl.scopeLogs.flatMap((sl: any) => sl.logRecords)));
}

function strings(value: any): string[] {
  if (value === undefined) return [];
  if (value.stringValue !== undefined) return [value.stringValue];
  return (value.arrayValue?.values ?? []).map((v: any) => v.stringValue);
}

/** Pipelines: name → the filter processor's config (YAML flow text). */
const FILTERS: Record<string, string> = {
  noise: `{rules: [{name: noise, action: drop, when: {event: [print, session.data, resize, app.session.chunk, session.upload]}}]}`,
  globs: `{rules: [{name: sessions, action: drop, when: {event: 'session.*'}}, {name: t2, action: drop, when: {code: 'T2*'}}]}`,
  auth: `{default_action: drop, rules: [{name: auth, action: keep, when: {category: authentication}}]}`,
  failures: `{rules: [{name: failed, action: drop, when: {outcome: failure}}]}`,
  fields: `{rules: [
    {name: db-query, action: drop, when: {field: db_query, exists: true}},
    {name: bots, action: drop, when: {all: [{field: user, matches: '^(bot-|teleport-admin)'}, {not: {field: success, equals: false}}]}},
    {name: ssh-port, action: drop, when: {any: [{field: addr.remote, matches: ':3022$'}, {field: login, in: [root, ubuntu]}]}},
    {name: roles, action: keep, when: {field: roles, equals: access}}
  ], default_action: keep}`,  attrs: `{rules: [{name: related, action: drop, when: {attribute: related.user, matches: '^(alice|bob)'}}, {name: client, action: drop, when: {attribute: client.ip, exists: true}}]}`,
};

describe('filter processor: the 450 samples through rules of every kind', function () {
  this.timeout(60_000);
  const lines = sampleLines();
  const events = lines.map((l) => JSON.parse(l) as Record<string, any>);
  let outputs: Record<string, OtlpRecord[]>;
  let baseline: OtlpRecord[];
  let counters: Map<string, number>;
  let stats: Record<string, { read: number; exported: number; filtered: number; deadLettered: number }>;

  before(async () => {
    assert.equal(events.length, 450);
    const dir = tmpDir();
    const input = path.join(dir, 'audit.log');
    fs.writeFileSync(input, lines.join('\n') + '\n');
    const out = (name: string) => path.join(dir, `${name}.otlp.jsonl`);
    const names = Object.keys(FILTERS);
    const service = await startService(`
receivers:
  filelog: {include: [${JSON.stringify(input)}], start_at: beginning, storage: ${JSON.stringify(path.join(dir, 'checkpoints'))}}
processors:
  ecs: {}
${names.map((n) => `  filter/${n}: ${FILTERS[n].replace(/\s*\n\s*/g, " ")}`).join('\n')}
exporters:
  file/baseline: {path: ${JSON.stringify(out('baseline'))}}
${names.map((n) => `  file/${n}: {path: ${JSON.stringify(out(n))}}`).join('\n')}
  file/noise-workers: {path: ${JSON.stringify(out('noise-workers'))}}
  file/dead: {path: ${JSON.stringify(path.join(dir, 'dead.jsonl'))}}
service:
  pipelines:
    logs/baseline: {receivers: [filelog], processors: [ecs], exporters: [file/baseline], dead_letter: [file/dead]}
${names.map((n) => `    logs/${n}: {receivers: [filelog], processors: [ecs, filter/${n}], exporters: [file/${n}], dead_letter: [file/dead]}`).join('\n')}
    logs/noise-workers: {receivers: [filelog], processors: [ecs, filter/noise], exporters: [file/noise-workers], dead_letter: [file/dead], workers: 1}
`);
    await service.drained();
    await service.shutdown(5000);
    outputs = Object.fromEntries([...names, 'noise-workers'].map((n) => [n, otlpRecords(out(n))]));
    baseline = otlpRecords(out('baseline'));
    stats = Object.fromEntries(service.pipelines.map((p) => [p.id.replace('logs/', ''), { ...p.stats }]));
    const metric = await service.telemetry.registry.getSingleMetric('teleport_otel_filter_records_total')!.get();
    counters = new Map(metric.values.map((v) => [`${v.labels.component}|${v.labels.rule}|${v.labels.action}`, v.value]));
    assert.equal(fs.existsSync(path.join(dir, 'dead.jsonl')) ? fs.readFileSync(path.join(dir, 'dead.jsonl'), 'utf8') : '', '', 'a filter dead-letters nothing');
  });

  /** The bodies pipeline `name` kept against the lines expected (sorted: exporters group by resource). */
  function check(name: string, expectedKept: number[] | string[]): void {
    const kept = outputs[name].map((r) => r.body.stringValue).sort();
    const expected = expectedKept.map((i) => (typeof i === 'string' ? i : lines[i])).sort();
    assert.equal(kept.length, expected.length, `${name}: kept count`);
    assert.ok(kept.every((k, i) => k === expected[i]), `${name}: the kept records are the expected ones`);
    assert.equal(stats[name].filtered, lines.length - expectedKept.length, `${name}: filtered count`);
    assert.equal(stats[name].exported + stats[name].filtered, lines.length, `${name}: every record accounted for`);
    assert.equal(stats[name].deadLettered, 0);
  }

  function count(name: string, rule: string, action: string): number {
    const hits = [...counters].filter(([k]) => k.endsWith(`|${rule}|${action}`) && k.startsWith(`logs/${name}/`));
    return hits.reduce((n, [, v]) => n + v, 0);
  }

  const indexes = (pred: (e: Record<string, any>, i: number) => boolean) => events.flatMap((e, i) => (pred(e, i) ? [i] : []));

  it('drops exact event types (on the main thread and on a worker thread alike)', () => {
    const noisy = new Set(['print', 'session.data', 'resize', 'app.session.chunk', 'session.upload']);
    const kept = indexes((e) => !noisy.has(e.event));
    assert.ok(kept.length < 450 && kept.length > 300, `the samples hold some noise (${450 - kept.length})`);
    for (const name of ['noise', 'noise-workers']) {
      check(name, kept);
      assert.equal(count(name, 'noise', 'drop'), 450 - kept.length, name);
      assert.equal(count(name, '(default)', 'keep'), kept.length, name);
    }
  });

  it('drops by type and code globs, the first matching rule counting each record', () => {
    const sessions = indexes((e) => typeof e.event === 'string' && e.event.startsWith('session.'));
    const t2 = indexes((e) => !(typeof e.event === 'string' && e.event.startsWith('session.')) && typeof e.code === 'string' && e.code.startsWith('T2'));
    assert.ok(sessions.length > 10 && t2.length > 10, `${sessions.length} session.*, ${t2.length} T2* others`);
    const dropped = new Set([...sessions, ...t2]);
    check('globs', indexes((_, i) => !dropped.has(i)));
    assert.equal(count('globs', 'sessions', 'drop'), sessions.length);
    assert.equal(count('globs', 't2', 'drop'), t2.length);
  });

  it('keeps only one ECS category (ecs before filter), as the filter-free pipeline categorized them', () => {
    assert.equal(baseline.length, 450);
    const auth = baseline.filter((r) => strings(r.attributes.find((a) => a.key === 'event.category')?.value).includes('authentication')).map((r) => r.body.stringValue);
    assert.ok(auth.length > 20, `${auth.length} authentication events`);
    check('auth', auth);
    assert.equal(count('auth', 'auth', 'keep'), auth.length);
    assert.equal(count('auth', '(default)', 'drop'), 450 - auth.length);
  });

  it('drops by ECS outcome, worked out here from `success` and the code suffix', () => {
    // The documented rule: `success` (or a device event's status.success) wins, as a boolean or its text.
    const failed = (e: Record<string, any>) => {
      for (const s of [e.success, e.status?.success]) if (s === true || s === false || s === 'true' || s === 'false') return String(s) === 'false';
      const c = typeof e.code === 'string' ? e.code.slice(-1) : '';
      return c === 'W' || c === 'E';
    };
    const kept = indexes((e) => !failed(e));
    assert.ok(450 - kept.length > 20, `${450 - kept.length} failures`);
    check('failures', kept);
    assert.equal(count('failures', 'failed', 'drop'), 450 - kept.length);
  });

  it('tests attributes other processors added (lists and single values), as the filter-free pipeline wrote them', () => {
    const attr = (r: OtlpRecord, key: string) => strings(r.attributes.find((a) => a.key === key)?.value);
    const related = baseline.filter((r) => attr(r, 'related.user').some((u) => /^(alice|bob)/u.test(u)));
    const client = baseline.filter((r) => !related.includes(r) && attr(r, 'client.ip').length > 0);
    assert.ok(related.length > 5 && client.length > 5, `${related.length} related, ${client.length} client`);
    const dropped = new Set([...related, ...client]);
    check('attrs', baseline.filter((r) => !dropped.has(r)).map((r) => r.body.stringValue));
    assert.equal(count('attrs', 'related', 'drop'), related.length);
    assert.equal(count('attrs', 'client', 'drop'), client.length);
  });

  it('applies field conditions (exists, matches, ==, in, dotted keys, lists) combined with all/any/not', () => {
    const text = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
    const rule = events.map((e) => {
      if (e.db_query !== undefined && e.db_query !== null && e.db_query !== '') return 'db-query';
      const user = text(e.user);
      if (user !== undefined && /^(bot-|teleport-admin)/u.test(user) && text(e.success) !== 'false') return 'bots';
      if ((text(e['addr.remote']) ?? '').endsWith(':3022') || ['root', 'ubuntu'].includes(text(e.login) ?? '')) return 'ssh-port';
      if (Array.isArray(e.roles) ? e.roles.includes('access') : e.roles === 'access') return 'roles';
      return '(default)';
    });
    const tally = (r: string) => rule.filter((x) => x === r).length;
    for (const r of ['db-query', 'bots', 'ssh-port', 'roles']) assert.ok(tally(r) > 0, `the samples exercise rule ${r}`);
    check('fields', indexes((_, i) => rule[i] === 'roles' || rule[i] === '(default)'));
    assert.equal(count('fields', 'db-query', 'drop'), tally('db-query'));
    assert.equal(count('fields', 'bots', 'drop'), tally('bots'));
    assert.equal(count('fields', 'ssh-port', 'drop'), tally('ssh-port'));
    assert.equal(count('fields', 'roles', 'keep'), tally('roles'));
  });
});

describe('filter processor: config errors', () => {
  function errorsOf(filter: string): string[] {
    const yaml = `
receivers: {testreceiver: {}}
processors:
  filter: ${filter}
exporters: {testexporter: {}}
service: {pipelines: {logs: {receivers: [testreceiver], processors: [filter], exporters: [testexporter]}}}
`;
    try {
      parseConfig(yaml, 'p.yaml', testRegistry, {});
    } catch (err) {
      assert.ok(err instanceof UserError, String(err));
      return err.lines;
    }
    return [];
  }

  it('accepts an empty config, which drops nothing', () => {
    assert.deepEqual(errorsOf('{}'), []);
  });

  it('reports every error with its exact path', () => {
    assert.deepEqual(errorsOf(`{rules: [
      {name: a, action: drop, when: {any: [{field: user, matches: '(unclosed'}, {evnt: print}]}},
      {name: a, action: remove, when: {not: {outcome: [success, maybe]}}},
      {name: c, action: keep, when: {event: print, code: T1*}},
      {name: d, action: keep, when: {field: 'a..b', exists: yes}},
      {name: e, action: keep, when: {code: T1*, equals: x}, also: 1},
      {name: f, action: keep}
    ]}`), [
      'processors.filter.rules[0].when.any[0].matches: not a valid regular expression: Invalid regular expression: /(unclosed/u: Unterminated group',
      'processors.filter.rules[0].when.any[1].evnt: unknown condition key (known: event, code, category, outcome, field, attribute, all, any, not, equals, in, exists, matches)',
      'processors.filter.rules[0].when.any[1]: must have one of event, code, category, outcome, field, attribute, all, any, not',
      'processors.filter.rules[1].name: "a" is used by an earlier rule',
      'processors.filter.rules[1].action: must be one of keep, drop',
      'processors.filter.rules[1].when.not.outcome: must be success, failure, unknown (not maybe)',
      'processors.filter.rules[2].when: has event and code: one condition per map (combine them with all/any)',
      'processors.filter.rules[3].when.field: "a..b" has an empty segment (two dots, or a dot at an end)',
      'processors.filter.rules[4].also: unknown key (known: name, action, when)',
      'processors.filter.rules[4].when.equals: only goes with field or attribute',
      'processors.filter.rules[5].when: required',
    ]);
  });
});

describe('filter processor: ECS conditions without ecs before it', () => {
  it('says so once in the log (warn), rather than filtering wrongly in silence', () => {
    const log: string[] = [];
    const logger = createLogger({ level: 'info', write: (l) => log.push(l) });
    const filter = new FilterProcessor(
      { default_action: 'keep', rules: [{ name: 'auth', action: 'drop', when: { category: 'authentication' } }] },
      { id: 'filter', logger, telemetry: testTelemetry('filter'), dataDir: '.' },
    );
    const batch = () => {
      const records = sampleLines().slice(0, 10).map((l, i) => newRecord(l, { source: 'unit', line: i + 1 }, 0n));
      return decodeRecords(records).records;
    };
    const first = filter.process(batch()) as { records: unknown[]; filtered?: number };
    filter.process(batch());
    assert.equal(first.records.length, 10, 'nothing matched: no ECS fields to match');
    assert.equal(log.length, 1, log.join('\n'));
    assert.match(log[0], /WARN rules auth test ECS fields \(category, outcome\), but records reach this filter without them: put the ecs processor before filter in processors:/);
  });
});
