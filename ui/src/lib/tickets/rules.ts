// The ticket rules the views need, mirroring `rail_protocol::TicketItem::is_to_cook`
// and `Ticket::flags_changes` (the ones the hub and the engine apply). `rules.test.ts` checks this against the
// cases the Rust rule writes into `bindings/ticketRules.json` when `cargo test` runs,
// so a change to the rule fails the UI's tests until this follows.
import type { TicketItem } from "../bindings/TicketItem";

/** Still to cook at its station: pending, and its course fired. */
export function isToCook(item: Pick<TicketItem, "status" | "held">): boolean {
  return item.status === "pending" && !item.held;
}

/** The POS changed the ticket (an item added, voided or removed) and no cook at the
 * station has confirmed it yet. */
export function flagsChanges(ticket: { items: Pick<TicketItem, "added" | "status">[]; changesAcknowledged: boolean }): boolean {
  const changed = ticket.items.some((i) => i.added || i.status === "voided" || i.status === "removed");
  return changed && !ticket.changesAcknowledged;
}

/** What a tap on an item does: a dish to cook is bumped, a bumped one taken back. */
export function itemTap(item: Pick<TicketItem, "status" | "held">): "bump" | "recall" | null {
  if (isToCook(item)) return "bump";
  return item.status === "done" ? "recall" : null;
}
