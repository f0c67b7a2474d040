// What a guest's page knows of its order, built from the hub's snapshot and the
// events after it, in sequence. Pure: the connection feeds it, the page draws it.
import type { Control } from "../../src/lib/bindings/Control";
import type { Cursor } from "../../src/lib/bindings/Cursor";
import type { Envelope } from "../../src/lib/bindings/Envelope";
import type { Order } from "../../src/lib/bindings/Order";
import type { Ticket } from "../../src/lib/bindings/Ticket";

export interface Followed {
  order: Order | null;
  /** The order's tickets by station, in the order the stations were first posted. */
  tickets: Ticket[];
  /** Where the page stands in the order's channel: the next subscribe resumes here. */
  cursor: Cursor | null;
}

export const NOTHING_YET: Followed = { order: null, tickets: [], cursor: null };

type Subscribed = Extract<Control, { type: "subscribed" }>;

/** The hub's answer to a subscribe: a snapshot replaces everything; a recovery keeps
 * what the page had, and the replayed events follow. */
export function subscribed(state: Followed, message: Subscribed): Followed {
  const cursor = { epoch: message.epoch, seq: message.seq };
  if (!message.snapshot) return { ...state, cursor };
  return { order: message.snapshot.order ?? null, tickets: message.snapshot.tickets, cursor };
}

/** An event of the order's channel; `"gap"` when one was missed (resubscribe). Events
 * already applied (a replay overlapping what the page had) change nothing. */
export function applyEvent(state: Followed, envelope: Envelope): Followed | "gap" {
  if (!state.cursor) return "gap";
  if (envelope.seq <= state.cursor.seq) return state;
  if (envelope.seq !== state.cursor.seq + 1) return "gap";
  const cursor = { ...state.cursor, seq: envelope.seq };
  switch (envelope.type) {
    case "order:updated":
      return { ...state, order: envelope.data, cursor };
    case "order:status":
      return { ...state, order: state.order && { ...state.order, status: envelope.data.status }, cursor };
    default: {
      // Ticket events carry the ticket; anything else on the channel (the platform's
      // events, delivery alerts) changes nothing the page shows.
      if (!("ticket" in envelope.data)) return { ...state, cursor };
      const ticket = envelope.data.ticket;
      const known = state.tickets.findIndex((t) => t.id === ticket.id);
      if (known >= 0 && (state.tickets[known]?.version ?? 0) >= ticket.version) return { ...state, cursor };
      const tickets = known >= 0 ? state.tickets.map((t, i) => (i === known ? ticket : t)) : [...state.tickets, ticket];
      return { ...state, tickets, cursor };
    }
  }
}

export type Stage = "received" | "preparing" | "ready" | "served" | "cancelled";
export const STAGES: Stage[] = ["received", "preparing", "ready", "served"];

/** Where the order is, in the four steps a guest understands. A kitchen screen cannot
 * tell when cooking starts, so an order counts as preparing once the hub says so or a
 * station has bumped part of it. */
export function stageOf(order: Order, tickets: Ticket[] = []): Stage {
  switch (order.status) {
    case "pending":
    case "confirmed": {
      const progress = tickets.some((t) => t.status === "bumped" || t.items.some((i) => i.status === "done"));
      return progress ? "preparing" : "received";
    }
    case "preparing":
      return "preparing";
    case "ready":
      return "ready";
    case "served":
    case "completed":
      return "served";
    case "cancelled":
      return "cancelled";
  }
}

/** Each station's part of the order: done once bumped; a course not fired yet waits. */
export function stationProgress(tickets: Ticket[]): { station: string; state: "waiting" | "cooking" | "done" }[] {
  return tickets
    .filter((t) => t.status !== "voided")
    .map((t) => ({
      station: t.station,
      state: t.status === "bumped" ? "done" : t.status === "held" ? "waiting" : "cooking",
    }));
}

/** The food ordered, without what was voided or taken off. */
export function itemsOf(order: Order): { name: string; qty: number }[] {
  return order.items.filter((i) => i.status === "pending" || i.status === "done").map((i) => ({ name: i.name, qty: i.qty }));
}
