/**
 * The peer for bench/otlphttp.ts: the same lines through the OpenTelemetry JS SDK's own path,
 * `LoggerProvider` + `BatchLogRecordProcessor` (default settings) + `OTLPLogExporter` (protobuf,
 * gzip), as an application would use it. Reads like the floor, parses each line, emits one log
 * record (body = the line, severity, event name, uid), then flushes. Prints `BENCH {json}`.
 * `paced`: the reader holds back (awaits forceFlush every 2048 records, the processor's default
 * queue size), so nothing overflows and the figure counts the work of delivering every record.
 * Usage: node otlphttp-sdk.js <file> <logs-url> [paced]
 */
import fs from 'node:fs';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';

const SEVERITY: Record<string, [SeverityNumber, string]> = {
  I: [SeverityNumber.INFO, 'INFO'], W: [SeverityNumber.WARN, 'WARN'], E: [SeverityNumber.ERROR, 'ERROR'],
};

async function run(file: string, url: string, paced: boolean): Promise<void> {
  const started = process.hrtime.bigint();
  const exporter = new OTLPLogExporter({ url, compression: 'gzip' as never });
  const provider = new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter })] });
  const logger = provider.getLogger('teleport-otel-bench');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let carry = '';
  let emitted = 0;
  for (;;) {
    const read = fs.readSync(fd, buf, 0, buf.length, null);
    if (read === 0) break;
    const lines = (carry + buf.toString('utf8', 0, read)).split('\n');
    carry = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') continue;
      const e = JSON.parse(line) as Record<string, unknown>;
      const code = typeof e.code === 'string' ? e.code : '';
      const [severityNumber, severityText] = SEVERITY[code[code.length - 1]] ?? [SeverityNumber.UNSPECIFIED, undefined];
      logger.emit({
        timestamp: typeof e.time === 'string' ? new Date(e.time) : undefined,
        severityNumber, severityText, body: line, eventName: String(e.event ?? ''),
        attributes: { 'log.record.uid': String(e.uid ?? '') },
      });
      emitted++;
      if (paced && emitted % 2048 === 0) await provider.forceFlush();
    }
    // Let the processor's timer and sockets run between chunks, as an application's event loop would.
    await new Promise((r) => setImmediate(r));
  }
  fs.closeSync(fd);
  await provider.forceFlush();
  await provider.shutdown();
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const usage = process.resourceUsage();
  process.stdout.write(`BENCH ${JSON.stringify({ wallMs, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, maxRssMb: usage.maxRSS / 1024, code: 0, emitted })}\n`);
}

void run(process.argv[2], process.argv[3], process.argv[4] === 'paced');
