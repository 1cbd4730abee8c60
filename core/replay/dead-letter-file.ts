/**
 * Reads a dead-letter file (OTLP/JSON lines, as the `file` exporter writes them, see
 * core/pipeline/dead-letter.ts): each record's body is the original line exactly as read, and its
 * attributes say which pipeline and component refused it and where the line came from.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { DEAD_LETTER_ATTRIBUTES as A } from '../pipeline/dead-letter';
import { nowUnixNano, type SourcePosition } from '../record';

export interface DeadLetter {
  /** The original line. */
  readonly raw: string;
  /** Where the original line came from (the dead letter's `teleport_otel.source.*`). */
  readonly position: SourcePosition;
  readonly observedTimeUnixNano: bigint;
  /** The pipeline that dead-lettered it. */
  readonly pipeline?: string;
  /** The component that refused it (`decode`, a processor, an exporter id). */
  readonly component?: string;
}

interface OtlpValue { stringValue?: string; intValue?: string | number }
interface OtlpRecord { observedTimeUnixNano?: string; body?: OtlpValue; attributes?: { key: string; value?: OtlpValue }[] }
interface OtlpRequest { resourceLogs?: { scopeLogs?: { logRecords?: OtlpRecord[] }[] }[] }

/**
 * Calls `onLine` for each line of `file` up to `endOffset` (its size when the replay started: what
 * the replay itself dead-letters again into the same file is not read back), with the dead
 * letters it holds, or `undefined` for a line that is not an OTLP/JSON request (a line cut short
 * by a crash: it was never acknowledged, so nothing in it is missing). Awaits `onLine`.
 */
export async function readDeadLetterFile(
  file: string, endOffset: number,
  onLine: (lineNumber: number, letters: DeadLetter[] | undefined) => Promise<void> | void,
): Promise<void> {
  if (endOffset === 0) return;
  const lines = readline.createInterface({ input: fs.createReadStream(file, { start: 0, end: endOffset - 1 }), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    await onLine(n, parseLine(line, `${file}:${n}`));
  }
}

/** When the line was first read; now when the dead letter does not say. */
function nanos(value: string | undefined): bigint {
  if (value !== undefined && /^\d+$/.test(value) && value !== '0') return BigInt(value);
  return nowUnixNano();
}

function parseLine(line: string, where: string): DeadLetter[] | undefined {
  let request: OtlpRequest;
  try {
    request = JSON.parse(line) as OtlpRequest;
  } catch {
    return undefined;
  }
  if (!Array.isArray(request?.resourceLogs)) return undefined;
  const out: DeadLetter[] = [];
  for (const rl of request.resourceLogs) {
    for (const sl of rl.scopeLogs ?? []) {
      for (const lr of sl.logRecords ?? []) {
        const raw = lr.body?.stringValue;
        if (typeof raw !== 'string') continue;
        const attrs = new Map((lr.attributes ?? []).map((a) => [a.key, a.value]));
        const str = (key: string) => attrs.get(key)?.stringValue;
        const int = (key: string) => {
          const v = attrs.get(key)?.intValue;
          return v === undefined ? undefined : Number(v);
        };
        const source = str(A.source);
        out.push({
          raw,
          position: source === undefined ? { source: where } : { source, line: int(A.line), offset: int(A.offset) },
          observedTimeUnixNano: nanos(lr.observedTimeUnixNano),
          pipeline: str(A.pipeline),
          component: str(A.component),
        });
      }
    }
  }
  return out;
}
