// What a ticket card says, apart from how it looks.
import type { OrderType } from "../bindings/OrderType";
import type { Ticket } from "../bindings/Ticket";
import type { TicketItem } from "../bindings/TicketItem";
import type { Connection } from "../bindings/Connection";

const ORDER_TYPE_LABELS: Record<OrderType, string> = {
  "dine-in": "Dine in",
  takeout: "Takeout",
  delivery: "Delivery",
  pickup: "Pickup",
  "drive-thru": "Drive-thru",
};

export function orderTypeLabel(type: OrderType): string {
  return ORDER_TYPE_LABELS[type];
}

/** Who the ticket is for: the table, else the guest's name, else nothing. */
export function destination(ticket: Ticket): string {
  if (ticket.table) return `Table ${ticket.table}`;
  if (ticket.guest) return ticket.guest;
  return "";
}

/** Items to cook now first, then held ones, then done and voided ones (struck through). */
export function itemsInCookingOrder(ticket: Ticket): TicketItem[] {
  const rank = (item: TicketItem) => (item.status !== "pending" ? 2 : item.held ? 1 : 0);
  return [...ticket.items].sort((a, b) => rank(a) - rank(b));
}

/** Rush tickets first, then oldest first: the order a line cook works in. */
export function railOrder(tickets: Ticket[]): Ticket[] {
  return [...tickets].sort((a, b) => Number(b.rush) - Number(a.rush) || a.createdAtMs - b.createdAtMs || a.id.localeCompare(b.id));
}

function clockTime(ms: number): string {
  const date = new Date(ms);
  return `${String(date.getHours()).padStart(2, "0")}:${String(date.getMinutes()).padStart(2, "0")}`;
}

/** The status line: "Online", or "Offline since 12:03 — 3 bumps waiting". */
export function connectionLabel(connection: Connection, pendingActions: number): string {
  const waiting = pendingActions === 0 ? "" : ` — ${pendingActions} ${pendingActions === 1 ? "bump" : "bumps"} waiting`;
  switch (connection.state) {
    case "online":
      return `Online${waiting}`;
    case "connecting":
      return `Connecting…${waiting}`;
    case "reconnecting":
      return `Reconnecting…${waiting}`;
    case "offline":
      return `Offline since ${clockTime(connection.sinceMs)}${waiting}`;
  }
}
