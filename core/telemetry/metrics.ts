/**
 * Self-observability: per-component counters with fixed label sets, in a registry owned by the
 * service (not prom-client's global one, so several services can live in one test process).
 */
import { Counter, Gauge, Registry } from 'prom-client';

export interface ComponentTelemetry {
  /** Records a receiver read from its input. */
  received(n: number): void;
  /** Records whose delivery was acknowledged downstream (receivers) or that passed (processors). */
  accepted(n: number): void;
  /** Records refused: a processor dead-lettered them, or a receiver's consume failed. */
  refused(n: number): void;
  /** Records an exporter delivered durably. */
  exported(n: number): void;
  /** Records in export attempts that failed (retried or rejected). */
  failed(n: number): void;
  /** A component-specific counter, labelled with this component's id. */
  counter(name: string, help: string): { inc(n?: number): void };
  /** A component-specific gauge, labelled with this component's id, read from `read` at each scrape. */
  gauge(name: string, help: string, read: () => number): void;
}

export class Telemetry {
  readonly registry = new Registry();
  private readonly counters: Record<string, Counter<'kind' | 'component'>>;
  private readonly extra = new Map<string, Counter<'component'>>();
  /** Per gauge name, what each component reports: read when scraped, so nothing updates it per record. */
  private readonly gauges = new Map<string, Map<string, () => number>>();
  readonly deadLettered: Counter<'pipeline'>;

  constructor() {
    const make = (name: string, help: string) =>
      new Counter({ name: `teleport_otel_${name}_records_total`, help, labelNames: ['kind', 'component'], registers: [this.registry] });
    this.counters = {
      received: make('received', 'Records read from an input by a receiver.'),
      accepted: make('accepted', 'Records acknowledged downstream (receivers) or passed on (processors).'),
      refused: make('refused', 'Records refused: dead-lettered by a processor, or not acknowledged to a receiver.'),
      exported: make('exported', 'Records an exporter delivered durably.'),
      failed: make('failed', 'Records in failed export attempts (retried or rejected).'),
    };
    this.deadLettered = new Counter({
      name: 'teleport_otel_dead_lettered_records_total',
      help: 'Records sent to a pipeline\'s dead letter.',
      labelNames: ['pipeline'],
      registers: [this.registry],
    });
  }

  forComponent(kind: string, component: string): ComponentTelemetry {
    const bound = (key: string) => {
      const child = this.counters[key].labels(kind, component);
      return (n: number) => { if (n > 0) child.inc(n); };
    };
    return {
      received: bound('received'),
      accepted: bound('accepted'),
      refused: bound('refused'),
      exported: bound('exported'),
      failed: bound('failed'),
      counter: (name, help) => {
        const full = `teleport_otel_${name}`;
        let c = this.extra.get(full);
        if (!c) {
          c = new Counter({ name: full, help, labelNames: ['component'], registers: [this.registry] });
          this.extra.set(full, c);
        }
        return c.labels(component);
      },
      gauge: (name, help, read) => {
        const full = `teleport_otel_${name}`;
        let readers = this.gauges.get(full);
        if (!readers) {
          const byComponent = new Map<string, () => number>();
          this.gauges.set(full, (readers = byComponent));
          new Gauge({
            name: full, help, labelNames: ['component'], registers: [this.registry],
            collect() { for (const [c, r] of byComponent) this.labels(c).set(r()); },
          });
        }
        readers.set(component, read);
      },
    };
  }
}

/** For unit tests of single components. */
export function testTelemetry(component = 'test'): ComponentTelemetry {
  return new Telemetry().forComponent('test', component);
}
