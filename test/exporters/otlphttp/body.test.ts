/**
 * The `body` setting of the exporters that write OTLP records (otlphttp, file): `none` leaves the
 * body out and changes nothing else; a dead letter keeps its line whatever the setting.
 */
import assert from 'node:assert/strict';
import { decodeRecords } from '../../../core/decode';
import { encodeExportLogsServiceRequest, type ResourceOptions } from '../../../core/otlp/json';
import { OtlpProtoEncoder } from '../../../core/otlp/proto';
import { toDeadLetterRecord } from '../../../core/pipeline/dead-letter';
import { newRecord, type LogRecord } from '../../../core/record';
import { otlphttpExporterConfig } from '../../../exporters/otlphttp/config';
import { ProtoRecordEncoder } from '../../../core/otlp/export/encoding';
import { fileExporterConfig } from '../../../exporters/file/config';
import { decode } from '../../support/otlp-sink';

const BASE = { attributes: { 'service.name': 'teleport' }, scopeName: 'teleport-otel', scopeVersion: '0.1.0' };

function records(): LogRecord[] {
  const lines = [
    '{"event":"user.login","code":"T1000I","uid":"u-1","time":"2024-02-23T10:00:00.5Z","user":"alice","cluster_name":"c1"}',
    '{"event":"session.start","code":"T2000I","uid":"u-2","time":"2024-02-23T10:00:01Z","sid":"s","cluster_name":"c2"}',
  ];
  const { records: out } = decodeRecords(lines.map((l, i) => newRecord(l, { source: 'f', line: i + 1 }, 1n)));
  out[0].attributes['teleport.audit.user'] = 'alice';
  return out;
}

function both(resource: ResourceOptions, rs: LogRecord[]): ReturnType<typeof decode>[] {
  return [
    decode(new OtlpProtoEncoder(resource).encode(rs), true),
    decode(Buffer.from(encodeExportLogsServiceRequest(rs, resource)), false),
  ];
}

describe('exporters: body setting', () => {
  it('`none` leaves the body out of every record, proto and JSON, and nothing else changes', () => {
    const rs = records();
    const [protoOriginal, jsonOriginal] = both({ ...BASE, body: 'original' }, rs);
    const [protoNone, jsonNone] = both({ ...BASE, body: 'none' }, rs);
    assert.deepEqual(protoOriginal.map((r) => r.body), rs.map((r) => r.raw));
    assert.deepEqual(jsonOriginal, protoOriginal);
    for (const none of [protoNone, jsonNone]) {
      assert.equal(none.length, rs.length);
      assert.deepEqual(none.map((r) => r.body), [undefined, undefined]);
      assert.deepEqual(none, protoOriginal.map((r) => ({ ...r, body: undefined })));
    }
    // And the bytes are fewer by at least the lines.
    const size = (body: 'original' | 'none') => new OtlpProtoEncoder({ ...BASE, body }).encode(rs).length;
    assert.ok(size('original') - size('none') >= rs[0].raw.length + rs[1].raw.length, `${size('original')} vs ${size('none')}`);
  });

  it('`none` holds on worker threads too (records encoded one by one, assembled on the main thread)', () => {
    const rs = records();
    const resource: ResourceOptions = { ...BASE, body: 'none' };
    const { bytes, ends, keys } = new ProtoRecordEncoder(resource).encode(rs);
    const parts = rs.map((_, i) => ({ key: keys[i], bytes: bytes.subarray(i === 0 ? 0 : ends[i - 1], ends[i]) }));
    const assembled = decode(new OtlpProtoEncoder(resource).assemble(rs, parts), true);
    assert.deepEqual(assembled, decode(new OtlpProtoEncoder(resource).encode(rs), true));
    assert.deepEqual(assembled.map((r) => r.body), [undefined, undefined]);
  });

  it('a dead letter keeps its line under `none`', () => {
    const [r] = records();
    const dead = toDeadLetterRecord({ record: r, code: 'schema_invalid', reason: 'bad', component: 'schema' }, 'logs');
    for (const decoded of both({ ...BASE, body: 'none' }, [dead])) {
      assert.equal(decoded[0].body, r.raw);
      assert.equal(decoded[0].attributes['error.type'], 'schema_invalid');
    }
  });

  it('is `original` unless set, and takes only `original` or `none`', () => {
    for (const shape of [otlphttpExporterConfig, fileExporterConfig]) {
      assert.equal(shape.body.default, 'original');
      for (const ok of ['original', 'none']) {
        const errors: string[] = [];
        assert.equal(shape.body.parse(ok, 'exporters.x.body', errors), ok);
        assert.deepEqual(errors, []);
      }
      const errors: string[] = [];
      assert.equal(shape.body.parse('raw', 'exporters.x.body', errors), undefined);
      assert.deepEqual(errors, ['exporters.x.body: must be one of original, none']);
    }
  });
});
