/**
 * Test-only receiver and processor. The receiver plays its lines in batches and keeps an ordered
 * checkpoint exactly as a real receiver must (moved only after consume resolved, never past a
 * batch in flight), so tests can observe what was acknowledged and when.
 */
import fs from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import type { CreateContext, Processor, ProcessorFactory, ProcessResult, Receiver, ReceiverFactory, ReceiverHost } from '../../core/component';
import { int, list, optional, str, type Infer } from '../../core/config/schema';
import { OrderedAcks } from '../../core/ordered-acks';
import { newRecord, nowUnixNano, type LogRecord } from '../../core/record';
import { startOrder } from './test-exporter';

const receiverShape = {
  lines: list(str({ doc: 'a line', nonEmpty: false }), { doc: 'Lines to emit, in order.', default: [] }),
  batch_size: int({ doc: 'Lines per batch.', default: 2, min: 1 }),
  concurrency: int({ doc: 'Batches in flight at once.', default: 1, min: 1 }),
};

export class TestReceiver implements Receiver {
  static readonly instances = new Map<string, TestReceiver>();
  /** Number of lines acknowledged, in order: the checkpoint a real receiver would persist. */
  checkpoint = 0;
  readonly checkpointHistory: number[] = [];
  failure: unknown;
  private done: Promise<void> = Promise.resolve();

  constructor(private readonly config: Infer<typeof receiverShape>, ctx: CreateContext) {
    TestReceiver.instances.set(ctx.id, this);
  }

  async start(host: ReceiverHost): Promise<void> {
    startOrder.push('receiver');
    this.done = this.play(host);
    this.done.catch(() => undefined);
  }

  private async play(host: ReceiverHost): Promise<void> {
    const acks = new OrderedAcks<number>();
    const inFlight = new Set<Promise<void>>();
    const { lines, batch_size: size } = this.config;
    for (let i = 0; i < lines.length; i += size) {
      const batch: LogRecord[] = lines.slice(i, i + size)
        .map((raw, j) => newRecord(raw, { source: 'test', line: i + j + 1 }, nowUnixNano()));
      const ticket = acks.begin(i + batch.length);
      const p = host.consumer.consume(batch).then(() => {
        const reached = acks.ack(ticket);
        if (reached !== undefined) { this.checkpoint = reached; this.checkpointHistory.push(reached); }
      });
      inFlight.add(p);
      p.then(() => inFlight.delete(p), (err: unknown) => { this.failure = err; });
      while (inFlight.size >= this.config.concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  }

  drained(): Promise<void> {
    return this.done;
  }

  async shutdown(): Promise<void> {
    await this.done.catch(() => undefined);
  }
}

export const testReceiverFactory: ReceiverFactory<typeof receiverShape> = {
  kind: 'receiver',
  type: 'testreceiver',
  description: 'Test-only receiver that plays fixed lines.',
  configShape: receiverShape,
  create: (config, ctx) => new TestReceiver(config, ctx),
};

const processorShape = {
  reject_containing: optional(str({ doc: 'Records whose raw line contains this are refused.' })),
  attribute: str({ doc: 'Attribute this processor sets on every record it passes.', default: 'test.seen' }),
  throw_containing: optional(str({ doc: 'The processor throws (a bug) when a batch has a line containing this.' })),
  lose_containing: optional(str({ doc: 'Records whose raw line contains this are neither passed on, failed nor declared filtered (a bug).' })),
  exit_thread_marker: optional(str({ doc: 'On a pipeline worker thread: if this file does not exist, create it and end the thread (a crash, once).' })),
};

export class TestProcessor implements Processor {
  readonly mutates = true;
  constructor(private readonly config: Infer<typeof processorShape>, private readonly ctx: CreateContext) {}
  async start(): Promise<void> {}
  async shutdown(): Promise<void> {}
  process(records: LogRecord[]): ProcessResult {
    const { reject_containing: reject, throw_containing: boom, exit_thread_marker: marker, lose_containing: lose } = this.config;
    if (marker !== undefined && !fs.existsSync(marker)) {
      if (isMainThread) throw new Error('exit_thread_marker is for pipelines with workers');
      fs.writeFileSync(marker, '');
      process.exit(1);
    }
    if (boom !== undefined && records.some((r) => r.raw.includes(boom))) throw new Error('test processor bug');
    const out: ProcessResult = { records: [], failed: [] };
    for (const record of records) {
      if (lose !== undefined && record.raw.includes(lose)) continue;
      if (reject !== undefined && record.raw.includes(reject)) {
        out.failed.push({ record, code: 'schema_violation', reason: `contains "${reject}"`, component: this.ctx.id });
      } else {
        record.attributes[this.config.attribute] = this.ctx.id;
        out.records.push(record);
      }
    }
    return out;
  }
}

export const testProcessorFactory: ProcessorFactory<typeof processorShape> = {
  kind: 'processor',
  type: 'testprocessor',
  description: 'Test-only processor that tags or refuses records.',
  configShape: processorShape,
  create: (config, ctx) => new TestProcessor(config, ctx),
};
