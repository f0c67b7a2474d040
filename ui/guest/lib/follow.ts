// What a guest's page knows of the orders it follows — one for an order's link, the
// party's for a table's — built from the hub's snapshot and the events after it, in
// sequence. Pure: the connection feeds it, the page draws it.
import type { Control } from "../../src/lib/bindings/Control";
import type { Cursor } from "../../src/lib/bindings/Cursor";
import type { Envelope } from "../../src/lib/bindings/Envelope";
import type { Order } from "../../src/lib/bindings/Order";
import type { OrderStatus } from "../../src/lib/bindings/OrderStatus";
import type { Ticket } from "../../src/lib/bindings/Ticket";

export interface Followed {
  /** The orders as the hub last sent them whole, oldest first. */
  orders: Order[];
  /** Statuses heard for orders not sent whole (one posted while the page was open). */
  statuses: Record<string, OrderStatus>;
  /** Every ticket of the orders followed, in the order they arrived. */
  tickets: Ticket[];
  /** Where the page stands in the channel: the next subscribe resumes here. */
  cursor: Cursor | null;
}

export const NOTHING_YET: Followed = { orders: [], statuses: {}, tickets: [], cursor: null };

type Subscribed = Extract<Control, { type: "subscribed" }>;

/** The hub's answer to a subscribe: a snapshot replaces everything; a recovery keeps
 * what the page had, and the replayed events follow. */
export function subscribed(state: Followed, message: Subscribed): Followed {
  const cursor = { epoch: message.epoch, seq: message.seq };
  if (!message.snapshot) return { ...state, cursor };
  const snapshot = message.snapshot;
  const orders = snapshot.order ? [snapshot.order] : (snapshot.orders ?? []);
  return { orders, statuses: {}, tickets: snapshot.tickets, cursor };
}

function withTicket(tickets: Ticket[], ticket: Ticket): Ticket[] {
  const known = tickets.findIndex((t) => t.id === ticket.id);
  if (known < 0) return [...tickets, ticket];
  if ((tickets[known]?.version ?? 0) >= ticket.version) return tickets;
  return tickets.map((t, i) => (i === known ? ticket : t));
}

function withOrder(state: Followed, order: Order, channel: string): Followed {
  // A table's page hears once of an order moved to another table, and lets it go.
  const session = channel.startsWith("session:") ? channel.slice("session:".length) : null;
  if (session !== null && order.tableSession !== session) {
    return {
      ...state,
      orders: state.orders.filter((o) => o.id !== order.id),
      tickets: state.tickets.filter((t) => t.orderId !== order.id),
    };
  }
  const known = state.orders.some((o) => o.id === order.id);
  const orders = known ? state.orders.map((o) => (o.id === order.id ? order : o)) : [...state.orders, order];
  return { ...state, orders };
}

/** An event of the channel; `"gap"` when one was missed (resubscribe). Events already
 * applied (a replay overlapping what the page had) change nothing. */
export function applyEvent(state: Followed, envelope: Envelope): Followed | "gap" {
  if (!state.cursor) return "gap";
  if (envelope.seq <= state.cursor.seq) return state;
  if (envelope.seq !== state.cursor.seq + 1) return "gap";
  const next = { ...state, cursor: { ...state.cursor, seq: envelope.seq } };
  switch (envelope.type) {
    case "order:updated":
      return withOrder(next, envelope.data, envelope.channel);
    case "order:created":
      return { ...next, tickets: envelope.data.tickets.reduce(withTicket, next.tickets) };
    case "order:status": {
      const { orderId, status } = envelope.data;
      if (next.orders.some((o) => o.id === orderId)) {
        return { ...next, orders: next.orders.map((o) => (o.id === orderId ? { ...o, status } : o)) };
      }
      return { ...next, statuses: { ...next.statuses, [orderId]: status } };
    }
    default:
      // Ticket events carry the ticket; anything else on the channel (the platform's
      // events, delivery alerts) changes nothing the page shows.
      if (!("ticket" in envelope.data)) return next;
      return { ...next, tickets: withTicket(next.tickets, envelope.data.ticket) };
  }
}

export type Stage = "received" | "preparing" | "ready" | "served" | "cancelled";
export const STAGES: Stage[] = ["received", "preparing", "ready", "served"];

/** Where an order is, in the four steps a guest understands. A kitchen screen cannot
 * tell when cooking starts, so an order counts as preparing once the hub says so or a
 * station has bumped part of it. */
export function stageOf(order: Pick<Order, "status">, tickets: Ticket[] = []): Stage {
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

export interface StationPart {
  station: string;
  state: "waiting" | "cooking" | "done";
}

/** Each station's part of an order: done once bumped; a course not fired yet waits. */
export function stationProgress(tickets: Ticket[]): StationPart[] {
  return tickets
    .filter((t) => t.status !== "voided")
    .map((t) => ({
      station: t.station,
      state: t.status === "bumped" ? "done" : t.status === "held" ? "waiting" : "cooking",
    }));
}

type Food = { name: string; qty: number };
const live = (status: string) => status === "pending" || status === "done";

/** The food ordered, without what was voided or taken off. */
export function itemsOf(order: Order): Food[] {
  return order.items.filter((i) => live(i.status)).map((i) => ({ name: i.name, qty: i.qty }));
}

/** One order as the page shows it. */
export interface OrderView {
  id: string;
  number: string;
  stage: Stage;
  stations: StationPart[];
  items: Food[];
}

/** The orders followed, oldest first: from the order when the hub sent it whole, else
 * from its tickets (which carry its number and each station's food). */
export function ordersOf(state: Followed): OrderView[] {
  const ids: string[] = [];
  for (const id of [...state.orders.map((o) => o.id), ...state.tickets.map((t) => t.orderId)]) {
    if (!ids.includes(id)) ids.push(id);
  }
  return ids.map((id) => {
    const order = state.orders.find((o) => o.id === id);
    const tickets = state.tickets.filter((t) => t.orderId === id);
    const status = order?.status ?? state.statuses[id] ?? "pending";
    return {
      id,
      number: order?.number ?? tickets[0]?.orderNumber ?? "",
      stage: stageOf({ status }, tickets),
      stations: stationProgress(tickets),
      items: order
        ? itemsOf(order)
        : tickets.flatMap((t) => t.items.filter((i) => live(i.status)).map((i) => ({ name: i.name, qty: i.qty }))),
    };
  });
}
