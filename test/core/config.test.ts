/** Config loading: exact error lines, all errors at once, env substitution. */
import assert from 'node:assert/strict';
import { parseConfig } from '../../core/config/load';
import { UserError } from '../../core/errors';
import { parseDuration, parseSize } from '../../core/config/schema';
import { testRegistry } from '../support/test-registry';

function errorsOf(yaml: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(yaml, 'p.yaml', testRegistry, env);
  } catch (err) {
    assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
    return err.lines;
  }
  return [];
}

const valid = `
receivers:
  testreceiver: {}
exporters:
  file/out:
    path: ./out.jsonl
service:
  pipelines:
    logs: {receivers: [testreceiver], exporters: [file/out]}
`;

describe('config', () => {
  it('accepts a valid config and applies defaults', () => {
    const c = parseConfig(valid, 'p.yaml', testRegistry, {});
    assert.deepEqual(c.exporters.get('file/out')!.config, { path: './out.jsonl', append: false, fsync: true, body: 'original', resource: {} });
    assert.equal(c.pipelines[0].id, 'logs');
  });

  it('reports every mistake at once, one line each, with its path', () => {
    const lines = errorsOf(`
receivers:
  testreceiver: {batch_size: lots}
exporters:
  file/out: {path: 42, colour: blue}
  zipkin: {}
service:
  pipelines:
    logs: {receivers: [testreceiver], exporters: [file/out, file/missing]}
`);
    assert.deepEqual(lines, [
      'receivers.testreceiver.batch_size: must be an integer',
      'exporters.file/out.colour: unknown key (known: path, append, fsync, body, resource)',
      'exporters.file/out.path: must be a string',
      `exporters.zipkin: unknown exporter type "zipkin" (known: ${testRegistry.types('exporter').join(', ')})`,
      'service.pipelines.logs.exporters[1]: exporter "file/missing" is not defined under exporters',
    ]);
  });

  it('substitutes ${env:VAR} and ${env:VAR:-default}, and refuses an unset variable', () => {
    const yaml = valid.replace('./out.jsonl', '${env:OUT_DIR}/${env:OUT_NAME:-x.jsonl}');
    const c = parseConfig(yaml, 'p.yaml', testRegistry, { OUT_DIR: '/tmp/o' });
    assert.equal((c.exporters.get('file/out')!.config as { path: string }).path, '/tmp/o/x.jsonl');
    assert.deepEqual(errorsOf(yaml), [
      'exporters.file/out.path: environment variable OUT_DIR is not set (set it, or write ${env:OUT_DIR:-default})',
    ]);
  });

  it('coerces env-substituted numbers and booleans for typed fields', () => {
    const yaml = valid.replace('testreceiver: {}', 'testreceiver: {batch_size: "${env:N}"}').replace('path: ./out.jsonl', 'path: ./o\n    fsync: "${env:F}"');
    const c = parseConfig(yaml, 'p.yaml', testRegistry, { N: '7', F: 'false' });
    assert.equal((c.receivers.get('testreceiver')!.config as { batch_size: number }).batch_size, 7);
    assert.equal((c.exporters.get('file/out')!.config as { fsync: boolean }).fsync, false);
  });

  it('names YAML syntax errors by file, line and column', () => {
    const lines = errorsOf('receivers:\n  a: [1, 2\n');
    assert.equal(lines.length >= 1, true);
    assert.match(lines[0], /^p\.yaml:\d+:\d+: YAML syntax error: /);
  });

  it('refuses unknown sections, bad ids, missing pipelines and empty receiver lists', () => {
    assert.deepEqual(errorsOf('extensions: {}\nreceivers: {"Bad Id": {}}\nservice: {}\n'), [
      'extensions: unknown section (known: receivers, processors, exporters, service)',
      'receivers.Bad Id: invalid component id (expected type or type/name, e.g. filelog/teleport)',
      'service.pipelines: required: at least one pipeline, e.g. logs/teleport',
    ]);
    assert.deepEqual(errorsOf(valid.replace('receivers: [testreceiver]', 'receivers: []')), [
      'service.pipelines.logs.receivers: required: list at least one receiver',
    ]);
  });

  it('warns about components no pipeline uses', () => {
    const c = parseConfig(valid.replace('exporters:', 'exporters:\n  debug: {}'), 'p.yaml', testRegistry, {});
    assert.deepEqual(c.warnings, ['exporters.debug: defined but not used by any pipeline']);
  });

  it('parses durations and sizes with units', () => {
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('5'), undefined);
    assert.equal(parseSize('1MiB'), 1024 * 1024);
    assert.equal(parseSize('64KB'), 64_000);
    assert.equal(parseSize('12 parsecs'), undefined);
  });
});
