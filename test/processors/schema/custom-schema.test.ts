/**
 * Panther custom-schema features beyond the Teleport schema: strftime and unix_auto time formats,
 * `validate`, `isEmbeddedJSON`, and clear load errors for the features not implemented. Each case
 * runs twice over the same processor so the generic path (first record of a shape) and the
 * compiled fast path (later ones) are both held to the same answer.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { compilePantherSchema } from '../../../core/panther/schema';
import { compileStrftime } from '../../../core/panther/strftime';
import { formatPantherTime } from '../../../core/time';
import { linesOf, published } from '../../exporters/panther/helpers';
import { startService, tmpDir } from '../../support/service';
import { normalize } from './helpers';

function schemaFile(yaml: string): string {
  const file = path.join(tmpDir(), 'custom.yml');
  fs.writeFileSync(file, yaml);
  return file;
}

/** Normalizes each line twice in one batch: both results must agree. */
function twice(lines: string[], file: string): ReturnType<typeof normalize> {
  const out = normalize([...lines, ...lines], { schema_file: file });
  const half = (xs: unknown[]) => xs.length / 2;
  const strip = (p: Record<string, unknown> | undefined) => { const { p_row_id: _r, ...rest } = p ?? {}; return rest; };
  for (let i = 0; i < half(out.records); i++) assert.deepEqual(strip(out.records[i].panther), strip(out.records[i + half(out.records)].panther));
  for (let i = 0; i < half(out.failed); i++) assert.equal(out.failed[i].reason, out.failed[i + half(out.failed)].reason);
  return { records: out.records.slice(0, half(out.records)), failed: out.failed.slice(0, half(out.failed)) };
}

const read = (format: string, text: string) => {
  const nanos = compileStrftime(format)(text);
  return nanos === undefined ? undefined : formatPantherTime(nanos);
};

