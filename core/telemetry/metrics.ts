/**
 * Self-observability: per-component counters with fixed label sets, in a registry owned by the
 * service (not prom-client's global one, so several services can live in one test process).
 */
import type * as PromClient from 'prom-client';

/*
 * prom-client's index loads its default metrics, and with them @opentelemetry/api: ~40 ms of every
 * start, for metrics only a served /metrics shows (enableProcessMetrics loads it then). The three
 * classes used here come from their own modules (the package has no exports map to forbid it).
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const Counter = require('prom-client/lib/counter') as typeof PromClient.Counter;
const Gauge = require('prom-client/lib/gauge') as typeof PromClient.Gauge;
const Registry = require('prom-client/lib/registry') as typeof PromClient.Registry;
/* eslint-enable @typescript-eslint/no-require-imports */
type Counter<T extends string> = PromClient.Counter<T>;
type Gauge<T extends string> = PromClient.Gauge<T>;
type Registry = PromClient.Registry;
import { VERSION } from '../version';
import { HealthBoard, type HealthReporter } from './health';

export interface ComponentTelemetry {
  /** Records a receiver read from its input. */
  received(n: number): void;
  /** Records whose delivery was acknowledged downstream (receivers) or that passed (processors). */
  accepted(n: number): void;
  /** Records refused: a processor dead-lettered them, or a receiver's consume failed. */
  refused(n: number): void;
  /** Records an exporter delivered durably. */
  exported(n: number): void;
  /** Records a processor dropped on purpose (filter rules): handled, neither exported nor dead-lettered. */
  filtered(n: number): void;
  /** Records in export attempts that failed (retried or rejected). */
  failed(n: number): void;
  /** A component-specific counter, labelled with this component's id. */
  counter(name: string, help: string): { inc(n?: number): void };
  /** A component-specific gauge, labelled with this component's id, read from `read` at each scrape. */
  gauge(name: string, help: string, read: () => number): void;
  /**
   * A counter with extra labels (a Kafka topic and partition). Only for label sets bounded by the
   * input's layout, never by its content.
   */
  labelledCounter<L extends string>(name: string, help: string, labelNames: readonly L[]): { inc(labels: Record<L, string>, n?: number): void };
  /** A gauge with extra labels; `read` returns every series' value at each scrape (absent series are dropped). */
  labelledGauge<L extends string>(name: string, help: string, labelNames: readonly L[], read: () => { labels: Record<L, string>; value: number }[]): void;
  /** This component's health, as `/healthz` and the `teleport_otel_component_health` gauge report it. */
  readonly health: HealthReporter;
}

export class Telemetry {
  readonly registry = new Registry();
  private readonly counters: Record<string, Counter<'kind' | 'component'>>;
  private readonly extra = new Map<string, Counter<'component'>>();
  private readonly labelled = new Map<string, Counter<string>>();
  private readonly labelledGauges = new Map<string, Map<string, () => { labels: Record<string, string>; value: number }[]>>();
  /** Per gauge name, what each component reports: read when scraped, so nothing updates it per record. */
  private readonly gauges = new Map<string, Map<string, () => number>>();
  readonly deadLettered: Counter<'pipeline'>;
  /** What each component last reported about its health; `/healthz` reads it. */
  readonly health = new HealthBoard();
  private readonly healthReported = new Set<string>();

  constructor() {
    const make = (name: string, help: string) =>
      new Counter({ name: `teleport_otel_${name}_records_total`, help, labelNames: ['kind', 'component'], registers: [this.registry] });
    this.counters = {
      received: make('received', 'Records read from an input by a receiver.'),
      accepted: make('accepted', 'Records acknowledged downstream (receivers) or passed on (processors).'),
      refused: make('refused', 'Records refused: dead-lettered by a processor, or not acknowledged to a receiver.'),
      exported: make('exported', 'Records an exporter delivered durably.'),
      failed: make('failed', 'Records in failed export attempts (retried or rejected).'),
      filtered: make('filtered', 'Records a processor dropped on purpose (filter rules); handled, neither exported nor dead-lettered.'),
    };
    this.deadLettered = new Counter({
      name: 'teleport_otel_dead_lettered_records_total',
      help: 'Records sent to a pipeline\'s dead letter.',
      labelNames: ['pipeline'],
      registers: [this.registry],
    });
    const { health, healthReported } = this;
    new Gauge({
      name: 'teleport_otel_component_health',
      help: 'Health each component last reported: 0 ok, 1 degraded, 2 failing (the reason is on /healthz and in the log).',
      labelNames: ['component'],
      registers: [this.registry],
      collect() {
        const { components } = health.snapshot();
        for (const c of healthReported) this.labels(c).set(health.rank(components[c]?.status ?? 'ok'));
      },
    });
  }

  /**
   * What an operator expects of a running process: prom-client's process and Node.js runtime
   * metrics (CPU, memory, heap, event-loop lag, GC, open descriptors) and a build-info gauge. Only
   * for the process's own service (the CLI): each call installs runtime observers.
   */
  enableProcessMetrics(): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('prom-client') as typeof PromClient).collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'teleport_otel_build_info',
      help: 'Always 1; the labels say which teleport-otel and which Node.js run.',
      labelNames: ['version', 'node_version'],
      registers: [this.registry],
    }).labels(VERSION, process.versions.node).set(1);
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
      filtered: bound('filtered'),
      health: {
        report: (status, reason) => {
          this.healthReported.add(component);
          this.health.reporter(component).report(status, reason);
        },
      },
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
      labelledCounter: <L extends string>(name: string, help: string, labelNames: readonly L[]) => {
        const full = `teleport_otel_${name}`;
        let c = this.labelled.get(full);
        if (!c) {
          c = new Counter({ name: full, help, labelNames: ['component', ...labelNames], registers: [this.registry] });
          this.labelled.set(full, c);
        }
        const counter = c;
        return { inc: (labels: Record<L, string>, n = 1) => { if (n > 0) counter.labels({ ...(labels as Record<string, string>), component }).inc(n); } };
      },
      labelledGauge: <L extends string>(name: string, help: string, labelNames: readonly L[], read: () => { labels: Record<L, string>; value: number }[]) => {
        const full = `teleport_otel_${name}`;
        let readers = this.labelledGauges.get(full);
        if (!readers) {
          const byComponent = new Map<string, () => { labels: Record<string, string>; value: number }[]>();
          this.labelledGauges.set(full, (readers = byComponent));
          new Gauge<string>({
            name: full, help, labelNames: ['component', ...labelNames], registers: [this.registry],
            collect() {
              this.reset();
              for (const [c, r] of byComponent) for (const s of r()) this.labels({ ...s.labels, component: c }).set(s.value);
            },
          });
        }
        readers.set(component, read as () => { labels: Record<string, string>; value: number }[]);
      },
    };
  }
}

/** For unit tests of single components. */
export function testTelemetry(component = 'test'): ComponentTelemetry {
  return new Telemetry().forComponent('test', component);
}
