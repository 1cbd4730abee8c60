/**
 * A main-thread pipeline with processors, whose exporters all have encoders, encodes its records
 * for them right after its processors, as worker threads do, and drops the records' event, Panther view and
 * attributes: a record waiting for its exporters (in a sending queue, through retries) then holds
 * its bytes, not the objects they were made from, and those die young instead of being promoted
 * with every batch in flight and piling up in the old generation.
 *
 * The bytes go into buffers this pipeline reuses once the export of their batch settled (what an
 * encoder's bytes are valid for, see LogRecord.encoded): fresh ones would be freed only when V8
 * gets to their garbage, and megabytes of them per batch would wait for it.
 */
import type { RecordEncoder } from '../component';
import { encodeIsolated } from '../isolate';
import type { Attributes, EncodedRecord, LogRecord } from '../record';

/** The attributes of a record whose bytes were made: nothing may write to them any more. */
const DROPPED: Attributes = Object.freeze({}) as Attributes;

/** Smallest buffer made for the pool; a batch's bytes usually fit one of this size or the last. */
const MIN_BUFFER = 64 * 1024;
/** Buffers kept for reuse: a few batches in flight, times the exporters. */
const MAX_FREE = 8;

export interface ExporterEncoder { readonly id: string; readonly encoder: RecordEncoder }

export class EncodeForExporters {
  private readonly free: ArrayBuffer[] = [];
  /** Buffers handed out by the `encode` call under way (encoding is synchronous). */
  private taken: ArrayBuffer[] = [];
  /**
   * One function for the instance's life: the encoders inline it into their hot loop, and a fresh
   * closure per call left that code without type feedback, so V8 threw it away and compiled it
   * again on nearly every batch.
   */
  private readonly allocate = (size: number): Uint8Array => {
    const buffer = this.take(size);
    this.taken.push(buffer);
    return new Uint8Array(buffer, 0, size);
  };

  constructor(private readonly encoders: readonly ExporterEncoder[]) {}

  /**
   * Gives each record every exporter's bytes and drops its objects; a record some encoder refused
   * is left whole (each exporter then handles it as it would have). Returns what gives the bytes'
   * buffers back, to call once the export of `records` settled (not when it failed: an exporter
   * may still hold them then, and the garbage collector takes them instead).
   */
  encode(records: readonly LogRecord[]): () => void {
    const taken: ArrayBuffer[] = (this.taken = []);
    const batches = this.encoders.map(({ id, encoder }) => ({ id, batch: encodeIsolated(encoder, records, id, this.allocate) }));
    this.taken = [];
    let refused: Set<number> | undefined;
    for (const { batch } of batches) for (const f of batch.failures) (refused ??= new Set()).add(f.index);
    for (let i = 0; i < records.length; i++) {
      if (refused?.has(i)) continue;
      const encoded: Record<string, EncodedRecord> = {};
      for (const { id, batch } of batches) {
        encoded[id] = { bytes: batch.bytes.subarray(i === 0 ? 0 : batch.ends[i - 1], batch.ends[i]), key: batch.keys[i] };
      }
      const record = records[i];
      record.encoded = encoded;
      record.event = undefined;
      record.panther = undefined;
      record.attributes = DROPPED;
    }
    return () => this.give(taken);
  }

  /** The smallest free buffer that holds `size` bytes, or a new one. */
  private take(size: number): ArrayBuffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const n = this.free[i].byteLength;
      if (n >= size && (best < 0 || n < this.free[best].byteLength)) best = i;
    }
    if (best >= 0) return this.free.splice(best, 1)[0];
    return Buffer.allocUnsafeSlow(Math.max(size, MIN_BUFFER)).buffer as ArrayBuffer;
  }

  private give(buffers: ArrayBuffer[]): void {
    for (const b of buffers) {
      if (this.free.length < MAX_FREE) this.free.push(b);
      else {
        // Keep the larger ones: the next batches are more likely to fit.
        const smallest = this.free.reduce((m, x, i) => (x.byteLength < this.free[m].byteLength ? i : m), 0);
        if (this.free[smallest].byteLength < b.byteLength) this.free[smallest] = b;
      }
    }
  }
}