describe('schema processor: custom Panther schemas', () => {
  describe('strftime time formats', () => {
    it('reads the common layouts, offsets applied, into UTC', () => {
      assert.equal(read('%Y-%m-%d %H:%M:%S', '2024-02-23 12:00:21'), '2024-02-23 12:00:21.000000000');
      assert.equal(read('%d/%b/%Y:%H:%M:%S %z', '23/Feb/2024:13:30:21 +0130'), '2024-02-23 12:00:21.000000000');
      assert.equal(read('%d/%b/%Y:%H:%M:%S %z', '23/feb/2024:07:00:21 -05:00'), '2024-02-23 12:00:21.000000000');
      assert.equal(read('%Y-%m-%dT%H:%M:%S.%fZ', '2024-02-23T12:00:21.123456789Z'), '2024-02-23 12:00:21.123456789');
      assert.equal(read('%Y-%m-%dT%H:%M:%S.%f', '2024-02-23T12:00:21.5'), '2024-02-23 12:00:21.500000000');
      assert.equal(read('%m/%d/%Y %I:%M:%S %p', '02/23/2024 12:00:21 AM'), '2024-02-23 00:00:21.000000000');
      assert.equal(read('%m/%d/%Y %I:%M:%S %p', '02/23/2024 12:00:21 PM'), '2024-02-23 12:00:21.000000000');
      assert.equal(read('%m/%d/%Y %r', '02/23/2024 01:00:21 pm'), '2024-02-23 13:00:21.000000000');
      assert.equal(read('%c', 'Fri Feb  3 12:00:21 2024'), '2024-02-03 12:00:21.000000000');
      assert.equal(read('%A, %B %e %Y %T %Z', 'Friday, February 23 2024 12:00:21 UTC'), '2024-02-23 12:00:21.000000000');
      assert.equal(read('%Y%m%d%H%M%S', '20240223120021'), '2024-02-23 12:00:21.000000000');
      assert.equal(read('%Y-%j %H:%M', '2024-060 12:00'), '2024-02-29 12:00:00.000000000');
      assert.equal(read('%s', '1708689621'), '2024-02-23 12:00:21.000000000');
      assert.equal(read('%F %T%%', '2024-02-23 12:00:21%'), '2024-02-23 12:00:21.000000000');
    });

    it('refuses values that do not fit the layout or name no real time', () => {
      for (const [format, text] of [
        ['%Y-%m-%d %H:%M:%S', '2024-02-30 00:00:00'], // no 30 February
        ['%Y-%m-%d %H:%M:%S', '2023-02-29 00:00:00'],
        ['%Y-%m-%d %H:%M:%S', '2024-02-23 24:00:00'],
        ['%Y-%m-%d %H:%M:%S', '2024-02-23 12:00:21 extra'],
        ['%Y-%m-%d %H:%M:%S', '2024-02-23T12:00:21'],
        ['%Y-%m-%d', ''],
        ['%I:%M %p', '13:00 PM'],
        ['%b %d', 'Fbe 23'],
        ['%Y-%j', '2023-366'],
        ['%H:%M %z', '12:00 +2400'],
      ]) assert.equal(read(format, text), undefined, `${format} on ${JSON.stringify(text)}`);
    });

    it('types a field by its formats in order and names them all when none fits', () => {
      const file = schemaFile(`schema: Custom.Web
fields:
  - name: ts
    type: timestamp
    timeFormats: ['%d/%b/%Y:%H:%M:%S %z', rfc3339]
    isEventTime: true
    required: true
`);
      const { records, failed } = twice(['{"ts":"23/Feb/2024:13:00:21 +0100"}', '{"ts":"2024-02-23T12:00:21Z"}', '{"ts":"23/Feb/2024"}'], file);
      assert.deepEqual(records.map((r) => r.panther!.p_event_time), ['2024-02-23 12:00:21.000000000', '2024-02-23 12:00:21.000000000']);
      assert.deepEqual(failed.map((f) => f.reason), ['ts: not "%d/%b/%Y:%H:%M:%S %z" or RFC3339: "23/Feb/2024"']);
    });
  });

  it('unix_auto takes the unit from the magnitude', () => {
    const file = schemaFile('schema: Custom.Epoch\nfields:\n  - name: t\n    type: timestamp\n    timeFormats: [unix_auto]\n');
    const { records } = twice(['{"t":1708689621}', '{"t":1708689621123}', '{"t":"1708689621123456"}', '{"t":"1708689621123456789"}', '{"t":1708689621.25}'], file);
    assert.deepEqual(records.map((r) => r.panther!.t), [
      '2024-02-23 12:00:21.000000000', '2024-02-23 12:00:21.123000000', '2024-02-23 12:00:21.123456000',
      '2024-02-23 12:00:21.123456789', '2024-02-23 12:00:21.250000000',
    ]);
  });

  describe('validate', () => {
    const file = schemaFile(`schema: Custom.Auth
fields:
  - name: action
    type: string
    required: true
    validate: {allow: [login, logout]}
  - name: user
    type: string
    validate: {deny: [root, admin]}
  - name: src
    type: string
    validate: {ip: ipv4}
  - name: net
    type: string
    validate: {cidr: any}
`);

    it('leaves out an optional value it rejects, as Panther does, and keeps the ones it accepts', () => {
      const { records, failed } = twice([
        '{"action":"login","user":"root","src":"::1","net":"10.0.0.0/33"}',
        '{"action":"logout","user":"ann","src":"10.0.0.1","net":"fd00::/8"}',
      ], file);
      assert.deepEqual(failed, []);
      const pick = (p: Record<string, unknown>) => ({ action: p.action, user: p.user, src: p.src, net: p.net });
      assert.deepEqual(records.map((r) => pick(r.panther!)), [
        { action: 'login', user: undefined, src: undefined, net: undefined },
        { action: 'logout', user: 'ann', src: '10.0.0.1', net: 'fd00::/8' },
      ]);
    });

    it('fails a record whose required value it rejects, saying so', () => {
      const { failed } = twice(['{"action":"sudo","user":"ann"}', '{"user":"ann"}'], file);
      assert.deepEqual(failed.map((f) => f.reason), ['action: rejected by validate: "sudo"', 'action: required field is missing']);
    });
  });

  it('isEmbeddedJSON reads a string as the JSON of an object or array, and fails on bad JSON', () => {
    const file = schemaFile(`schema: Custom.Embedded
fields:
  - name: detail
    type: object
    isEmbeddedJSON: true
    fields:
      - name: id
        type: bigint
  - name: tags
    type: array
    isEmbeddedJSON: true
    element: {type: string}
`);
    const { records, failed } = twice([
      '{"detail":"{\\"id\\":1234567890123456789,\\"x\\":true}","tags":"[\\"a\\",\\"b\\"]"}',
      '{"detail":{"id":5},"tags":["c"]}',
      '{"detail":"{not json"}',
    ], file);
    assert.deepEqual(records[0].panther!.detail, { id: 1234567890123456789n, x: true });
    assert.deepEqual(records[0].panther!.tags, ['a', 'b']);
    assert.deepEqual(records[1].panther!.detail, { id: 5 });
    assert.deepEqual(failed.map((f) => f.reason), ['detail: not embedded JSON: "{not json"']);
  });

  it('reports unsupported features and bad settings at load, one line each', () => {
    const bad = `schema: X
parser: {csv: {delimiter: ','}}
fields:
  - name: a
    type: timestamp
    timeFormats: ['%Y-%Q']
  - name: b
    type: string
    concat: {paths: [a]}
  - name: c
    type: int
    validate: {allow: ['1']}
  - name: d
    type: string
    validate: {ip: v4}
  - name: e
    type: string
    isEmbeddedJSON: true
`;
    assert.throws(() => compilePantherSchema(YAML.parse(bad), 'bad.yml'), (err: Error) => {
      const lines = err.message.split('\n');
      assert.equal(lines.length, 6, err.message);
      assert.match(lines[0], /^bad\.yml: parser: non-JSON parsers \(csv, fastmatch, regex, script\) are not supported/);
      assert.match(lines[1], /^bad\.yml: fields\.a\.timeFormats: "%Y-%Q": unsupported directive %Q \(supported: %Y /);
      assert.match(lines[2], /^bad\.yml: fields\[1\]\.concat: Panther's field transformations .* are not supported/);
      assert.equal(lines[3], 'bad.yml: fields.c.validate: only string values take validate');
      assert.equal(lines[4], 'bad.yml: fields.d.validate.ip: must be one of ipv4, ipv6, any (got "v4")');
      assert.equal(lines[5], 'bad.yml: fields.e.isEmbeddedJSON: only object, array and json values can be embedded JSON');
      return true;
    });
  });

  it('a pipeline with a custom schema writes Panther files under the schema\'s log type', async () => {
    const dir = tmpDir();
    const input = path.join(dir, 'web.log');
    fs.writeFileSync(input, [
      '{"ts":"23/Feb/2024:13:00:21 +0100","action":"login","ip":"10.1.2.3"}',
      '{"ts":"yesterday","action":"login"}',
      '{"ts":"23/Feb/2024:14:10:00 +0100","action":"logout","ip":"10.1.2.4"}',
    ].join('\n') + '\n');
    const schema = schemaFile(`schema: Custom.WebAuth
fields:
  - {name: ts, type: timestamp, timeFormats: ['%d/%b/%Y:%H:%M:%S %z'], isEventTime: true, required: true}
  - {name: action, type: string, required: true, validate: {allow: [login, logout]}}
  - {name: ip, type: string, indicators: [ip]}
`);
    const out = path.join(dir, 'out');
    const service = await startService(`
receivers:
  filelog: {include: [${JSON.stringify(input)}], start_at: beginning, storage: ${JSON.stringify(path.join(dir, 'checkpoints'))}}
processors:
  schema: {schema_file: ${JSON.stringify(schema)}}
  indicators: {schema_file: ${JSON.stringify(schema)}}
exporters:
  panther: {directory: ${JSON.stringify(out)}}
  file/dead: {path: ${JSON.stringify(path.join(dir, 'dead.jsonl'))}}
service:
  pipelines:
    logs: {receivers: [filelog], processors: [schema, indicators], exporters: [panther], dead_letter: [file/dead]}
`);
    await service.drained();
    await service.shutdown(5000);
    const files = published(out);
    assert.deepEqual(files.map((f) => f.split(path.sep).slice(0, 6).join('/')), [
      'logs/custom_webauth/year=2024/month=02/day=23/hour=12',
      'logs/custom_webauth/year=2024/month=02/day=23/hour=13',
    ]);
    const rows = files.flatMap((f) => linesOf(path.join(out, f)).map((l) => JSON.parse(l) as Record<string, unknown>));
    assert.deepEqual(rows.map((r) => [r.p_log_type, r.p_event_time, r.p_any_ip_addresses]), [
      ['Custom.WebAuth', '2024-02-23 12:00:21.000000000', ['10.1.2.3']],
      ['Custom.WebAuth', '2024-02-23 13:10:00.000000000', ['10.1.2.4']],
    ]);
    const dead = fs.readFileSync(path.join(dir, 'dead.jsonl'), 'utf8');
    assert.match(dead, /ts: not \\"%d\/%b\/%Y:%H:%M:%S %z\\": \\"yesterday\\"/);
  });
});
