/** Helpers for filelog tests: a real receiver over real files, and a consumer that records what it acknowledged. */
import fs from 'node:fs';
import type { Consumer } from '../../../core/component';
import { parseShape } from '../../../core/config/schema';
import { RetryableError } from '../../../core/errors';
import { textBytes } from '../../../core/in-flight-bytes';
import type { LogRecord } from '../../../core/record';
import { silentLogger, type Logger } from '../../../core/telemetry/logger';
import { testTelemetry } from '../../../core/telemetry/metrics';
import { filelogReceiverFactory } from '../../../receivers/filelog/factory';
import type { FilelogReceiver } from '../../../receivers/filelog/receiver';
import { delay, tmpDir } from '../../support/service';

export { delay, tmpDir };

export function createReceiver(config: Record<string, unknown>, id = 'filelog', logger: Logger = silentLogger): FilelogReceiver {
  const errors: string[] = [];
  const parsed = parseShape(filelogReceiverFactory.configShape, { poll_interval: '20ms', ...config }, 'receivers.filelog', errors);
  if (parsed === undefined) throw new Error(errors.join('\n'));
  return filelogReceiverFactory.create(parsed, { id, logger, telemetry: testTelemetry(id), dataDir: tmpDir() }) as FilelogReceiver;
}

/** Acknowledges after `delayMs`; while `failing` is true every call fails as a retryable error would. */
export class RecordingConsumer implements Consumer {
  readonly records: LogRecord[] = [];
  calls = 0;
  failing = false;
  failedCalls = 0;
  inFlight = 0;
  maxInFlight = 0;
  /** Text of the records handed over and not yet answered, and its most. */
  bytesInFlight = 0;
  maxBytesInFlight = 0;
  constructor(public delayMs = 0) {}

  async consume(records: LogRecord[]): Promise<void> {
    this.calls++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const bytes = textBytes(records);
    this.bytesInFlight += bytes;
    this.maxBytesInFlight = Math.max(this.maxBytesInFlight, this.bytesInFlight);
    try {
      if (this.delayMs > 0) await delay(this.delayMs);
      if (this.failing) {
        this.failedCalls++;
        throw new RetryableError('export_unavailable', 'test consumer: backend down');
      }
      for (const r of records) this.records.push(r);
    } finally {
      this.inFlight--;
      this.bytesInFlight -= bytes;
    }
  }

  get lines(): string[] {
    return this.records.map((r) => r.raw);
  }
}

/** `n` distinct JSON lines tagged `tag` (distinct first bytes per tag, as real audit lines have). */
export function lines(tag: string, from: number, to: number): string[] {
  const out: string[] = [];
  for (let i = from; i < to; i++) out.push(JSON.stringify({ event: 'test', uid: `${tag}-${String(i).padStart(6, '0')}`, n: i }));
  return out;
}

export function append(file: string, ls: string[]): void {
  if (ls.length > 0) fs.appendFileSync(file, ls.join('\n') + '\n');
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

/** Asserts every expected line arrived exactly once (and nothing else). */
export function exactlyOnce(got: string[], expected: string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const l of got) counts.set(l, (counts.get(l) ?? 0) + 1);
  const missing = expected.filter((l) => !counts.has(l));
  const dup = [...counts].filter(([, n]) => n > 1).map(([l]) => l);
  const want = new Set(expected);
  const extra = got.filter((l) => !want.has(l));
  if (missing.length + dup.length + extra.length === 0 && got.length === expected.length) return undefined;
  return `missing ${missing.length} (first ${missing[0]}), duplicated ${dup.length} (first ${dup[0]}), unexpected ${extra.length} (first ${extra[0]})`;
}
