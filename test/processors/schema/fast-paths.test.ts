/**
 * The schema processor's fast paths give exactly what their straightforward forms give: objects
 * from compiled per-shape builders equal the generic keyed-store path (values and key order), the
 * UTC timestamp fast path equals a calendar-checked reference, and the stride scan for 16-digit
 * runs equals the regex.
 */
import assert from 'node:assert/strict';
import { decodeRecords } from '../../../core/decode';
import { mayHoldUnsafeInteger } from '../../../core/json-lossless';
import { newRecord, type LogRecord } from '../../../core/record';
import { rfc3339ToPantherTime } from '../../../core/time';
import { rowIdAt, rowIdPrefix, uvarintHex } from '../../../processors/schema/row-id';
import type { SchemaProcessor } from '../../../processors/schema/schema-processor';

import { fixtureLines, parserCases, schemaProcessor } from './helpers';
import { random } from '../../support/random';

/** Every input line the fixtures hold, plus lines aimed at the key-naming rules. */
function inputs(): string[] {
  return [
    ...fixtureLines('teleport-samples.jsonl'),
    ...fixtureLines('elastic-teleport-all-events.log'),
    ...fixtureLines('elastic-teleport-generated.log'),
    ...parserCases().map((c) => c.input),
    // Integers beyond 2^53, top-level and nested, declared and unknown: the lossless values, never
    // JSON.parse's rounded ones; a long digit run inside a string changes nothing.
    '{"event":"x","code":"T1I","time":"2024-01-02T03:04:05Z","pid":123456789012345678901,"zz":{"a":[1,99999999999999999999]}}',
    '{"event":"x","code":"T1I","time":"2024-01-02T03:04:05Z","cert":{"serial":123456789012345678901234567890123456789012345678}}',
    '{"event":"x","code":"T1I","time":"2024-01-02T03:04:05Z","len":-9007199254740993,"tx":9007199254740991,"f":1e300}',
    '{"event":"x","code":"T1I","time":"2024-01-02T03:04:05Z","uid":"12345678901234567890","size":12345678901234567}',
    // Unknown keys whose rewritten name is a declared column keep their own names.
    '{"event":"x","code":"T1I","time":"2024-01-02T03:04:05Z","addr.local":"10.0.0.1:22","addr-local":"a","addr local":"b"}',
    // An unknown key named like a p_ field: its place among the unknown keys, the p_ value.
    '{"event":"x","code":"T1I","time":"2024-01-02T03:04:05Z","p_log_type":"spoofed","zz":1}',
    // A key that is an array index sorts first, whatever the order of the line.
    '{"event":"x","code":"T1I","time":"2024-01-02T03:04:05Z","7":"seven","0":"zero"}',
    // __proto__ as data: never the prototype.
    '{"event":"x","code":"T1I","time":"2024-01-02T03:04:05Z","__proto__":{"polluted":true}}',
    // Shapes the cache leaves to the generic path: a very long unknown key, very many unknown keys.
    `{"event":"x","code":"T1I","time":"2024-01-02T03:04:05Z","${'k'.repeat(200)}":1}`,
    `{"event":"x","code":"T1I","time":"2024-01-02T03:04:05Z",${Array.from({ length: 70 }, (_, i) => `"u${i}":${i}`).join(',')}}`,
    // The same shape again with other values, and the same fields in another input order.
    '{"time":"2024-01-02T03:04:06.5Z","code":"T2I","event":"y","user":"bob"}',
    '{"event":"y","code":"T2I","time":"2024-01-02T03:04:07Z","user":"carol"}',
  ];
}

function run(processor: SchemaProcessor, lines: string[]): { ok: Map<number, Record<string, unknown>>; failed: Map<number, string> } {
  const decoded = decodeRecords(lines.map((raw, i) => newRecord(raw, { source: 'test', line: i + 1 }, 0n)));
  const result = processor.process(decoded.records);
  const line = (r: LogRecord) => (r.position as { line: number }).line;
  return {
    ok: new Map(result.records.map((r) => [line(r), r.panther!])),
    failed: new Map(result.failed.map((f) => [line(f.record), f.reason])),
  };
}

