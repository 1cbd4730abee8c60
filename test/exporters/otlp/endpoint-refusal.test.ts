/**
 * A refusal no record caused, over gRPC, as a user meets it: the real CLI against the grpc-js
 * sink, which answers UNAUTHENTICATED until the expected metadata arrives. Nothing may be
 * dead-lettered or acknowledged meanwhile; /healthz and the log must say why; once the key is
 * fixed (here: the server starts accepting it) everything arrives.
 */
import assert from 'node:assert/strict';
import { OtlpGrpcSink } from '../../support/otlp-grpc-sink';
import { freePort, healthz, startCli, until } from '../../support/cli-process';
import { readOtlpJsonLines, refusalPipeline, waitUntil } from '../otlphttp/helpers';
import { expectedUids, grpcUids } from './helpers';

const N = 300;

describe('otlp (gRPC): UNAUTHENTICATED, a refusal no record caused (CLI)', function () {
  this.timeout(60_000);
  let sink: OtlpGrpcSink;
  before(async () => { sink = await OtlpGrpcSink.start(); });
  after(async () => { await sink.close(); });

  it('retried, logged once, /healthz failing; once the key is accepted every record arrives and none is dead-lettered', async () => {
    const { deadLetter, config } = refusalPipeline(N, 'a', { id: 'otlp', block: [
      `    endpoint: ${sink.endpoint}`,
      '    tls: {insecure: true}',
      '    headers: {authorization: Bearer old-key}',
      '    retry_on_failure: {initial_interval: 50ms, max_interval: 200ms}',
    ].join('\n') });
    sink.requireHeader = { name: 'authorization', value: 'Bearer new-key' };
    const port = await freePort();
    const cli = startCli(['run', '-c', config, '--metrics-port', String(port), '--no-progress']);
    try {
      await waitUntil(() => sink.requests.filter((r) => r.code === 16).length >= 3, 20_000, 'three UNAUTHENTICATED answers');
      const health = await until('/healthz failing', async () => { const h = await healthz(port); return h?.status === 503 && h.body.startsWith('failing') ? h : undefined; }, 10_000);
      assert.match(health.body, /^failing\notlp: failing: otlp: http:\/\/127\.0\.0\.1:\d+: UNAUTHENTICATED: missing or wrong authorization/);
      const errorLine = await until('an error line', () => cli.stderr().split('\n').find((l) => / ERROR \[otlp\] /.test(l)), 10_000);
      assert.match(errorLine, /otlp: http:\/\/127\.0\.0\.1:\d+: UNAUTHENTICATED: missing or wrong authorization.*retrying/);
      assert.equal(cli.stderr().split('\n').filter((l) => / ERROR \[otlp\] /.test(l)).length, 1, 'rate-limited: one line so far');
      assert.equal(sink.records.length, 0);
      assert.equal(readOtlpJsonLines(deadLetter).length, 0, 'nothing dead-lettered');

      sink.requireHeader = undefined; // the backend now takes the key
      await waitUntil(() => sink.records.length >= N, 20_000, 'every record');
      await until('/healthz ok', async () => ((await healthz(port))?.status === 200 ? true : undefined), 10_000);
      assert.match(cli.stderr(), /INFO \[otlp\] delivering again after \d+s of failures/);
    } finally {
      cli.child.kill('SIGTERM');
    }
    const { code } = await cli.exit;
    assert.equal(code, 0, cli.stderr());
    assert.deepEqual([...new Set(grpcUids(sink))].sort(), expectedUids(N, 'a'), 'every record arrived');
    assert.equal(readOtlpJsonLines(deadLetter).length, 0, 'none dead-lettered');
    assert.match(cli.stderr(), /dead-lettered 0/);
  });
});
