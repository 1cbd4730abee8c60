/**
 * A pipeline worker thread: decodes the lines of each job, runs the pipeline's processors (its own
 * instances, built from the same config) and the encoders of its exporters, and posts back bytes.
 * Nothing here is acknowledged or written: the main thread keeps the records, the exporters and the
 * checkpoints, so a worker that dies loses no data (its batches fail upstream and are re-read).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ExporterFactory, Processor, ProcessorFactory, RecordEncoder } from '../../component';
import { decodeRecords } from '../../decode';
import { errorMessage } from '../../errors';
import { setMaxNestingDepth } from '../../nesting';
import { newRecord, type LogRecord } from '../../record';
import type { Registry } from '../../registry-types';
import { createLogger, type LogLevel } from '../../telemetry/logger';
import { adoptYamlDocuments } from '../../yaml-file';
import type { ComponentTelemetry } from '../../telemetry/metrics';
import { encodeIsolated } from '../../isolate';
import { filteredBy, runProcessor } from '../run-processor';
import {
  positionAt, rawAt, transferables, type BatchJob, type BatchResult, type CounterDelta, type FromWorker,
  type JobFailure, type ToWorker, type WorkerSetup,
} from './protocol';

interface Stage { readonly id: string; readonly processor: Processor }

const setup = workerData as WorkerSetup;
const counters: CounterDelta[] = [];
let stages: Stage[] = [];
let encoders: { id: string; encoder: RecordEncoder }[] = [];
/** Exporters with no encoder need the processed records themselves. */
let needsRecords = false;

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(message, transfer);
}

/** Component counters are replayed on the main thread's registry with each result. */
function relayTelemetry(processor: number): ComponentTelemetry {
  const ignore = () => undefined;
  return {
    received: ignore, accepted: ignore, refused: ignore, exported: ignore, failed: ignore, filtered: ignore,
    counter: (name, help) => ({ inc: (n = 1) => { counters.push({ processor, name, help, n }); } }),
    // A gauge reads one instance's state; the main thread's instance of the component reports it.
    gauge: ignore,
    labelledCounter: (name, help, labelNames) => ({
      inc: (labels, n = 1) => { counters.push({ processor, name, help, n, labelNames, labels: labels as Record<string, string> }); },
    }),
    labelledGauge: ignore,
    // Health is the main thread's instance's to report (processors have no state worth reporting).
    health: { report: ignore },
  };
}

async function build(): Promise<void> {
  adoptYamlDocuments(setup.yamlDocuments);
  setMaxNestingDepth(setup.maxNestingDepth);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const reg = (require(setup.registry.module) as Record<string, Registry>)[setup.registry.name];
  const logger = createLogger({ level: setup.logLevel as LogLevel });
  stages = setup.processors.map((p, i) => {
    const factory = reg.find('processor', p.type) as ProcessorFactory;
    const id = `${setup.pipelineId}/${p.id}`;
    const ctx = { id, logger: logger.child(id), telemetry: relayTelemetry(i), dataDir: setup.dataDir };
    return { id: p.id, processor: factory.create(p.config as never, ctx) };
  });
  for (const s of stages) await s.processor.start();
  encoders = [];
  for (const e of setup.exporters) {
    const encoder = (reg.find('exporter', e.type) as ExporterFactory).createEncoder?.(e.config as never);
    if (encoder) encoders.push({ id: e.id, encoder });
    else needsRecords = true;
  }
}

/** Index of a record in its job: processors keep order, so a walk finds the survivors; a map only if one does not. */
class RecordIndex {
  private map: Map<LogRecord, number> | undefined;

  constructor(private readonly records: readonly LogRecord[]) {}

  of(record: LogRecord): number {
    if (this.map === undefined) this.map = new Map(this.records.map((r, i) => [r, i]));
    return this.map.get(record)!;
  }

  all(survivors: readonly LogRecord[]): Int32Array {
    const out = new Int32Array(survivors.length);
    let k = 0;
    for (let i = 0; i < this.records.length && k < survivors.length; i++) {
      if (this.records[i] === survivors[k]) out[k++] = i;
    }
    if (k === survivors.length) return out;
    for (let j = 0; j < survivors.length; j++) out[j] = this.of(survivors[j]);
    return out;
  }
}

async function run(job: BatchJob): Promise<BatchResult> {
  const records: LogRecord[] = new Array(job.ends.length);
  const raws: string[] = new Array(job.ends.length);
  for (let i = 0; i < records.length; i++) {
    raws[i] = rawAt(job, i);
    records[i] = newRecord(raws[i], positionAt(job, i), job.observed[i]);
    const given = job.attributes?.[i];
    if (given !== undefined) records[i].attributes = given;
  }
  const indexOf = new RecordIndex(records);
  const failures: JobFailure[] = [];
  const fail = (record: LogRecord, code: string, reason: string, component: string, stage: number) => {
    failures.push({ index: indexOf.of(record), code, reason, component, stage });
  };
  const decoded = decodeRecords(records);
  for (const f of decoded.failed) fail(f.record, f.code, f.reason, f.component, 0);
  let current = decoded.records;
  const counts: BatchResult['counts'] = [];
  for (let i = 0; i < stages.length; i++) {
    const result = await runProcessor(stages[i], current);
    for (const f of result.failed) fail(f.record, f.code, f.reason, f.component, i);
    const { filtered, undeclared } = filteredBy(current.length, result);
    counts.push([result.records.length, result.failed.length, filtered, undeclared]);
    current = result.records;
  }
  let rewritten: BatchResult['rewritten'];
  // The same string objects unless a processor replaced one: the comparison is by reference.
  for (let i = 0; i < records.length; i++) {
    if (records[i].raw !== raws[i]) (rewritten ??= []).push([i, records[i].raw]);
  }
  const encoded: BatchResult['encoded'] = {};
  for (const { id, encoder } of encoders) encoded[id] = encodeIsolated(encoder, current, id);
  const passed = indexOf.all(current);
  const processed = needsRecords
    ? current.map((r) => ({ event: r.event, panther: r.panther, attributes: r.attributes }))
    : undefined;
  return { id: job.id, counts, failures, passed, encoded, processed, counters: counters.splice(0), ...(rewritten && { rewritten }) };
}

const built = build();

parentPort!.on('message', (message: ToWorker) => {
  if (message.kind === 'stop') {
    void Promise.allSettled(stages.map((s) => s.processor.shutdown())).then(() => process.exit(0));
    return;
  }
  const { job } = message;
  built.then(() => run(job)).then(
    (result) => post({ kind: 'result', result }, transferables(result)),
    (error: unknown) => post({ kind: 'job-failed', id: job.id, message: errorMessage(error) }),
  );
});

built.then(
  () => post({ kind: 'ready' }),
  (error: unknown) => post({ kind: 'setup-failed', message: errorMessage(error) }),
);
