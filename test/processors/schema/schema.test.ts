import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { compilePantherSchema } from '../../../core/panther/schema';
import { nameBasedUuid } from '../../../processors/schema/schema-processor';
import { schemaProcessorFactory } from '../../../processors/schema/factory';
import { tmpDir } from '../../support/service';
import { fixtureLines, normalize, PANTHER_TIME, PARSER_TEST_SOURCE, parserCases, ROW_ID } from './helpers';

describe('schema processor', () => {
  describe("Panther's own parser cases (panther-parser-tests.jsonl)", () => {
    for (const c of parserCases()) {
      it(`${c.source} ${c.name}: equals Panther's normalized line field by field`, () => {
        const { records, failed } = normalize([c.input], PARSER_TEST_SOURCE);
        assert.deepEqual(failed, []);
        const got = records[0].panther!;
        const want = JSON.parse(c.model_datalake_line) as Record<string, unknown>;
        assert.deepEqual(Object.keys(got), Object.keys(want), 'same fields in the same order');
        for (const [key, value] of Object.entries(want)) {
          if (key === 'p_row_id') assert.match(String(got[key]), ROW_ID);
          else if (key === 'p_parse_time') assert.match(String(got[key]), PANTHER_TIME);
          else assert.deepEqual(got[key], value, key);
        }
      });
    }
  });

  describe('every sample event: a Panther record or a dead letter with the right reason', () => {
    const expectations: [string, number, Record<number, string>][] = [
      ['teleport-samples.jsonl', 176, {
        // Session-recording chunks and a doc snippet without code/time: not audit events.
        16: 'code: required field is missing',
        17: 'code: required field is missing',
        18: 'code: required field is missing',
        19: 'code: required field is missing',
        23: 'code: required field is missing',
        // Teleport's test fixtures for empty events: `event: ""` counts as absent.
        51: 'event: required field is missing',
        52: 'event: required field is missing',
        53: 'event: required field is missing',
        // A number where the schema wants an RFC 3339 timestamp.
        172: 'expires: not RFC3339: 111111',
      }],
      ['elastic-teleport-all-events.log', 246, { 7: 'expires: not RFC3339: 111111' }],
      ['elastic-teleport-generated.log', 28, {}],
    ];
    for (const [file, total, dead] of expectations) {
      it(`${file}: ${total - Object.keys(dead).length} records, ${Object.keys(dead).length} dead letters`, () => {
        const lines = fixtureLines(file);
        assert.equal(lines.length, total);
        const { records, failed } = normalize(lines, {}, file);
        const reasons = Object.fromEntries(failed.map((f) => [f.record.position.line, f.reason]));
        assert.deepEqual(reasons, Object.fromEntries(Object.entries(dead).map(([k, v]) => [Number(k), v])));
        assert.ok(failed.every((f) => f.code === 'schema_violation' && f.component === 'schema'));
        assert.equal(records.length, total - failed.length);
        for (const r of records) {
          assert.match(String(r.panther!.p_event_time), PANTHER_TIME);
          assert.equal(r.panther!.p_log_type, 'Gravitational.TeleportAudit');
          assert.ok(!('addr.local' in r.panther!) && !('addr.remote' in r.panther!), 'dotted keys renamed');
        }
      });
    }
  });

  describe('coercion', () => {
    const base = '"event":"x","code":"T0000I","time":"2024-01-02T03:04:05Z"';
    const one = (fields: string, config = {}) => normalize([`{${base}${fields}}`], config);
    const ok = (fields: string, config = {}) => {
      const { records, failed } = one(fields, config);
      assert.deepEqual(failed.map((f) => f.reason), []);
      return records[0].panther!;
    };
    const reason = (fields: string) => one(fields).failed.map((f) => f.reason)[0];

    it('keeps bigint digits beyond 2^53 and 48-digit serials in unknown fields exact', () => {
      const p = ok(',"pid":18446744073709551,"cgroup_id":"9223372036854775807","serial_number":110713595887223080163032262858678558596458745620');
      assert.equal(p.pid, 18446744073709551n);
      assert.equal(p.cgroup_id, 9223372036854775807n);
      assert.equal(p.serial_number, 110713595887223080163032262858678558596458745620n);
    });

    it('rejects bigints beyond int64, floats in integer fields and ints beyond 32 bits', () => {
      assert.equal(reason(',"tx":9223372036854775808'), 'tx: out of range for bigint: 9223372036854775808');
      assert.equal(reason(',"ei":1.5'), 'ei: not an integer: 1.5');
      assert.equal(reason(',"ei":2147483648'), 'ei: out of range for int: 2147483648');
      assert.equal(ok(',"ei":2147483647').ei, 2147483647);
    });

    it('accepts numeric strings for integers, numbers and booleans for strings', () => {
      const p = ok(',"exitCode":"1","dst_port":"3000","action":3,"ci":true');
      assert.equal(p.exitCode, 1);
      assert.equal(p.dst_port, 3000);
      assert.equal(p.action, '3');
      assert.equal(p.ci, 'true');
      assert.equal(reason(',"dst_port":"80a"'), 'dst_port: not an integer: "80a"');
    });

    it('accepts the boolean spellings of Go strconv.ParseBool and nothing else', () => {
      for (const [text, value] of [['"t"', true], ['"True"', true], ['"1"', true], ['"0"', false], ['"FALSE"', false], ['false', false]] as const) {
        assert.equal(ok(`,"success":${text}`).success, value, text);
      }
      assert.equal(reason(',"success":"yes"'), 'success: not a boolean: "yes"');
      assert.equal(reason(',"success":1'), 'success: not a boolean: 1');
    });

    it('writes timestamps in UTC with nine digits, from any offset, and rejects what is not RFC 3339', () => {
      assert.equal(ok(',"expires":"2024-01-02T01:00:00.5+02:00"').expires, '2024-01-01 23:00:00.500000000');
      assert.equal(ok(',"expires":"0001-01-01T00:00:00Z"').expires, '0001-01-01 00:00:00.000000000');
      assert.equal(ok(',"session_start":"2020-08-07T07:52:09.817638134Z"').session_start, '2020-08-07 07:52:09.817638134');
      assert.equal(normalize(['{"event":"x","code":"T","time":"yesterday"}']).failed[0].reason, 'time: not RFC3339: "yesterday"');
      for (const bad of ['2024-02-30T00:00:00Z', '2024-01-02 03:04:05Z', '2024-01-02T03:04:60Z', '2024-01-02T03:04:05.1234567890Z', '2024-01-02T03:04:05']) {
        assert.equal(reason(`,"expires":"${bad}"`), `expires: not RFC3339: "${bad}"`);
      }
      assert.equal(ok(',"expires":"2024-02-29T00:00:00Z"').expires, '2024-02-29 00:00:00.000000000');
    });

    it('counts "" and null as absent, omits empty arrays and maps, keeps non-empty json as is', () => {
      const p = ok(',"user":"","login":null,"roles":[],"server_labels":{},"argv":["a",null,"b"],"attributes":{"k":[1,{"x":null}]}');
      assert.deepEqual(Object.keys(p).filter((k) => !k.startsWith('p_')), ['event', 'code', 'time', 'argv', 'attributes']);
      assert.deepEqual(p.argv, ['a', 'b']);
      assert.deepEqual(p.attributes, { k: [1, { x: null }] });
    });

    it('keeps an object found in a string field as its JSON text', () => {
      assert.equal(ok(',"user":{"user":"u"}').user, '{"user":"u"}');
    });

    it('keeps unknown fields by default (renamed, after the declared ones) and drops them with unknown_fields: drop', () => {
      const fields = ',"zz.top":1,"@weird":"w","uid":"u1","skip":""';
      const kept = ok(fields);
      assert.deepEqual(Object.keys(kept).slice(0, 6), ['event', 'code', 'time', 'uid', 'zz_top', 'at_sign_weird']);
      assert.ok(!('skip' in kept));
      const dropped = ok(fields, { unknown_fields: 'drop' });
      assert.ok(!('zz_top' in dropped) && !('at_sign_weird' in dropped));
    });

    it('adds p_source_id/p_source_label from config, with a stable default id, and unique row ids', () => {
      const { records } = normalize(['{' + base + '}', '{' + base + '}'], { source_label: 'prod' });
      assert.equal(records[0].panther!.p_source_label, 'prod');
      assert.equal(records[0].panther!.p_source_id, nameBasedUuid('prod'));
      assert.match(nameBasedUuid('prod'), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.notEqual(records[0].panther!.p_row_id, records[1].panther!.p_row_id);
    });

    it('never mutates record.event or record.raw', () => {
      const line = `{${base},"addr.local":"1.2.3.4:5","roles":[]}`;
      const { records } = normalize([line]);
      assert.equal(records[0].raw, line);
      assert.deepEqual(records[0].event, JSON.parse(line));
    });
  });

  describe('generic Panther schemas', () => {
    const yaml = `schema: Custom.Thing
fields:
  - name: ts
    type: timestamp
    timeFormats: [unix_ms, rfc3339]
    isEventTime: true
    required: true
  - name: who
    type: object
    fields:
      - name: name
        type: string
        required: true
        indicators: [username]
      - name: ip
        type: string
        indicators: [ip]
  - name: hosts
    type: array
    element:
      type: string
      indicators: [hostname]
  - name: ratio
    type: float
`;
    const file = path.join(tmpDir(), 'custom.yml');
    fs.writeFileSync(file, yaml);

    it('applies nested objects, arrays, several time formats and its own log type', () => {
      const { records, failed } = normalize(['{"ts":1700000000123,"who":{"name":"ann","ip":"10.0.0.1","x":1},"hosts":["a.example","10.0.0.2"],"ratio":"0.5"}'], { schema_file: file });
      assert.deepEqual(failed, []);
      const p = records[0].panther!;
      assert.equal(p.p_log_type, 'Custom.Thing');
      assert.equal(p.ts, '2023-11-14 22:13:20.123000000');
      assert.equal(p.p_event_time, p.ts);
      assert.deepEqual(p.who, { name: 'ann', ip: '10.0.0.1', x: 1 });
      assert.equal(p.ratio, 0.5);
      assert.deepEqual(p.p_any_usernames, ['ann']);
      assert.deepEqual(p.p_any_ip_addresses, ['10.0.0.1', '10.0.0.2']);
      assert.deepEqual(p.p_any_domain_names, ['a.example']);
    });

    it('names the nested field that fails', () => {
      const { failed } = normalize(['{"ts":"2024-01-01T00:00:00Z","who":{"ip":"x"}}', '{"ts":"soon"}'], { schema_file: file });
      assert.deepEqual(failed.map((f) => f.reason), ['who.name: required field is missing', 'ts: not unix_ms or RFC3339: "soon"']);
    });

    it('reports every problem of a bad schema file, one line each with the file and field', () => {
      const bad = 'schema: X\nfields:\n  - name: a\n    type: strng\n  - name: b\n    type: timestamp\n  - name: c\n    type: string\n    indicators: [phone]\n    colour: red\n';
      assert.throws(() => compilePantherSchema(YAML.parse(bad), 'bad.yml'), (err: Error) => {
        assert.deepEqual(err.message.split('\n'), [
          'bad.yml: fields.a.type: must be one of string, int, smallint, bigint, float, boolean, timestamp, json, array, object (got "strng")',
          'bad.yml: fields.b.timeFormats: a timestamp needs at least one format (rfc3339, unix, unix_ms, unix_us, unix_ns, unix_auto, or a strftime pattern such as "%Y-%m-%d %H:%M:%S")',
          'bad.yml: fields[2].colour: not supported (known keys: name, required, isEventTime, type, description, timeFormats, timeFormat, indicators, validate, isEmbeddedJSON, element, fields)',
          'bad.yml: fields.c.indicators: unknown indicator "phone" (known: ip, net_addr, domain, hostname, url, trace_id, username, email, aws_arn, aws_account_id, aws_instance_id, aws_tag, md5, sha1, sha256, mac)',
        ]);
        return true;
      });
    });

    it('config validation reports an unreadable schema_file with its config path', () => {
      const lines = schemaProcessorFactory.validate!({ schema_file: '/nonexistent/x.yml', unknown_fields: 'keep', source_label: 'l', source_id: undefined });
      assert.deepEqual(lines, ['schema_file: /nonexistent/x.yml: cannot read the Panther schema: ENOENT']);
    });
  });
});
