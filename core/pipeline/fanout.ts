/**
 * What a receiver's `host.consumer` is: decodes each line once, then hands the records to every
 * pipeline that lists the receiver, cloning only for pipelines whose processors mutate.
 */
import type { Consumer } from '../component';
import { decodeRecords } from '../decode';
import { cloneForMutation, type LogRecord } from '../record';
import type { ComponentTelemetry } from '../telemetry/metrics';
import type { Pipeline } from './pipeline';

export class Fanout implements Consumer {
  /** Pipelines on worker threads decode there: decoding here is for the others. */
  private readonly decodeHere: boolean;

  constructor(
    private readonly pipelines: Pipeline[],
    private readonly receiverTelemetry: ComponentTelemetry,
  ) {
    this.decodeHere = pipelines.some((p) => p.workers === undefined);
  }

  async consume(records: LogRecord[]): Promise<void> {
    this.receiverTelemetry.received(records.length);
    const decoded = this.decodeHere ? decodeRecords(records) : { records, failed: [] };
    try {
      await Promise.all(this.pipelines.map((p, i) => {
        const own = this.recordsFor(i, decoded.records);
        return p.consume(own.records, decoded.failed, own.owned);
      }));
    } catch (error) {
      this.receiverTelemetry.refused(records.length);
      throw error;
    }
    this.receiverTelemetry.accepted(records.length);
  }

  /**
   * A mutating pipeline may write to the records only if no other pipeline sees them: the last
   * pipeline keeps the originals when every other mutating one got copies. `owned`: the pipeline
   * is the only one to see these record objects.
   */
  private recordsFor(index: number, records: LogRecord[]): { records: LogRecord[]; owned: boolean } {
    const pipeline = this.pipelines[index];
    if (this.pipelines.length === 1) return { records, owned: true };
    if (!pipeline.mutates) return { records, owned: false };
    const othersAllCopied = this.pipelines.every((p, i) => i === index || p.mutates) && index === this.pipelines.length - 1;
    return { records: othersAllCopied ? records : records.map(cloneForMutation), owned: true };
  }
}
