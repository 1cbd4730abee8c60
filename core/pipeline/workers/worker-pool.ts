/**
 * The main thread's side of a pipeline's worker threads: starts them, hands each batch to the one
 * with the fewest batches in hand, and replaces a worker that dies. A batch on a dead worker fails
 * with a retryable error, so its receiver keeps the checkpoint and sends the records again.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { RetryableError } from '../../errors';
import type { LogRecord } from '../../record';
import type { Logger } from '../../telemetry/logger';
import { toJob, type BatchResult, type FromWorker, type ToWorker, type WorkerSetup } from './protocol';

const WORKER_SCRIPT = path.join(__dirname, 'worker-main.js');
const YOUNG_GENERATION_MB = 32;

interface Pending {
  readonly resolve: (result: BatchResult) => void;
  readonly reject: (error: Error) => void;
}

class PipelineWorker {
  readonly pending = new Map<number, Pending>();
  private readonly thread: Worker;
  readonly ready: Promise<void>;
  private stopping = false;

  constructor(setup: WorkerSetup, private readonly onDeath: (w: PipelineWorker, why: string) => void) {
    this.thread = new Worker(WORKER_SCRIPT, {
      workerData: setup, stdout: false, stderr: false,
      // A batch's records die young; a young generation that holds a few batches keeps them from
      // being promoted and collected again by the old-generation collector (about 7% less CPU).
      // V8's --max-semi-space-size, which the launcher passes, overrides this for every thread:
      // workers then get the same 16 MB semi-spaces as the main thread. A smaller young generation
      // for workers alone (4 MB semi-spaces) cut ~40 MB of RSS on 2 workers but cost ~35% more CPU.
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    this.ready = new Promise<void>((resolve, reject) => {
      this.thread.on('message', (m: FromWorker) => {
        if (m.kind === 'ready') resolve();
        else if (m.kind === 'setup-failed') reject(new Error(m.message));
        else if (m.kind === 'result') this.settle(m.result.id)?.resolve(m.result);
        else this.settle(m.id)?.reject(new RetryableError('worker_failed', `pipeline worker failed a batch: ${m.message}`));
      });
      this.thread.on('error', (err) => { reject(err); this.died(`crashed: ${err.message}`); });
      this.thread.on('exit', (code) => { reject(new Error(`exited with code ${code}`)); this.died(`exited with code ${code}`); });
    });
    this.ready.catch(() => undefined);
  }

  run(id: number, records: readonly LogRecord[]): Promise<BatchResult> {
    return new Promise<BatchResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.thread.postMessage({ kind: 'job', job: toJob(id, records) } satisfies ToWorker);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const exited = new Promise<void>((resolve) => this.thread.once('exit', () => resolve()));
    this.thread.postMessage({ kind: 'stop' } satisfies ToWorker);
    // A worker stuck in a processor must not hold up shutdown.
    const timer = setTimeout(() => void this.thread.terminate(), 2000);
    await exited;
    clearTimeout(timer);
    // Receivers drain before workers stop, so nothing should be pending; if something is, it must not hang.
    for (const p of this.pending.values()) p.reject(new RetryableError('shutdown', 'pipeline worker stopped before finishing a batch'));
    this.pending.clear();
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    return p;
  }

  private died(why: string): void {
    if (this.stopping) return;
    this.stopping = true;
    const error = new RetryableError('worker_failed', `pipeline worker ${why}; its batches will be read again`);
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    this.onDeath(this, why);
  }
}

export class WorkerPool {
  private workers: PipelineWorker[] = [];
  private nextId = 0;
  private stopped = false;

  constructor(private readonly setup: WorkerSetup, private readonly size: number, private readonly logger: Logger) {}

  /** Starts every worker; rejects with the first setup error (a processor that cannot be built). */
  async start(): Promise<void> {
    this.workers = Array.from({ length: this.size }, () => this.spawn());
    try {
      await Promise.all(this.workers.map((w) => w.ready));
    } catch (err) {
      await this.stop();
      throw new Error(`service.pipelines.${this.setup.pipelineId}.workers: a worker could not start: ${(err as Error).message}`);
    }
  }

  run(records: readonly LogRecord[]): Promise<BatchResult> {
    if (this.stopped || this.workers.length === 0) {
      return Promise.reject(new RetryableError('shutdown', `pipeline ${this.setup.pipelineId}: workers are stopped`));
    }
    let best = this.workers[0];
    for (const w of this.workers) if (w.pending.size < best.pending.size) best = w;
    return best.run(this.nextId++, records);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.stop()));
  }

  private spawn(): PipelineWorker {
    return new PipelineWorker(this.setup, (dead, why) => {
      this.logger.rateLimited('worker-died', 'error', `pipeline worker ${why}; starting a new one`);
      const i = this.workers.indexOf(dead);
      if (i >= 0 && !this.stopped) this.workers[i] = this.spawn();
    });
  }
}
