/** Human-readable output on stdout. Never fails, so it never holds a pipeline back. */
import { EXPORT_SUCCESS, type CreateContext, type Exporter, type ExportResult } from '../../core/component';
import { describePosition, type LogRecord } from '../../core/record';
import type { DebugExporterConfig } from './config';

export class DebugExporter implements Exporter {
  private readonly counts = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly config: DebugExporterConfig,
    private readonly ctx: CreateContext,
    private readonly out: (text: string) => void = (t) => process.stdout.write(t),
  ) {}

  async start(): Promise<void> {}

  async export(records: readonly LogRecord[]): Promise<ExportResult> {
    const batch = new Map<string, number>();
    for (const r of records) {
      const type = eventType(r);
      batch.set(type, (batch.get(type) ?? 0) + 1);
      this.counts.set(type, (this.counts.get(type) ?? 0) + 1);
    }
    this.total += records.length;
    if (this.config.verbosity === 'detailed') this.out(records.map(detailLine).join(''));
    if (this.config.verbosity !== 'basic') {
      const top = [...batch].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([t, n]) => `${t} ${n}`).join(', ');
      this.out(`${this.ctx.id}: ${records.length} records (${top}${batch.size > 5 ? ', ...' : ''})\n`);
    }
    return EXPORT_SUCCESS;
  }

  async shutdown(): Promise<void> {
    if (this.total === 0 && this.counts.size === 0) return;
    const rows = [...this.counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const width = Math.max(...rows.map(([t]) => t.length));
    const lines = rows.map(([t, n]) => `  ${t.padEnd(width)}  ${n}\n`).join('');
    this.out(`${this.ctx.id}: ${this.total} records by event type:\n${lines}`);
    this.counts.clear();
    this.total = 0;
  }
}

function eventType(r: LogRecord): string {
  if (r.deadLetter) return `(dead letter: ${String(r.attributes['error.type'])})`;
  const e = r.event?.event;
  return typeof e === 'string' && e !== '' ? e : '(no event type)';
}

function detailLine(r: LogRecord): string {
  if (r.deadLetter) return `DEAD ${describePosition(r.position)} ${String(r.attributes['error.message'])}\n`;
  const e = r.event ?? {};
  const attrs = Object.keys(r.attributes).length;
  return `${String(e.time ?? '-')} ${String(e.code ?? '-')} ${eventType(r)} uid=${String(e.uid ?? '-')} user=${String(e.user ?? '-')} attributes=${attrs} (${describePosition(r.position)})\n`;
}