/** Comparable form: row ids differ per record and parse times per call. */
function comparable(out: Record<string, unknown>): string {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(out)) {
    Object.defineProperty(copy, key, { value: key === 'p_row_id' || key === 'p_parse_time' ? '-' : out[key], enumerable: true });
  }
  return JSON.stringify(copy, (_k, v: unknown) => (typeof v === 'bigint' ? `bigint:${v}` : v));
}

describe('schema processor fast paths', () => {
  for (const unknown_fields of ['keep', 'drop'] as const) {
    it(`per-input-shape normalizers and compiled builders make the same objects as keyed stores, key order included (unknown_fields: ${unknown_fields})`, () => {
      const lines = inputs();
      const fast = schemaProcessor({ unknown_fields });
      const compiled = schemaProcessor({ unknown_fields });
      const generic = schemaProcessor({ unknown_fields });
      // Without input shapes every record takes the generic pass, with compiled output builders.
      (compiled as unknown as { inputShapes: undefined }).inputShapes = undefined;
      (generic as unknown as { inputShapes: undefined }).inputShapes = undefined;
      // The generic path is what every shape gets once the shape cache is full.
      (generic as unknown as { shapes: { builder(): undefined } }).shapes = { builder: () => undefined };
      // Twice through the cached ones: the second pass runs on compiled functions.
      run(fast, lines);
      run(compiled, lines);
      const b = run(generic, lines);
      assert.ok(b.ok.size > 400, `most fixture lines normalize (${b.ok.size})`);
      // Count the records the input-shape path leaves to the generic one (which asks for a builder).
      let leftToGeneric = 0;
      const shapes = (fast as unknown as { shapes: { builder(...args: unknown[]): unknown } }).shapes;
      (fast as unknown as { shapes: unknown }).shapes = { builder: (...args: unknown[]) => { leftToGeneric++; return shapes.builder(...args); } };
      for (const [name, processor] of [['input shapes', fast], ['compiled builders', compiled]] as const) {
        const a = run(processor, lines);
        if (processor === fast) assert.ok(leftToGeneric < a.ok.size / 20, `input shapes normalize almost every record themselves (${leftToGeneric} of ${a.ok.size} left)`);
        assert.deepEqual([...a.failed], [...b.failed], name);
        assert.equal(a.ok.size, b.ok.size, name);
        for (const [line, out] of a.ok) {
          assert.equal(comparable(out), comparable(b.ok.get(line)!), `${name}, line ${line}: ${lines[line - 1].slice(0, 120)}`);
          assert.equal(Object.getPrototypeOf(out), Object.prototype, `${name}, line ${line}: a plain object`);
        }
      }
    });
  }

  it('applies the naming rules of kept unknown keys in compiled objects', () => {
    const { ok } = run(schemaProcessor(), inputs().slice(-8));
    const [collide, spoof, index, proto, long, many, shapeA, shapeB] = [...ok.values()];
    assert.equal(long['k'.repeat(200)], 1);
    assert.equal(Object.keys(many).length, 3 + 70 + 6);
    assert.equal(collide.addr_local, '10.0.0.1:22');
    assert.equal(collide['addr-local'], 'a');
    assert.equal(collide['addr local'], 'b');
    assert.deepEqual(Object.keys(spoof).slice(0, 5), ['event', 'code', 'time', 'p_log_type', 'zz']);
    assert.equal(spoof.p_log_type, 'Gravitational.TeleportAudit');
    assert.deepEqual(Object.keys(index).slice(0, 2), ['0', '7']);
    assert.ok(Object.hasOwn(proto, '__proto__'));
    assert.deepEqual(Object.getOwnPropertyDescriptor(proto, '__proto__')?.value, { polluted: true });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(shapeA.time, '2024-01-02 03:04:06.500000000');
    assert.equal(shapeB.user, 'carol');
    assert.notEqual(shapeA.p_row_id, shapeB.p_row_id);
  });

  it('rewrites UTC RFC 3339 exactly as a calendar-checked reference does, and rejects the rest', () => {
    const reference = (text: string): string | undefined => {
      const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/.exec(text);
      if (m === null) return undefined;
      const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
      const date = new Date(0);
      date.setUTCFullYear(y, mo - 1, d);
      date.setUTCHours(h, mi, s);
      // The Date rolls over on an impossible day or time; a valid one reads back unchanged.
      if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || date.getUTCHours() !== h || date.getUTCMinutes() !== mi || date.getUTCSeconds() !== s) return undefined;
      return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}.${(m[7] ?? '').padEnd(9, '0')}`;
    };
    const rnd = random(7);
    const two = (n: number) => String(n).padStart(2, '0');
    const cases = ['2024-02-29T23:59:59Z', '2023-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2000-02-29T00:00:00.123456789Z',
      '0001-01-01T00:00:00Z', '2024-01-01T00:00:00.Z', '2024-01-01T00:00:00.1234567890Z', '2024-01-01t00:00:00Z',
      '2024-01-01T00:00:00z', '2024-1-01T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T00:60:00Z', '2024-01-01T00:00:60Z',
      '2024-13-01T00:00:00Z', '2024-00-10T00:00:00Z', '2024-04-31T00:00:00Z', '2024-01-01T0a:00:00Z'];
    for (let i = 0; i < 5000; i++) {
      const frac = rnd(3) === 0 ? '' : `.${'123456789'.slice(0, 1 + rnd(9))}`;
      cases.push(`${String(rnd(3000)).padStart(4, '0')}-${two(rnd(14))}-${two(rnd(33))}T${two(rnd(25))}:${two(rnd(61))}:${two(rnd(61))}${frac}Z`);
    }
    // Runs within one second, as a log has them: the second is checked once, the fraction every time.
    for (const second of ['2024-05-06T07:08:09', '2024-02-30T07:08:09', '2024-05-06T07:08:60']) {
      cases.push(`${second}Z`, `${second}.1Z`, `${second}.123456789Z`, `${second}.12a4Z`, `${second}.Z`, `${second}.0123456789Z`, `${second}.5Z`);
    }
    for (const text of cases) assert.equal(rfc3339ToPantherTime(text), reference(text), text);
    // Offsets still go through the full parser.
    assert.equal(rfc3339ToPantherTime('2024-01-01T01:30:00.5+01:30'), '2024-01-01 00:00:00.500000000');
  });

  it('row ids from the cached varint parts equal the prefix and the varint of the counter', () => {
    // Runs across the byte boundaries of the varint, in order and jumping about.
    const ns = [...Array.from({ length: 40000 }, (_, i) => i + 1), 2097151, 2097152, 268435455, 268435456, 2 ** 40 + 5, 130, 1, 16384, 127];
    for (const n of ns) assert.equal(rowIdAt(n), rowIdPrefix + uvarintHex(n), `counter ${n}`);
    // Go's binary.PutUvarint bytes, in hex: 300 is ac 02.
    assert.equal(uvarintHex(300), 'ac02');
    assert.equal(uvarintHex(5), '05');
  });

  it('finds a run of 16 digits wherever it is, exactly as /\\d{16}/ does', () => {
    const rnd = random(11);
    for (let i = 0; i < 20000; i++) {
      let text = '';
      const length = rnd(120);
      // Mostly digits, so runs of every length around 16 appear at every offset.
      for (let j = 0; j < length; j++) text += rnd(12) === 0 ? '"' : String(rnd(10));
      assert.equal(mayHoldUnsafeInteger(text), /\d{16}/.test(text), text);
    }
    assert.equal(mayHoldUnsafeInteger('{"serial":123456789012345678901234567890123456789012345678}'), true);
    assert.equal(mayHoldUnsafeInteger('{"ei":2147483647,"uid":"9ab883b0-a993-408f-b43c-fc9ded8667cd"}'), false);
  });
});
