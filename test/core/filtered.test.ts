/**
 * Records a processor drops on purpose (ProcessResult.filtered) are handled: counted per
 * processor and per pipeline, never dead-lettered. One a processor loses without declaring it is
 * a bug: counted all the same, and said in the log rather than lost in silence.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../core/config/load';
import { Service } from '../../core/pipeline/service';
import { createLogger } from '../../core/telemetry/logger';
import { tmpDir } from '../support/service';
import { testRegistry } from '../support/test-registry';

describe('core: records filtered by processors', () => {
  for (const workers of [0, 1]) {
    it(`undeclared losses are counted as filtered and logged as a bug (workers: ${workers})`, async () => {
      const dir = tmpDir();
      const input = path.join(dir, 'in.log');
      fs.writeFileSync(input, ['{"event":"a","n":1}', '{"event":"lose-me","n":2}', '{"event":"b","n":3}', '{"event":"reject","n":4}'].join('\n') + '\n');
      const config = parseConfig(`
receivers:
  filelog: {include: [${JSON.stringify(input)}], start_at: beginning}
processors:
  testprocessor: {lose_containing: lose-me, reject_containing: reject}
exporters:
  file/out: {path: ${JSON.stringify(path.join(dir, 'out.jsonl'))}}
  file/dead: {path: ${JSON.stringify(path.join(dir, 'dead.jsonl'))}}
service:
  pipelines:
    logs: {receivers: [filelog], processors: [testprocessor], exporters: [file/out], dead_letter: [file/dead], workers: ${workers}}
`, 'p.yaml', testRegistry, {});
      const log: string[] = [];
      const service = new Service(config, {
        logger: createLogger({ level: 'info', write: (l) => log.push(l) }), dataDir: dir, once: true, registry: testRegistry, logLevel: 'error',
      });
      await service.start();
      await service.drained();
      await service.shutdown(5000);
      assert.deepEqual(service.pipelines[0].stats, { read: 4, exported: 2, deadLettered: 1, dropped: 0, filtered: 1 });
      const metric = await service.telemetry.registry.getSingleMetric('teleport_otel_filtered_records_total')!.get();
      assert.deepEqual(metric.values.map((v) => [v.labels.component, v.value]), [['logs/testprocessor', 1]]);
      assert.ok(log.some((l) => /ERROR .*processor testprocessor returned 1 records neither passed on, failed nor declared filtered \(a bug\)/.test(l)), log.join('\n'));
      assert.equal(fs.readFileSync(path.join(dir, 'dead.jsonl'), 'utf8').split('\n').filter(Boolean).length, 1, 'only the refused record is dead-lettered');
    });
  }
});
