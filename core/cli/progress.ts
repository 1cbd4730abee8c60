/** Terminal progress for backfills, and the one summary line every run ends with. */
import type { Service } from '../pipeline/service';

export function startProgress(service: Service, started: number): { stop(): void } {
  let last = { at: started, read: 0 };
  const timer = setInterval(() => {
    const now = Date.now();
    const read = service.pipelines.reduce((n, p) => n + p.stats.read, 0);
    const rate = Math.round(((read - last.read) * 1000) / Math.max(1, now - last.at));
    last = { at: now, read };
    process.stderr.write(`\r\x1b[K${service.progress()} | ${read.toLocaleString('en-US')} records, ${rate.toLocaleString('en-US')} events/s`);
  }, 500);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      process.stderr.write('\r\x1b[K');
    },
  };
}

export function summaryLine(service: Service, elapsedMs: number): string {
  const parts = service.pipelines.map((p) => {
    const s = p.stats;
    const filtered = s.filtered > 0 ? `, filtered ${s.filtered}` : '';
    const dropped = s.dropped > 0 ? `, dropped ${s.dropped} (no dead_letter)` : '';
    return `${p.id}: read ${s.read}, exported ${s.exported}${filtered}, dead-lettered ${s.deadLettered}${dropped}`;
  });
  return `teleport-otel: summary after ${(elapsedMs / 1000).toFixed(1)}s: ${parts.join('; ')}`;
}
