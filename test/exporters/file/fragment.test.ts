/**
 * Opening a file to append whose last line was cut short (what a kill -9 mid-write leaves): the
 * fragment is ended with a newline before anything is appended, counted, and said once.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startService, tmpDir } from '../../support/service';
import { metric, syntheticLines, yamlList } from '../otlphttp/helpers';

const pipeline = (out: string, append: boolean) => `
receivers:
  testreceiver: {batch_size: 10, lines: ${yamlList(syntheticLines(10, 'f'))}}
exporters:
  file/out: {path: ${JSON.stringify(out)}, append: ${append}}
service:
  pipelines:
    logs: {receivers: [testreceiver], exporters: [file/out]}
`;

describe('file exporter: a last line cut short by a crash', () => {
  it('is ended with a newline before appending, and counted; whole files are left alone', async () => {
    const dir = tmpDir();
    const out = path.join(dir, 'out.jsonl');
    const whole = '{"resourceLogs":[]}\n';
    const fragment = '{"resourceLogs":[{"resource":{"attri';
    fs.writeFileSync(out, whole + fragment);
    let service = await startService(pipeline(out, true));
    await service.drained();
    assert.equal(await metric(service, 'teleport_otel_file_fragments_repaired_total', { component: 'file/out' }), 1);
    await service.shutdown(1000);
    const lines = fs.readFileSync(out, 'utf8').split('\n');
    assert.equal(lines[0], whole.trim());
    assert.equal(lines[1], fragment, 'the fragment stays one line of its own');
    assert.equal(lines.slice(2).filter(Boolean).length, 1, 'the new request on the next line');
    assert.equal(JSON.parse(lines[2]).resourceLogs[0].scopeLogs[0].logRecords.length, 10);

    // A file that ends with a newline needs nothing.
    service = await startService(pipeline(out, true));
    await service.drained();
    assert.equal(await metric(service, 'teleport_otel_file_fragments_repaired_total', { component: 'file/out' }), 0);
    await service.shutdown(1000);
    assert.equal(fs.readFileSync(out, 'utf8').split('\n').filter(Boolean).length, 4);

    // Without append the file starts empty: nothing to repair.
    fs.appendFileSync(out, fragment);
    service = await startService(pipeline(out, false));
    await service.drained();
    assert.equal(await metric(service, 'teleport_otel_file_fragments_repaired_total', { component: 'file/out' }), 0);
    await service.shutdown(1000);
    assert.equal(fs.readFileSync(out, 'utf8').split('\n').filter(Boolean).length, 1);
  });
});
