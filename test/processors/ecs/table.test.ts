/**
 * The categorization table against the Teleport catalogue, against ECS, against Elastic's
 * integration (every difference documented), and against its generated document.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { bundledCategoriesPath, CategoryResolver, loadCategoryTable, resolvePrefix } from '../../../processors/ecs/categories';
import { combinationProblems, ECS_EXPECTED_TYPES } from '../../../processors/ecs/ecs-values';
import { ecsDocPath, renderEcsDoc } from '../../../scripts/generate-ecs-doc';
import { tmpDir } from '../../support/service';
import { elasticCategorization } from './elastic-rules';
import { catalogue, fixtureLines } from './helpers';

const table = loadCategoryTable(bundledCategoriesPath());
const resolver = new CategoryResolver(table);
/** Category and type only (a prefix match also carries its prefix). */
const ct = (c: { category: readonly string[]; type: readonly string[] } | undefined) => c && { category: [...c.category], type: [...c.type] };
const sameSet = (a: readonly string[] = [], b: readonly string[] = []) => a.length === b.length && a.every((x) => b.includes(x));

function elasticFixtureEvents(): Record<string, unknown>[] {
  return ['elastic-teleport-all-events.log', 'elastic-teleport-generated.log'].flatMap(fixtureLines).map((l) => JSON.parse(l));
}

