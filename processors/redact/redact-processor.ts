/**
 * The `redact` processor: drops, hashes (keyed HMAC-SHA-256) or masks listed fields, everywhere
 * the record carries them from here on: the event and its line (the OTLP body and what a dead
 * letter holds), the attributes other processors derived (ECS, p_any_*), and the Panther view.
 * Records no rule reaches cost a few key lookups and are not touched.
 */
import type { CreateContext, Processor, ProcessResult } from '../../core/component';
import { mayHoldUnsafeInteger, parseLossless, stringifyLossless } from '../../core/json-lossless';
import { adoptEvent } from '../../core/decode';
import type { LogRecord } from '../../core/record';
import { applyAction } from './actions';
import type { RedactProcessorConfig } from './config';
import { Redactor, type ClearValues } from './redactor';
import { redactUnparsed, textRule, type TextRule } from './unparsed';

export class RedactProcessor implements Processor {
  readonly mutates = true;
  private readonly redactor: Redactor;
  private readonly textRules: TextRule[];
  private readonly key: Buffer | undefined;
  private readonly counter: { inc(n?: number): void };
  private readonly unparsed: { inc(n?: number): void };

  constructor(config: RedactProcessorConfig, ctx: CreateContext) {
    this.redactor = new Redactor(config);
    this.key = config.hash_key === undefined ? undefined : Buffer.from(config.hash_key, 'utf8');
    this.textRules = this.redactor.rules.map((r) => textRule(r.path.text, r.spec));
    this.counter = ctx.telemetry.counter('redact_records_total', 'Records in which at least one field was redacted.');
    this.unparsed = ctx.telemetry.counter('redact_unparsed_lines_total', 'Dead-lettered lines that were not JSON, redacted as text (best effort, see the README).');
  }

  async start(): Promise<void> {}
  async shutdown(): Promise<void> {}

  process(records: LogRecord[]): ProcessResult {
    if (this.redactor.rules.length === 0) return { records, failed: [] };
    let redacted = 0;
    for (let i = 0; i < records.length; i++) {
      const record = records[i];
      if (record.event === undefined || !this.redactor.matches(record.event)) continue;
      const clear: ClearValues = new Map();
      this.rewrite(record, clear);
      this.redactor.scrubDerived(record.attributes, clear);
      if (record.panther !== undefined) this.redactor.scrubDerived(record.panther, clear);
      redacted++;
    }
    if (redacted > 0) this.counter.inc(redacted);
    return { records, failed: [] };
  }

  /**
   * New `raw` and `event` (the old ones may be shared with other pipelines). The line is parsed
   * again rather than re-serialized from `event`, so integers beyond 2^53 keep their digits; key
   * order and values are kept, escapes and spacing become JSON.stringify's.
   */
  private rewrite(record: LogRecord, clear: ClearValues): void {
    const lossless = mayHoldUnsafeInteger(record.raw);
    const line = this.parseLine(record.raw, lossless) ?? structuredClone(record.event as Record<string, unknown>);
    this.redactor.apply(line, clear);
    const raw = stringifyLossless(line);
    // Parsed by JSON.parse, the rewritten line is what decoding would make of the new raw line:
    // no need to parse it again. Parsed losslessly, it holds bigints, which `event` never does.
    const event = lossless ? (JSON.parse(raw) as Record<string, unknown>) : line;
    record.raw = raw;
    adoptEvent(record, event);
  }

  private parseLine(raw: string, lossless = mayHoldUnsafeInteger(raw)): Record<string, unknown> | undefined {
    try {
      const v = lossless ? parseLossless(raw) : JSON.parse(raw);
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * A record refused before redact ran on it (not JSON, or failed by an earlier processor): the
   * dead letter gets its line redacted as `process` would, or as text when it is not JSON, and
   * the reason with any redacted value in it replaced.
   */
  deadLetterView(record: LogRecord, reason: string): { raw: string; reason: string } {
    if (this.redactor.rules.length === 0) return { raw: record.raw, reason };
    const clear: ClearValues = new Map();
    const line = this.parseLine(record.raw);
    let raw: string;
    if (line !== undefined) {
      raw = this.redactor.apply(line, clear) > 0 ? stringifyLossless(line) : record.raw;
    } else {
      raw = redactUnparsed(record.raw, this.textRules, (spec, text) => applyAction(spec, this.key, text), clear);
      if (raw !== record.raw) this.unparsed.inc();
    }
    return { raw, reason: this.redactor.scrubText(reason, clear) };
  }
}
