// What a ticket card says, apart from how it looks.
import type { OrderSource } from "../bindings/OrderSource";
import type { OrderType } from "../bindings/OrderType";
import type { Ticket } from "../bindings/Ticket";
import type { TicketItem } from "../bindings/TicketItem";
import type { Connection } from "../bindings/Connection";
import { t } from "../i18n.svelte";
import { isToCook } from "./rules";

export function orderTypeLabel(type: OrderType): string {
  return t(`type.${type}`);
}

/** Where an order came from, as the badge says it: a platform by its name. */
export function sourceLabel(source: OrderSource): string {
  if (source.channel === "third-party" && source.name) return source.name;
  return t(`source.${source.channel}`);
}

/** Who the ticket is for: the table, else the guest's name, else nothing. */
export function destination(ticket: Pick<Ticket, "table" | "guest">): string {
  if (ticket.table) return t("ticket.table", { table: ticket.table });
  if (ticket.guest) return ticket.guest;
  return "";
}

/**
 * How the hub begins the note of a ticket made from a printed chit it could not read
 * (the ticket's items are then the chit's lines as printed). The hub's crate checks
 * that this file says the same as its own constant.
 */
export const UNREAD_CHIT_NOTE = "Printed chit, not read:";

/** A ticket showing a printed chit as it was printed: the cook must read it. */
export function isUnreadChit(ticket: Pick<Ticket, "notes">): boolean {
  return ticket.notes?.startsWith(UNREAD_CHIT_NOTE) ?? false;
}

/** Items to cook now first, then held ones, then done and voided ones (struck through). */
export function itemsInCookingOrder(ticket: Ticket): TicketItem[] {
  const rank = (item: TicketItem) => (isToCook(item) ? 0 : item.status === "pending" ? 1 : 2);
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
  const waiting =
    pendingActions === 0 ? "" : ` — ${t(pendingActions === 1 ? "link.waiting" : "link.waitingMany", { count: pendingActions })}`;
  switch (connection.state) {
    case "online":
      return t("link.online") + waiting;
    case "connecting":
      return t("link.connecting") + waiting;
    case "reconnecting":
      return t("link.reconnecting") + waiting;
    case "offline":
      return t("link.offline", { time: clockTime(connection.sinceMs) }) + waiting;
    case "removed":
      return t("link.removed") + waiting;
  }
}

/** Tickets whose number starts with `query` (all of them for an empty query). */
export function searchTickets(tickets: Ticket[], query: string): Ticket[] {
  const wanted = query.trim();
  return wanted === "" ? tickets : tickets.filter((t) => t.orderNumber.startsWith(wanted));
}
