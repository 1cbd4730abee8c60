/**
 * Acknowledgement under failure: a backend failing retryably makes the receiver answer 503 with
 * Retry-After (the plugin retries), the same events are accepted on recovery, and nothing answered
 * 200 is missing; a full receiver answers 503 at once; a graceful shutdown answers what is under
 * way once it is written, then stops listening.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { certs, Client, delay, events, freePort, rawLines, receiverYaml, startService, tlsBlock, tmpDir, type Answer } from './helpers';

async function setup(receiver: Record<string, unknown>, exporter: string) {
  const c = certs();
  const port = await freePort();
  const dir = tmpDir();
  const out = path.join(dir, 'out.jsonl');
  const yaml = receiverYaml({ endpoint: `127.0.0.1:${port}`, tls: tlsBlock(c), ...receiver },
    `  testexporter: {path: ${JSON.stringify(out)}, ${exporter}}`, path.join(dir, 'dead.jsonl'));
  const service = await startService(yaml, { once: false });
  return { service, out, client: Client.mutual(port, c), port };
}

describe('http receiver: acknowledgement under failure', function () {
  this.timeout(20_000);

  it('a backend failing retryably: 503 with Retry-After, accepted on recovery, nothing answered 200 lost', async () => {
    const { service, out, client } = await setup({ ack_timeout: '200ms', retry_after: '1s' }, 'fail_for: 1500ms, retry_interval: 50ms');
    const answers: Answer[] = [];
    const accepted: string[] = [];
    // As the Event Handler does: each event is sent again until it is answered 200.
    const send = async (e: string) => {
      for (let attempt = 0; attempt < 20; attempt++) {
        const a = await client.post(e);
        answers.push(a);
        if (a.status === 200) {
          // Snapshot at the moment of the 200: the event must already be in the output.
          assert.ok(rawLines(out).includes(e), `answered 200 before it was written: ${e}`);
          accepted.push(e);
          return;
        }
        await delay(Number(a.headers['retry-after']) * 300);
      }
    };
    try {
      const sent = events('flaky', 12);
      await Promise.all(sent.map(send));
      const refused = answers.filter((a) => a.status === 503);
      assert.ok(refused.length > 0, 'some requests were answered 503 while the backend failed');
      for (const a of refused) assert.equal(a.headers['retry-after'], '1');
      assert.deepEqual(answers.filter((a) => a.status !== 503 && a.status !== 200), []);
      assert.deepEqual([...accepted].sort(), [...sent].sort(), 'every event was accepted after the recovery');
      const written = new Set(rawLines(out));
      assert.deepEqual(accepted.filter((e) => !written.has(e)), [], 'answered 200 but lost');
    } finally {
      client.close();
      await service.shutdown(3000);
    }
  });

  it('beyond max_in_flight held requests, 503 with Retry-After at once', async () => {
    const { service, out, client } = await setup({ max_in_flight: 2, retry_after: '2s', ack_timeout: '5s' }, 'delay: 500ms');
    try {
      const sent = events('full', 3);
      const answers = await Promise.all(sent.map((e) => client.post(e)));
      assert.deepEqual(answers.map((a) => a.status).sort(), [200, 200, 503]);
      const refused = answers.findIndex((a) => a.status === 503);
      assert.equal(answers[refused].headers['retry-after'], '2');
      assert.ok(!rawLines(out).includes(sent[refused]), 'the refused request\'s event was not kept');
      assert.equal((await client.post(sent[refused])).status, 200, 'accepted once there is room');
    } finally {
      client.close();
      await service.shutdown(3000);
    }
  });

  it('graceful shutdown: requests under way are answered 200 once written, then the port is closed', async () => {
    const { service, out, client, port } = await setup({}, 'delay: 300ms');
    const sent = events('drain', 4); // one per connection of the client: all reach the server before the shutdown
    const answers = Promise.all(sent.map((e) => client.post(e)));
    await delay(100);
    const stopped = service.shutdown(5000);
    const statuses = (await answers).map((a) => a.status);
    await stopped;
    assert.deepEqual(statuses, sent.map(() => 200));
    const written = new Set(rawLines(out));
    assert.deepEqual(sent.filter((e) => !written.has(e)), []);
    client.close();
    const late = Client.mutual(port, certs());
    await assert.rejects(late.post(sent[0]), /ECONNREFUSED/);
    late.close();
  });
});
