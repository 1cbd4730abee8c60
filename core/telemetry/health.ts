/**
 * Component health, as `/healthz` reports it. A component that stays up but cannot do its job
 * (an exporter whose endpoint refuses its credentials, a receiver with nothing it can read, a
 * Kafka consumer that is not running) says so here, so the process never looks healthy while the
 * audit trail goes nowhere.
 */
export type HealthStatus = 'ok' | 'degraded' | 'failing';

/** What one component reports; the last report wins. Cheap: call it on every state change. */
export interface HealthReporter {
  /** `reason` is one line: what is wrong and where (a path, an endpoint, a broker). */
  report(status: HealthStatus, reason?: string): void;
}

export interface ComponentHealth {
  readonly status: HealthStatus;
  readonly reason?: string;
}

const RANK: Record<HealthStatus, number> = { ok: 0, degraded: 1, failing: 2 };

/** Every component's last report; the process's status is the worst of them. */
export class HealthBoard {
  private readonly byComponent = new Map<string, ComponentHealth>();

  reporter(component: string): HealthReporter {
    return {
      report: (status, reason) => {
        if (status === 'ok') this.byComponent.delete(component);
        else this.byComponent.set(component, { status, reason });
      },
    };
  }

  /** The worst status, and the components that are not ok, by id. */
  snapshot(): { status: HealthStatus; components: Record<string, ComponentHealth> } {
    let status: HealthStatus = 'ok';
    const components: Record<string, ComponentHealth> = {};
    for (const [id, h] of [...this.byComponent].sort(([a], [b]) => (a < b ? -1 : 1))) {
      components[id] = h;
      if (RANK[h.status] > RANK[status]) status = h.status;
    }
    return { status, components };
  }

  /** 0 ok, 1 degraded, 2 failing, per component that ever reported, for the metrics gauge. */
  rank(status: HealthStatus): number {
    return RANK[status];
  }
}
