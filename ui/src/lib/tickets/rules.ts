// The ticket rules the views need, mirroring `rail_protocol::TicketItem::is_to_cook`
// (the one the hub and the engine apply). `rules.test.ts` checks this against the
// cases the Rust rule writes into `bindings/ticketRules.json` when `cargo test` runs,
// so a change to the rule fails the UI's tests until this follows.
import type { TicketItem } from "../bindings/TicketItem";

/** Still to cook at its station: pending, and its course fired. */
export function isToCook(item: Pick<TicketItem, "status" | "held">): boolean {
  return item.status === "pending" && !item.held;
}
