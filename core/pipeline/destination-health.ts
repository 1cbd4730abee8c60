/**
 * What an exporter's destination refusals (`DestinationError`) do to the process: the exporter is
 * reported `failing` on /healthz with the reason, an error line is logged (rate-limited), and the
 * first call that reaches the destination again clears both. Under `--once`, a destination that
 * keeps refusing for `giveUpAfterMs` ends the run: a backfill must not wait forever for a key to
 * be fixed, and must not exit 0 either.
 *
 * One instance per exporter, shared by every pipeline and batch delivering to it.
 */
import type { DestinationError } from '../errors';
import type { HealthReporter } from '../telemetry/health';
import type { Logger } from '../telemetry/logger';

export interface GiveUp {
  readonly afterMs: number;
  /** Called once, when the destination has refused for `afterMs` without a success in between. */
  readonly fail: (error: Error) => void;
}

export class DestinationHealth {
  private failingSince: number | undefined;
  private last: DestinationError | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly id: string,
    private readonly health: HealthReporter,
    private readonly logger: Logger,
    private readonly giveUp?: GiveUp,
  ) {}

  get failing(): boolean {
    return this.failingSince !== undefined;
  }

  refused(error: DestinationError, retryInMs: number): void {
    this.last = error;
    this.health.report('failing', error.message);
    this.logger.rateLimited('destination', 'error',
      `${error.message}; retrying in ${retryInMs < 1000 ? `${retryInMs}ms` : `${Math.round(retryInMs / 1000)}s`}; nothing is acknowledged or dead-lettered until it works`);
    if (this.failingSince !== undefined) return;
    this.failingSince = Date.now();
    if (this.giveUp !== undefined) {
      const { afterMs, fail } = this.giveUp;
      this.timer = setTimeout(() => {
        fail(new Error(`--once: ${this.id} has failed for ${afterMs % 1000 === 0 ? `${afterMs / 1000}s` : `${afterMs}ms`} (TELEPORT_OTEL_ONCE_FAILING_TIMEOUT_MS): ${this.last?.message}; `
          + 'undelivered records stay unacknowledged (checkpoints not moved, nothing dead-lettered): fix it and run again'));
      }, afterMs);
      this.timer.unref();
    }
  }

  /** The destination took a call (all or some of its records): it works. */
  reached(): void {
    if (this.failingSince === undefined) return;
    const seconds = Math.round((Date.now() - this.failingSince) / 1000);
    this.failingSince = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.health.report('ok');
    this.logger.info(`delivering again after ${seconds}s of failures`);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
