/**
 * Leaving takes as long as it needs: the real launcher (bin/teleport-otel.js, which lets Node exit
 * on its own once nothing is pending) exits right after its summary line, with --once and on
 * SIGTERM. A timer left pending in the receiver's shutdown held both for 10 s more.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { kafkaMock } from '../../support/kafka-mock';
import { events, kafkaReceiver, tmpDir, waitFor } from './helpers';

const BIN = path.resolve(__dirname, '..', '..', '..', '..', 'bin', 'teleport-otel.js');
/** Far below the 10 s the stray timer held, far above what exiting takes on a loaded machine. */
const EXIT_BOUND_MS = 4_000;

function run(config: string, once: boolean): { exit: Promise<{ code: number | null; afterSummaryMs: number; stderr: string }>; kill(): void; stderr(): string } {
  const dir = path.dirname(config);
  const child = spawn(process.execPath, [BIN, 'run', '-c', config, '--data-dir', path.join(dir, 'data'), ...(once ? ['--once'] : [])], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let summaryAt: number | undefined;
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    if (summaryAt === undefined && stderr.includes("teleport-otel: summary after")) summaryAt = Date.now();
  });
  const exit = new Promise<{ code: number | null; afterSummaryMs: number; stderr: string }>((resolve) => {
    child.on('exit', (code) => resolve({ code, afterSummaryMs: Date.now() - (summaryAt ?? Date.now()), stderr }));
  });
  return { exit, kill: () => child.kill('SIGTERM'), stderr: () => stderr };
}

describe('kafka receiver: exit time', function () {
  this.timeout(60_000);

  function setup(tag: string): Promise<string> {
    return kafkaMock().then(async (kafka) => {
      const topic = kafka.unique(tag);
      await kafka.produce(topic, events(tag, 0, 200).map((value) => ({ value })));
      const dir = tmpDir();
      const config = path.join(dir, 'pipeline.yaml');
      fs.writeFileSync(config, `
receivers:
  kafka: ${kafkaReceiver(kafka, [topic], kafka.unique('g'))}
exporters:
  file: {path: ${JSON.stringify(path.join(dir, 'out.jsonl'))}}
service:
  pipelines:
    logs: {receivers: [kafka], exporters: [file]}
`);
      return config;
    });
  }

  it('--once exits within moments of its summary line', async () => {
    const config = await setup('exit-once');
    const { code, afterSummaryMs, stderr } = await run(config, true).exit;
    assert.equal(code, 0, stderr);
    assert.ok(afterSummaryMs < EXIT_BOUND_MS, `exited ${afterSummaryMs} ms after the summary line`);
  });

  it('SIGTERM: exits within moments of its summary line', async () => {
    const config = await setup('exit-term');
    const out = path.join(path.dirname(config), 'out.jsonl');
    const p = run(config, false);
    await waitFor('events written', () => fs.existsSync(out) && fs.readFileSync(out, 'utf8').includes('exit-term-199'), 30_000);
    p.kill();
    const { afterSummaryMs, stderr } = await p.exit;
    assert.match(stderr, /SIGTERM/);
    assert.ok(afterSummaryMs < EXIT_BOUND_MS, `exited ${afterSummaryMs} ms after the summary line`);
  });
});
