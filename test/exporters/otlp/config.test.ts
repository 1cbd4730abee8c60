/** otlp (gRPC) exporter config: defaults, and every mistake reported at once, one line each, with its path. */
import assert from 'node:assert/strict';
import { parseConfig } from '../../../core/config/load';
import { UserError } from '../../../core/errors';
import { testRegistry } from '../../support/test-registry';

function load(exporter: string): { errors: string[]; config?: Record<string, unknown> } {
  const yaml = `
receivers:
  testreceiver: {}
exporters:
  otlp: ${exporter}
service:
  pipelines:
    logs: {receivers: [testreceiver], exporters: [otlp]}
`;
  try {
    const c = parseConfig(yaml, 'p.yaml', testRegistry, {});
    return { errors: [], config: c.exporters.get('otlp')!.config as Record<string, unknown> };
  } catch (err) {
    assert.ok(err instanceof UserError, String(err));
    return { errors: err.lines };
  }
}

describe('otlp (gRPC) exporter config', () => {
  it('defaults: TLS on, gzip, the shared batching and queue settings', () => {
    const { errors, config } = load('{endpoint: collector}');
    assert.deepEqual(errors, []);
    assert.equal(config!.compression, 'gzip');
    assert.deepEqual(JSON.parse(JSON.stringify(config!.tls)), { insecure: false, insecure_skip_verify: false });
    assert.equal(config!.max_batch_size, 2048);
    assert.deepEqual(JSON.parse(JSON.stringify(config!.sending_queue)), { num_consumers: 4, queue_size: 16, queue_bytes: 32 * 1024 ** 2, persistent: false, max_size: 1024 ** 3 });
  });

  it('reports every mistake at once with its config path', () => {
    const { errors } = load('{endpoint: "http://collector:4317/v1/logs", encoding: json, tls: {insecure: true, ca_file: /etc/ca.pem, cert_file: /etc/c.pem}, headers_list: "=x"}');
    assert.deepEqual(errors, [
      'exporters.otlp.encoding: unknown key (known: endpoint, compression, body, headers, headers_list, timeout, tls, resource, max_batch_size, flush_interval, retry_on_failure, sending_queue)',
    ]);
    const second = load('{endpoint: "http://collector:4317/v1/logs", tls: {insecure: true, ca_file: /etc/ca.pem, cert_file: /etc/c.pem}, headers_list: "=x"}').errors;
    assert.deepEqual(second, [
      'exporters.otlp.endpoint: expected host:port (e.g. collector:4317), got "http://collector:4317/v1/logs"',
      'exporters.otlp.headers_list: entry 1 is not name=value with a valid header name',
      'exporters.otlp.tls.key_file: required when tls.cert_file is set',
    ]);
    assert.deepEqual(load('{endpoint: collector:4317, tls: {insecure: true, ca_file: /etc/ca.pem}}').errors,
      ['exporters.otlp.tls.ca_file: set, but the connection is plaintext (tls.insecure: true or an http:// endpoint)']);
    assert.deepEqual(load('{endpoint: "https://collector", tls: {insecure: true}}').errors,
      ['exporters.otlp.endpoint: an https:// endpoint contradicts insecure: true']);
    assert.deepEqual(load('{}').errors, ['exporters.otlp.endpoint: required']);
  });
});
