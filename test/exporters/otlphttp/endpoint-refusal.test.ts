/**
 * Request-level refusals as a user meets them (issue 29): the real CLI against the test OTLP sink,
 * which answers 401 (a wrong key) or 404 (a wrong path) until the test "fixes" it. Nothing may be
 * dead-lettered or acknowledged meanwhile; the process must say so on /healthz and in its log.
 */
import assert from 'node:assert/strict';
import { OtlpSink } from '../../support/otlp-sink';
import { refusalPipeline, uidsOf, readOtlpJsonLines } from './helpers';
import { freePort, healthz, startCli, until } from '../../support/cli-process';

const N = 300;

function setup(sink: OtlpSink, tag: string): { config: string; deadLetter: string } {
  return refusalPipeline(N, tag, { id: 'otlphttp', block: `    endpoint: ${sink.url}\n    retry_on_failure: {initial_interval: 50ms, max_interval: 200ms}` });
}

const expected = (tag: string) => Array.from({ length: N }, (_, i) => `${tag}-${i}`).sort();

describe('otlphttp: refusals no record caused (CLI)', function () {
  this.timeout(60_000);
  let sink: OtlpSink;
  before(async () => { sink = await OtlpSink.start(); });
  after(async () => { await sink.close(); });
  beforeEach(() => sink.reset());

  for (const [status, what] of [[401, 'a wrong key'], [404, 'a wrong path']] as const) {
    it(`${status} (${what}): retried, logged, /healthz failing; once fixed every record arrives and none is dead-lettered`, async () => {
      const tag = `k${status}`;
      const { config, deadLetter } = setup(sink, tag);
      sink.setFault({ status, message: `injected ${status}` });
      const port = await freePort();
      const cli = startCli(['run', '-c', config, '--metrics-port', String(port), '--no-progress']);
      try {
        await sink.waitFor(() => sink.requests.filter((r) => r.status === status).length >= 3, 20_000, `three ${status} answers`);
        const health = await until('/healthz failing', async () => { const h = await healthz(port); return h?.status === 503 && h.body.startsWith('failing') ? h : undefined; }, 10_000);
        assert.match(health.body, new RegExp(`^failing\\notlphttp: failing: otlphttp: ${sink.url.replace(/[.]/g, '\\.')}/v1/logs answered ${status} `));
        const errorLine = await until('an error line', () => cli.stderr().split('\n').find((l) => / ERROR \[otlphttp\] /.test(l)), 10_000);
        assert.match(errorLine, new RegExp(`otlphttp: http://127\\.0\\.0\\.1:\\d+/v1/logs answered ${status} .*injected ${status}.*retrying`));
        assert.equal(cli.stderr().split('\n').filter((l) => / ERROR \[otlphttp\] /.test(l)).length, 1, 'rate-limited: one line so far');
        assert.equal(sink.records.length, 0);
        assert.equal(readOtlpJsonLines(deadLetter).length, 0, 'nothing dead-lettered');

        sink.clearFault(); // the user fixes the key / the path
        await sink.waitForRecords(N, 20_000);
        await until('/healthz ok', async () => ((await healthz(port))?.status === 200 ? true : undefined), 10_000);
        assert.match(cli.stderr(), /INFO \[otlphttp\] delivering again after \d+s of failures/);
      } finally {
        cli.child.kill('SIGTERM');
      }
      const { code } = await cli.exit;
      assert.equal(code, 0, cli.stderr());
      assert.deepEqual([...new Set(uidsOf(sink))].sort(), expected(tag), 'every record arrived');
      assert.equal(readOtlpJsonLines(deadLetter).length, 0, 'none dead-lettered');
      assert.match(cli.stderr(), /dead-lettered 0/);
    });
  }

  it('--once against a sink that only answers 401: exit 1 within the bound, nothing acknowledged; a second run delivers everything', async () => {
    const tag = 'once';
    const { config, deadLetter } = setup(sink, tag);
    sink.setFault({ status: 401 });
    const boundMs = 2000;
    const env = { TELEPORT_OTEL_ONCE_FAILING_TIMEOUT_MS: String(boundMs) };
    const first = startCli(['run', '-c', config, '--once', '--no-progress'], env);
    const { code, ms } = await first.exit;
    assert.equal(code, 1, first.stderr());
    assert.ok(ms < boundMs + 8000, `ended in ${ms}ms`);
    const fatal = first.stderr().split('\n').filter((l) => l.startsWith('teleport-otel: --once:'));
    assert.equal(fatal.length, 1, first.stderr());
    assert.match(fatal[0], /^teleport-otel: --once: otlphttp has failed for 2s \(TELEPORT_OTEL_ONCE_FAILING_TIMEOUT_MS\): otlphttp: http:\/\/127\.0\.0\.1:\d+\/v1\/logs answered 401 .*; undelivered records stay unacknowledged/);
    assert.equal(sink.records.length, 0);
    assert.equal(readOtlpJsonLines(deadLetter).length, 0, 'nothing dead-lettered');
    assert.match(first.stderr(), /exported 0, dead-lettered 0/);

    sink.clearFault();
    const second = startCli(['run', '-c', config, '--once', '--no-progress'], env);
    assert.equal((await second.exit).code, 0, second.stderr());
    assert.deepEqual([...new Set(uidsOf(sink))].sort(), expected(tag), 'the checkpoint had not moved: everything is delivered');
    assert.equal(readOtlpJsonLines(deadLetter).length, 0);
  });
});