describe('ecs categorization table', () => {
  it('has an exact entry for every event type in the Teleport catalogue', () => {
    const types = new Set(catalogue().map((r) => r.type));
    assert.ok(types.size > 280, `catalogue read: ${types.size} types`);
    const missing = [...types].filter((t) => !table.types.has(t));
    assert.deepEqual(missing, [], 'catalogue types without an entry in schemas/ecs-categories.yaml');
  });

  it('gives every catalogue type ECS-allowed values in combinations ECS expects', () => {
    for (const { type } of catalogue()) {
      const c = resolver.resolve(type)!;
      assert.deepEqual(combinationProblems(c.category, c.type), [], type);
      for (const cat of c.category) assert.ok(cat in ECS_EXPECTED_TYPES, `${type}: ${cat}`);
    }
  });

  it('checks combinations as ECS expects them (the rule the table is held to)', () => {
    assert.deepEqual(combinationProblems(['iam'], ['creation', 'user']), []);
    assert.deepEqual(combinationProblems(['authentication'], ['start']), []);
    assert.deepEqual(combinationProblems(['authentication', 'iam'], ['creation']), ['category "authentication" expects one of start/end/info']);
    assert.deepEqual(combinationProblems(['session'], ['denied']), ['category "session" expects one of start/end/info', 'type "denied" is expected by none of session']);
    assert.deepEqual(combinationProblems(['sessions'], ['start']), ['category "sessions" is not an ECS category', 'type "start" is expected by none of sessions']);
    assert.deepEqual(combinationProblems(['host'], []), ['no type', 'category "host" expects one of access/change/end/info/start']);
  });

  it('refuses a table with a value ECS does not allow, naming the entry and every problem at once', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, [
      'verbs: {create: creation}',
      'prefixes:',
      '  foo.: {category: [network], type: [creation]}',
      'types:',
      '  a.b: {category: [session], type: [start]}',
      '  a.c: {category: [authentication, iam], type: [creation]}',
      '  a.d: {category: [iam], type: [change], colour: red}',
      '',
    ].join('\n'));
    assert.throws(() => loadCategoryTable(file), (err: Error) => {
      assert.deepEqual(err.message.split('\n'), [
        `${file}: prefixes.foo.: category "network" expects one of access/allowed/connection/denied/end/info/protocol/start`,
        `${file}: prefixes.foo.: type "creation" is expected by none of network`,
        `${file}: types.a.c: category "authentication" expects one of start/end/info`,
        `${file}: types.a.d: colour: unknown key`,
      ]);
      return true;
    });
  });

  it('resolves exact names before prefixes, and the longest prefix first', () => {
    // db.session.start is listed; db.session.future is not and takes db.session., not db.
    assert.deepEqual(resolver.resolve('db.session.start'), table.types.get('db.session.start'));
    assert.deepEqual([...resolver.resolve('db.session.future_protocol.request')!.category], ['database']);
    assert.deepEqual([...resolver.resolve('db.future_thing')!.category], ['configuration']);
    // app.session.x is a session, app.x is configuration.
    assert.deepEqual([...resolver.resolve('app.session.new_kind')!.category], ['session']);
    assert.deepEqual([...resolver.resolve('app.new_kind')!.category], ['configuration']);
    // Exact wins even where a prefix would say otherwise: session.rejected is network/denied.
    assert.deepEqual([...resolver.resolve('session.rejected')!.category], ['network']);
    assert.deepEqual([...resolvePrefix(table, 'session.rejected')!.category], ['session']);
    // A bare prefix word is no match; unknown families resolve to nothing.
    assert.equal(resolver.resolve('session.'), undefined);
    assert.equal(resolver.resolve('brand_new_family.create'), undefined);
    assert.equal(resolver.resolve(''), undefined);
  });

  it('refines a prefix match by its verb only where the prefix categories allow the verb type', () => {
    assert.deepEqual(ct(resolver.resolve('plugin.created')), { category: ['configuration'], type: ['creation'] });
    assert.deepEqual(ct(resolver.resolve('webhook_x.delete')), undefined, 'webhook. needs its dot');
    assert.deepEqual(ct(resolver.resolve('bot.new_thing.delete')), { category: ['iam'], type: ['deletion', 'user'] });
    assert.deepEqual(ct(resolver.resolve('okta.thing.upsert')), { category: ['iam'], type: ['change'] });
    // session allows no creation: a future session.x.create stays session/info.
    assert.deepEqual(ct(resolver.resolve('session.thing.create')), { category: ['session'], type: ['info'] });
    for (const p of table.prefixes) {
      for (const verb of table.verbs.keys()) {
        const c = resolver.resolve(`${p.prefix}future_${verb}.${verb}`)!;
        assert.deepEqual(combinationProblems(c.category, c.type), [], `${p.prefix}…${verb}`);
      }
    }
  });

  it('documents every difference from Elastic\'s rules with a fix note, and only real differences', () => {
    const fixtureTypes = new Set(elasticFixtureEvents().map((e) => e.event as string));
    const undocumented: string[] = [];
    const stale: string[] = [];
    for (const entry of table.types.values()) {
      const elastic = elasticCategorization(entry.name);
      const same = sameSet(elastic.category, entry.category) && sameSet(elastic.type, entry.type);
      const elasticSaysSomething = elastic.category !== undefined || elastic.type !== undefined;
      if (!same && (elasticSaysSomething || fixtureTypes.has(entry.name)) && entry.fix === undefined) undocumented.push(entry.name);
      if (same && entry.fix !== undefined) stale.push(entry.name);
    }
    assert.deepEqual(undocumented, [], 'entries that differ from Elastic without a fix note');
    assert.deepEqual(stale, [], 'fix notes on entries that agree with Elastic');
  });

  it('agrees with Elastic on every event of its fixture logs, except where the table documents a fix', () => {
    const events = elasticFixtureEvents();
    assert.equal(events.length, 274);
    let agree = 0;
    const deviations = new Set<string>();
    for (const e of events) {
      const type = e.event as string;
      const ours = resolver.resolve(type);
      assert.ok(ours, `${type}: categorized`);
      const elastic = elasticCategorization(type);
      if (sameSet(elastic.category, ours.category) && sameSet(elastic.type, ours.type)) agree++;
      else {
        assert.ok(table.types.get(type)?.fix, `${type}: differs from Elastic without a documented fix`);
        deviations.add(type);
      }
    }
    // The fixture covers 150 types; most agree. The count guards against the table drifting away silently.
    assert.ok(agree > 150, `${agree} of ${events.length} events agree`);
    assert.ok(deviations.size < 80, `${deviations.size} deviating types`);
  });

  it('docs/ecs-categories.md is the document the generator writes from the table', () => {
    const expected = renderEcsDoc(table);
    const actual = fs.existsSync(ecsDocPath()) ? fs.readFileSync(ecsDocPath(), 'utf8') : '';
    assert.ok(actual === expected, 'docs/ecs-categories.md is stale: run node dist/scripts/generate-ecs-doc.js');
    for (const name of table.types.keys()) assert.ok(actual.includes(`| \`${name}\` |`), name);
  });
});
