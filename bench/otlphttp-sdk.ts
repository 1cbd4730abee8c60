/**
 * The peer for bench/otlphttp.ts: the same lines through the OpenTelemetry JS SDK's own path,
 * `LoggerProvider` + `BatchLogRecordProcessor` (default settings) + `OTLPLogExporter` (protobuf,
 * gzip), as an application would use it. Reads like the floor, parses each line, emits one log
 * record (body = the line, severity, event name, uid), then flushes. Prints `BENCH {json}`.
 * Modes (any of them):
 * - `paced`: the reader holds back (awaits forceFlush every 2048 records, the processor's default
 *   queue size), so nothing overflows and the figure counts the work of delivering every record;
 * - `mapped`: each record carries what the full pipeline's records carry: the events go through
 *   this project's schema, indicators and ecs processors first (in batches of 512, in process) and
 *   their attributes (ECS fields, indicators) are emitted with the record; events those
 *   processors refuse are not emitted. The peer of the full pipeline, record for record.
 * Usage: node otlphttp-sdk.js <file> <logs-url> [paced] [mapped]
 */
import { SeverityNumber, type AnyValueMap } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { decodeRecords } from '../core/decode';
import { newRecord, type LogRecord } from '../core/record';
import { silentLogger } from '../core/telemetry/logger';
import { testTelemetry } from '../core/telemetry/metrics';
import { EcsProcessor } from '../processors/ecs/ecs-processor';
import { IndicatorsProcessor } from '../processors/indicators/indicators-processor';
import { SchemaProcessor } from '../processors/schema/schema-processor';
import { linesByChunk } from './lib/lines';

const SEVERITY: Record<string, [SeverityNumber, string]> = {
  I: [SeverityNumber.INFO, 'INFO'], W: [SeverityNumber.WARN, 'WARN'], E: [SeverityNumber.ERROR, 'ERROR'],
};

/** Lines to the records the full pipeline would export: decoded, then schema, indicators, ecs. */
function mapper(file: string): (lines: string[]) => LogRecord[] {
  const ctx = (id: string) => ({ id, logger: silentLogger, telemetry: testTelemetry(id), dataDir: '.' });
  const schema = new SchemaProcessor({ unknown_fields: 'keep', source_label: 'bench', source_id: undefined, schema_file: undefined }, ctx('schema'));
  const indicators = new IndicatorsProcessor({ schema_file: undefined }, ctx('indicators'));
  const ecs = new EcsProcessor({ categories_file: undefined, audit_prefix: 'teleport.audit' }, ctx('ecs'));
  let line = 0;
  return (lines) => {
    const observed = BigInt(Date.now()) * 1_000_000n;
    const records = decodeRecords(lines.map((l) => newRecord(l, { source: file, line: ++line }, observed))).records;
    return ecs.process(indicators.process(schema.process(records).records).records).records;
  };
}

async function run(file: string, url: string, paced: boolean, mapped: boolean): Promise<void> {
  const started = process.hrtime.bigint();
  const exporter = new OTLPLogExporter({ url, compression: 'gzip' as never });
  const provider = new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter })] });
  const logger = provider.getLogger('teleport-otel-bench');
  const map = mapped ? mapper(file) : undefined;
  let emitted = 0;
  /** One record into the SDK; `attributes` is the caller's to give away. */
  const emit = (line: string, e: Record<string, unknown>, attributes: AnyValueMap): void => {
    const code = typeof e.code === 'string' ? e.code : '';
    const [severityNumber, severityText] = SEVERITY[code[code.length - 1]] ?? [SeverityNumber.UNSPECIFIED, undefined];
    attributes['log.record.uid'] = String(e.uid ?? '');
    logger.emit({
      timestamp: typeof e.time === 'string' ? new Date(e.time) : undefined,
      severityNumber, severityText, body: line, eventName: String(e.event ?? ''), attributes,
    });
    emitted++;
  };
  /** Held back, the reader waits for delivery whenever the processor's queue (2048) is full. */
  const queueFull = (): boolean => paced && emitted % 2048 === 0;
  for (const lines of linesByChunk(file)) {
    if (map) {
      for (let i = 0; i < lines.length; i += 512) {
        for (const r of map(lines.slice(i, i + 512))) {
          emit(r.raw, r.event!, r.attributes as AnyValueMap);
          if (queueFull()) await provider.forceFlush();
        }
      }
    } else {
      for (const line of lines) {
        emit(line, JSON.parse(line) as Record<string, unknown>, {});
        if (queueFull()) await provider.forceFlush();
      }
    }
    // Let the processor's timer and sockets run between chunks, as an application's event loop would.
    await new Promise((r) => setImmediate(r));
  }
  await provider.forceFlush();
  await provider.shutdown();
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const usage = process.resourceUsage();
  process.stdout.write(`BENCH ${JSON.stringify({ wallMs, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, maxRssMb: usage.maxRSS / 1024, code: 0, emitted })}\n`);
}

const modes = new Set(process.argv.slice(4));
void run(process.argv[2], process.argv[3], modes.has('paced'), modes.has('mapped'));
