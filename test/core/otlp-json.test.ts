/** The Teleport record -> OTLP/JSON mapping shared by the file and otlphttp exporters. */
import assert from 'node:assert/strict';
import { encodeExportLogsServiceRequest, toJsonAnyValue, toJsonAttributes } from '../../core/otlp/json';
import { sampleEvents } from '../../bench/lib/generate';
import { severityOf, toOtlpLogRecord } from '../../core/otlp/log-record';
import { newRecord } from '../../core/record';
import { decodeRecords } from '../../core/decode';

const decode = (...args: Parameters<typeof encodeExportLogsServiceRequest>) => JSON.parse(encodeExportLogsServiceRequest(...args));
const resource = { attributes: { 'service.name': 'teleport' }, scopeName: 'teleport-otel', scopeVersion: '0' };

function recordOf(line: string) {
  const r = newRecord(line, { source: 'a.log', line: 1 }, 1_700_000_000_123_456_789n);
  decodeRecords([r]);
  return r;
}

describe('OTLP/JSON mapping', () => {
  it('maps time with full precision, severity, event name, raw body and uid', () => {
    const line = '{"code":"T1000W","event":"user.login","time":"2024-02-23T08:01:02.123456789Z","uid":"u-1","cluster_name":"c1"}';
    const req = decode([recordOf(line)], resource) as any;
    const rl = req.resourceLogs[0];
    assert.deepEqual(rl.resource.attributes, [
      { key: 'service.name', value: { stringValue: 'teleport' } },
      { key: 'teleport.cluster.name', value: { stringValue: 'c1' } },
    ]);
    const lr = rl.scopeLogs[0].logRecords[0];
    assert.equal(lr.timeUnixNano, '1708675262123456789');
    assert.equal(lr.observedTimeUnixNano, '1700000000123456789');
    assert.equal(lr.severityNumber, 13);
    assert.equal(lr.severityText, 'WARN');
    assert.equal(lr.eventName, 'user.login');
    assert.deepEqual(lr.body, { stringValue: line });
    assert.deepEqual(lr.attributes, [{ key: 'log.record.uid', value: { stringValue: 'u-1' } }]);
  });

  it('gives an event without uid a stable id from its position: by offset when known, else by line', () => {
    const at = (position: { source: string; line?: number; offset?: number }) => {
      const r = newRecord('{"event":"x"}', position, 1n);
      decodeRecords([r]);
      const lr = decode([r], resource).resourceLogs[0].scopeLogs[0].logRecords[0];
      return lr.attributes.find((a: any) => a.key === 'log.record.uid').value.stringValue as string;
    };
    const first = at({ source: 'a.log', line: 7, offset: 120 });
    assert.match(first, /^[0-9a-f]{32}$/);
    assert.equal(at({ source: 'a.log', offset: 120 }), first, 'a resumed reader knows the offset, not the line');
    assert.notEqual(at({ source: 'a.log', offset: 121 }), first);
    assert.notEqual(at({ source: 'b.log', offset: 120 }), first);
    assert.equal(at({ source: 's3://b/k', line: 3 }), at({ source: 's3://b/k', line: 3 }));
    assert.notEqual(at({ source: 's3://b/k', line: 3 }), at({ source: 's3://b/k', line: 4 }));
    assert.equal(toOtlpLogRecord(newRecord('{}', { source: 'a.log', offset: 120 }, 1n)).attributes['log.record.uid'], first);
  });

  it('groups records by cluster into one ResourceLogs each', () => {
    const lines = ['{"cluster_name":"a","event":"x"}', '{"cluster_name":"b","event":"x"}', '{"cluster_name":"a","event":"y"}', '{"event":"z"}'];
    const req = decode(lines.map(recordOf), resource) as any;
    assert.deepEqual(req.resourceLogs.map((r: any) => r.scopeLogs[0].logRecords.length), [2, 1, 1]);
  });

  it('leaves time 0 (unknown) when the event time is missing or not RFC 3339, with an offset converted', () => {
    const bad = decode([recordOf('{"time":"yesterday"}')], resource) as any;
    assert.equal(bad.resourceLogs[0].scopeLogs[0].logRecords[0].timeUnixNano, '0');
    const offset = decode([recordOf('{"time":"2024-02-23T10:00:00.5+02:00"}')], resource) as any;
    assert.equal(offset.resourceLogs[0].scopeLogs[0].logRecords[0].timeUnixNano, String(Date.parse('2024-02-23T08:00:00.5Z') * 1e6));
  });

  it('maps severity letters I/W/E and keeps others as text', () => {
    assert.deepEqual(severityOf('T2000I'), [9, 'INFO']);
    assert.deepEqual(severityOf('TDB00W'), [13, 'WARN']);
    assert.deepEqual(severityOf('T1000E'), [17, 'ERROR']);
    assert.deepEqual(severityOf('TX001S'), [0, 'S']);
    assert.deepEqual(severityOf(undefined), [0, '']);
  });

  it('agrees with toOtlpLogRecord on every bundled sample event', () => {
    const lines = sampleEvents().map((e) => JSON.stringify(e));
    const records = lines.map(recordOf);
    records[0].attributes = { 'event.category': ['session'], 'client.port': 3022, 'x.ratio': 0.5, 'x.ok': true, 'x.map': { a: 'b' } };
    const req = decode(records, resource) as any;
    const encoded = req.resourceLogs.flatMap((rl: any) => rl.scopeLogs[0].logRecords);
    const byBody = new Map(encoded.map((r: any) => [r.body.stringValue, r]));
    for (const record of records) {
      const expected = toOtlpLogRecord(record);
      const got: any = byBody.get(record.raw);
      assert.equal(got.timeUnixNano, expected.timeUnixNano.toString());
      assert.equal(got.severityNumber, expected.severityNumber);
      assert.equal(got.severityText ?? '', expected.severityText);
      assert.equal(got.eventName ?? '', expected.eventName);
      assert.deepEqual(got.attributes, toJsonAttributes(expected.attributes));
    }
  });

  it('encodes attribute values as AnyValue', () => {
    assert.deepEqual(toJsonAnyValue(3022), { intValue: '3022' });
    assert.deepEqual(toJsonAnyValue(1234567890123456789n), { intValue: '1234567890123456789' });
    // Beyond int64 (max 9223372036854775807) no int field can hold it: the digits travel as a string.
    assert.deepEqual(toJsonAnyValue(12345678901234567890n), { stringValue: '12345678901234567890' });
    assert.deepEqual(toJsonAnyValue(1.5), { doubleValue: 1.5 });
    assert.deepEqual(toJsonAnyValue(['a', true]), { arrayValue: { values: [{ stringValue: 'a' }, { boolValue: true }] } });
    assert.deepEqual(toJsonAnyValue({ k: 'v' }), { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } });
  });
});
