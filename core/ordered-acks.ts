/**
 * Ordered checkpointing: a receiver may have several batches in flight, acknowledged in any
 * order, but its checkpoint must never move past a batch that is still in flight. Each batch
 * takes a ticket carrying the checkpoint it would reach; `ack` returns the furthest checkpoint
 * whose batches, and all before it, are acknowledged.
 */
export class OrderedAcks<C> {
  private readonly pending: { checkpoint: C; done: boolean }[] = [];

  /** Registers a batch in reading order; call `ack(ticket)` when its consume resolved. */
  begin(checkpoint: C): { checkpoint: C; done: boolean } {
    const ticket = { checkpoint, done: false };
    this.pending.push(ticket);
    return ticket;
  }

  /** Marks a batch done; returns the new checkpoint to persist, or undefined if it did not move. */
  ack(ticket: { checkpoint: C; done: boolean }): C | undefined {
    ticket.done = true;
    let reached: C | undefined;
    while (this.pending.length > 0 && this.pending[0].done) reached = this.pending.shift()!.checkpoint;
    return reached;
  }

  get inFlight(): number {
    return this.pending.length;
  }
}
