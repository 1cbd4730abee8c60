/** https endpoints: a private CA, mutual TLS, a certificate that cannot be verified, a bad path. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Service } from '../../../core/pipeline/service';
import { startService } from '../../support/service';
import { OtlpSink } from '../../support/otlp-sink';
import { syntheticLines, yamlList } from './helpers';

const fixture = (name: string) => path.resolve('test/fixtures/otlphttp', name);

function pipeline(sink: OtlpSink, tls: string): string {
  return `
receivers:
  testreceiver: {lines: ${yamlList(syntheticLines(10, 's'))}}
exporters:
  otlphttp:
    endpoint: ${sink.url}
    tls: {${tls}}
    retry_on_failure: {initial_interval: 20ms, max_interval: 50ms, max_elapsed_time: 300ms}
service:
  pipelines:
    logs: {receivers: [testreceiver], exporters: [otlphttp]}
`;
}

describe('otlphttp over TLS', function () {
  this.timeout(20_000);
  let sink: OtlpSink;
  let service: Service | undefined;
  before(async () => {
    sink = await OtlpSink.start({
      tls: { key: fs.readFileSync(fixture('server.key')), cert: fs.readFileSync(fixture('server.pem')), ca: fs.readFileSync(fixture('ca.pem')), requestCert: true, rejectUnauthorized: true },
    });
  });
  after(async () => { await sink.close(); });
  beforeEach(() => sink.reset());
  afterEach(async () => { await service?.shutdown(1000); service = undefined; });

  it('delivers with the private CA and a client certificate (mutual TLS)', async () => {
    service = await startService(pipeline(sink, `ca_file: ${fixture('ca.pem')}, cert_file: ${fixture('client.pem')}, key_file: ${fixture('client.key')}`));
    await service.drained();
    assert.equal(sink.records.length, 10);
  });

  it('does not deliver when the server certificate cannot be verified, or without a client certificate', async () => {
    for (const tls of [`cert_file: ${fixture('client.pem')}, key_file: ${fixture('client.key')}`, `ca_file: ${fixture('ca.pem')}`]) {
      service = await startService(pipeline(sink, tls));
      await assert.rejects(service.drained(), /gave up after \d+ attempts/);
      await service.shutdown(1000);
      service = undefined;
    }
    assert.equal(sink.records.length, 0);
  });

  it('skips verification only when told to', async () => {
    service = await startService(pipeline(sink, `insecure_skip_verify: true, cert_file: ${fixture('client.pem')}, key_file: ${fixture('client.key')}`));
    await service.drained();
    assert.equal(sink.records.length, 10);
  });

  it('names a TLS file it cannot read, with its config path', async () => {
    await assert.rejects(startService(pipeline(sink, 'ca_file: /nonexistent/ca.pem')),
      { message: 'exporters.otlphttp.tls.ca_file: cannot read /nonexistent/ca.pem: ENOENT' });
  });
});
