/**
 * The processor in a real pipeline: filelog reads the Teleport samples from a file, ecs maps them,
 * the file exporter writes OTLP/JSON, and the ECS fields arrive as OTLP attributes. A second
 * pipeline without ecs shares the receiver and must not see ECS fields (fan-out copies).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startService, tmpDir } from '../../support/service';
import { fixtureLines } from './helpers';

interface JsonKv { key: string; value: Record<string, unknown> }

function otlpRecords(file: string): { attributes: JsonKv[]; eventName?: string; body: { stringValue: string } }[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)
    .flatMap((l) => JSON.parse(l).resourceLogs.flatMap((rl: any) => rl.scopeLogs.flatMap((sl: any) => sl.logRecords)));
}

const attr = (r: { attributes: JsonKv[] }, key: string) => r.attributes.find((a) => a.key === key)?.value;

describe('ecs processor: in a pipeline (filelog -> ecs -> file)', () => {
  it('delivers every sample with ECS attributes on the OTLP record, and leaves the other pipeline untouched', async () => {
    const dir = tmpDir();
    const input = path.join(dir, 'audit.log');
    const lines = fixtureLines('teleport-samples.jsonl');
    fs.writeFileSync(input, lines.join('\n') + '\n');
    const withEcs = path.join(dir, 'ecs.otlp.jsonl');
    const plain = path.join(dir, 'plain.otlp.jsonl');
    const dead = path.join(dir, 'dead.jsonl');
    const service = await startService(`
receivers:
  filelog: {include: [${JSON.stringify(input)}], start_at: beginning, storage: ${JSON.stringify(path.join(dir, 'checkpoints'))}}
processors:
  ecs: {}
exporters:
  file/ecs: {path: ${JSON.stringify(withEcs)}}
  file/plain: {path: ${JSON.stringify(plain)}}
  file/dead: {path: ${JSON.stringify(dead)}}
service:
  pipelines:
    logs/ecs: {receivers: [filelog], processors: [ecs], exporters: [file/ecs], dead_letter: [file/dead]}
    logs/plain: {receivers: [filelog], exporters: [file/plain], dead_letter: [file/dead]}
`);
    await service.drained();
    await service.shutdown(5000);

    const records = otlpRecords(withEcs);
    assert.equal(records.length, lines.length, 'the processor drops nothing');
    assert.equal(fs.existsSync(dead) ? fs.readFileSync(dead, 'utf8') : '', '', 'and fails nothing');
    for (const r of records) {
      assert.deepEqual(attr(r, 'event.kind'), { stringValue: 'event' });
      const outcome = attr(r, 'event.outcome') as { stringValue: string };
      assert.ok(['success', 'failure', 'unknown'].includes(outcome.stringValue), r.body.stringValue);
    }
    const sftp = records.find((r) => r.eventName === 'sftp')!;
    assert.deepEqual(attr(sftp, 'event.category'), { arrayValue: { values: [{ stringValue: 'file' }, { stringValue: 'network' }] } });
    assert.deepEqual(attr(sftp, 'client.port'), { intValue: '41106' });
    assert.deepEqual(attr(sftp, 'related.ip'), { arrayValue: { values: [{ stringValue: '127.0.0.1' }, { stringValue: '::1' }] } });
    const device = records.find((r) => r.eventName === 'device')!;
    assert.deepEqual(attr(device, 'teleport.audit.device'), { kvlistValue: { values: [
      { key: 'asset_tag', value: { stringValue: 'M2CQVQV64R' } },
      { key: 'device_id', value: { stringValue: '99d39707-efdd-436c-94f3-6a1aeef1fbf2' } },
      { key: 'os_type', value: { intValue: '2' } },
    ] } });

    const others = otlpRecords(plain);
    assert.equal(others.length, lines.length);
    for (const r of others) assert.equal(r.attributes.some((a) => a.key.startsWith('event.') || a.key.startsWith('teleport.audit.')), false, 'no ECS fields leak into the pipeline without ecs');
  });
});
