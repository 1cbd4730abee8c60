/**
 * Messages between a pipeline and its worker threads. Records cross as columns (raw lines, one
 * array per position field) rather than as objects: structured clone copies strings and typed
 * arrays fast, objects slowly. What comes back is bytes per exporter, not objects, for the same
 * reason; whole records come back only for exporters that have no encoder.
 */
import type { EncodedBatch } from '../../component';
import type { Attributes, LogRecord, SourcePosition } from '../../record';
import type { RegistryRef } from '../../registry-types';

/** What a worker builds at start: the pipeline's processors and the encoders of its exporters. */
export interface WorkerSetup {
  /** The module and export name of the registry the config was loaded with. */
  readonly registry: RegistryRef;
  readonly pipelineId: string;
  readonly processors: readonly { readonly id: string; readonly type: string; readonly config: unknown }[];
  readonly exporters: readonly { readonly id: string; readonly type: string; readonly config: unknown }[];
  readonly logLevel: string;
  readonly dataDir: string;
  /** The main thread's nesting bound (core/nesting.ts), so both threads decode alike. */
  readonly maxNestingDepth: number;
  /** YAML files the main thread parsed (core/yaml-file.ts), so the worker need not parse them again. */
  readonly yamlDocuments: readonly [string, unknown][];
}

export interface BatchJob {
  readonly id: number;
  /** The raw lines back to back: one string clones much faster than a thousand. */
  readonly text: string;
  /** Where each raw line ends in `text`. */
  readonly ends: Uint32Array;
  /** Distinct sources; `sourceOf[i]` indexes into it. */
  readonly sources: string[];
  readonly sourceOf: Uint32Array;
  /** NaN where the position has no line / offset. */
  readonly lines: Float64Array;
  readonly offsets: Float64Array;
  readonly observed: BigUint64Array;
  /**
   * Attributes a receiver set when it created the records (the http receiver's `http.tag`), by
   * index; absent when no record has any, which is the common case and costs nothing to clone.
   */
  readonly attributes?: (Attributes | undefined)[];
}

export interface JobFailure {
  readonly index: number;
  readonly code: string;
  readonly reason: string;
  readonly component: string;
  /** How many processors the record went through before it was refused (0: by decoding). */
  readonly stage: number;
}

/** A component-specific counter increment made on the worker, replayed on the main thread. */
export interface CounterDelta {
  readonly processor: number;
  readonly name: string;
  readonly help: string;
  readonly n: number;
  /** For a labelled counter (a filter's rule): its extra label names and this increment's values. */
  readonly labelNames?: readonly string[];
  readonly labels?: Record<string, string>;
}

export interface BatchResult {
  readonly id: number;
  /** Per processor, in order: records it passed on, refused, and filtered out (declared or not). */
  readonly counts: [accepted: number, refused: number, filtered: number, undeclared: number][];
  /** Records refused by decoding or a processor. */
  readonly failures: JobFailure[];
  /** Indexes of the records that came through every processor, in order. */
  readonly passed: Int32Array;
  /** Per exporter with an encoder: the passed records' encodings (indexes into `passed`). */
  readonly encoded: Record<string, EncodedBatch>;
  /** The passed records' processed fields, for exporters that have no encoder. */
  readonly processed?: ProcessedFields[];
  readonly counters: CounterDelta[];
  /** Lines a processor rewrote (redaction), by job index: the main thread's records take them. */
  readonly rewritten?: [index: number, raw: string][];
}

export interface ProcessedFields {
  readonly event: LogRecord['event'];
  readonly panther: LogRecord['panther'];
  readonly attributes: Attributes;
}

export type ToWorker = { kind: 'job'; job: BatchJob } | { kind: 'stop' };
export type FromWorker =
  | { kind: 'ready' }
  | { kind: 'setup-failed'; message: string }
  | { kind: 'result'; result: BatchResult }
  | { kind: 'job-failed'; id: number; message: string };

export function toJob(id: number, records: readonly LogRecord[]): BatchJob {
  const n = records.length;
  const raws = new Array<string>(n);
  const ends = new Uint32Array(n);
  let end = 0;
  const sources: string[] = [];
  const sourceOf = new Uint32Array(n);
  const lines = new Float64Array(n);
  const offsets = new Float64Array(n);
  const observed = new BigUint64Array(n);
  let lastSource: string | undefined;
  let attributes: (Attributes | undefined)[] | undefined;
  for (let i = 0; i < n; i++) {
    const r = records[i];
    for (const _ in r.attributes) {
      (attributes ??= new Array<Attributes | undefined>(n))[i] = r.attributes;
      break;
    }
    raws[i] = r.raw;
    ends[i] = end += r.raw.length;
    const { source, line, offset } = r.position;
    if (source !== lastSource) {
      lastSource = source;
      sources.push(source);
    }
    sourceOf[i] = sources.length - 1;
    lines[i] = line ?? NaN;
    offsets[i] = offset ?? NaN;
    observed[i] = r.observedTimeUnixNano;
  }
  return { id, text: raws.join(''), ends, sources, sourceOf, lines, offsets, observed, ...(attributes && { attributes }) };
}

export function rawAt(job: BatchJob, i: number): string {
  return job.text.slice(i === 0 ? 0 : job.ends[i - 1], job.ends[i]);
}

export function positionAt(job: BatchJob, i: number): SourcePosition {
  const line = job.lines[i];
  const offset = job.offsets[i];
  return { source: job.sources[job.sourceOf[i]], line: Number.isNaN(line) ? undefined : line, offset: Number.isNaN(offset) ? undefined : offset };
}

/**
 * The buffers a result can hand over instead of copying. Only buffers a view spans whole: a small
 * Buffer lives in Node's shared pool, and transferring that would detach the pool.
 */
export function transferables(result: BatchResult): ArrayBuffer[] {
  const views: ArrayBufferView[] = [result.passed];
  for (const e of Object.values(result.encoded)) views.push(e.bytes, e.ends);
  const out = new Set<ArrayBuffer>();
  for (const v of views) {
    if (v.byteOffset === 0 && v.byteLength === v.buffer.byteLength && v.buffer instanceof ArrayBuffer) out.add(v.buffer);
  }
  return [...out];
}
