/**
 * kill -9 of the real CLI (a child process) while plugin-like clients POST events over mutual TLS:
 * every event answered 200 before the kill is in the output, and after a restart on the same
 * port, the clients' retries bring every event in (at-least-once).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { certs, Client, delay, events, freePort, rawLines, receiverYaml, tlsBlock, tmpDir } from './helpers';
import { exited, startChild, waitFor } from '../../support/child';





describe('http receiver: kill -9 while events are POSTed', function () {
  this.timeout(60_000);

  it('every event answered 200 survives the kill, and retries bring in the rest after a restart', async () => {
    const c = certs();
    const port = await freePort();
    const dir = tmpDir();
    const output = path.join(dir, 'out.jsonl');
    const config = path.join(dir, 'pipeline.yaml');
    fs.writeFileSync(config, receiverYaml({ endpoint: `127.0.0.1:${port}`, tls: tlsBlock(c) },
      `  testexporter: {path: ${JSON.stringify(output)}, delay: 5ms}`, path.join(dir, 'dead.jsonl')));
    let child = startChild(config, path.join(dir, 'data'));

    const sent = events('k9', 1200);
    const ok = new Set<string>();
    let failedRequests = 0;
    const client = Client.mutual(port, c, 4);
    // Four senders, each one event at a time and again until 200, as the Event Handler's workers.
    const sender = async (from: number) => {
      for (let i = from; i < sent.length; i += 4) {
        for (;;) {
          try {
            if ((await client.post(sent[i])).status === 200) break;
          } catch {
            // Refused or reset while the collector is down.
          }
          failedRequests++;
          await delay(50);
        }
        ok.add(sent[i]);
      }
    };
    const senders = Promise.all([0, 1, 2, 3].map(sender));

    await waitFor('events from the first run', () => ok.size >= 300, 20_000);
    child.kill('SIGKILL');
    await exited(child);
    const acknowledged = [...ok];
    const failedBefore = failedRequests;
    const afterKill = new Set(rawLines(output));
    assert.deepEqual(acknowledged.filter((e) => !afterKill.has(e)), [], 'answered 200, then lost by kill -9');
    assert.ok(acknowledged.length < sent.length, 'killed before every event was sent');

    await delay(300); // the senders meet a closed port for a while
    assert.ok(failedRequests > failedBefore, 'requests failed while the collector was down');
    child = startChild(config, path.join(dir, 'data'));
    await senders;
    child.kill('SIGTERM');
    await exited(child);
    client.close();
    const seen = new Set(rawLines(output));
    assert.deepEqual(sent.filter((e) => !seen.has(e)), [], 'events lost');
    assert.equal(seen.size, sent.length, 'nothing but the sent events');
  });
});
