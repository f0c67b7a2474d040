// The board as the window keeps it, rebuilt from the engine's patches: each patch
// carries only the open tickets that are new or changed, whole, and the ids of every
// open ticket in order, so unchanged tickets keep the very objects they were — their
// cards are not redrawn — and a message for one new order stays small.
import type { Board } from "../bindings/Board";
import type { BoardPatch } from "../bindings/BoardPatch";
import type { Ticket } from "../bindings/Ticket";

export class BoardFeed {
  #seq = 0;
  #tickets = new Map<string, Ticket>();

  constructor(private readonly onBoard: (board: Board) => void) {}

  /** The board sequence number the window has. */
  get seq(): number {
    return this.#seq;
  }

  /**
   * Applies a patch and hands on the board it makes. Returns false when the patch was
   * made against a board this window does not have (one was missed): the caller then
   * asks for the whole board. A whole board (`base` 0) older than the one held is
   * ignored.
   */
  apply(patch: BoardPatch): boolean {
    const whole = patch.base === 0;
    if (!whole && patch.base !== this.#seq) return false;
    if (whole && patch.seq < this.#seq) return true;
    const known = whole ? new Map<string, Ticket>() : new Map(this.#tickets);
    for (const ticket of patch.changed) known.set(ticket.id, ticket);
    const tickets: Ticket[] = [];
    for (const id of patch.order) {
      const ticket = known.get(id);
      if (ticket === undefined) return false;
      tickets.push(ticket);
    }
    this.#tickets = new Map(tickets.map((t) => [t.id, t]));
    this.#seq = patch.seq;
    const { channels, expo, recent, orders, scheduled, alerts } = patch;
    this.onBoard({ channels, expo, tickets, recent, orders, scheduled, alerts });
    return true;
  }
}
