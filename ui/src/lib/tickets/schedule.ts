// Scheduled orders as the screens show them: the tickets the hub holds until their
// fire time, grouped by order, soonest first. The times are hub times, shown as the
// time of day.
import type { OrderType } from "../bindings/OrderType";
import type { Ticket } from "../bindings/Ticket";

export interface ScheduledOrder {
  orderId: string;
  orderNumber: string;
  orderType: OrderType;
  guest?: string;
  dueAtMs: number | null;
  /** Each station's fire time, soonest first. */
  stations: { station: string; fireAtMs: number }[];
}

/** Groups waiting tickets by order; the order whose first station fires soonest first. */
export function scheduledOrders(tickets: Ticket[]): ScheduledOrder[] {
  const orders = new Map<string, ScheduledOrder>();
  for (const ticket of tickets) {
    if (ticket.fireAtMs === undefined) continue;
    let order = orders.get(ticket.orderId);
    if (!order) {
      order = {
        orderId: ticket.orderId,
        orderNumber: ticket.orderNumber,
        orderType: ticket.orderType,
        guest: ticket.guest,
        dueAtMs: ticket.dueAtMs ?? null,
        stations: [],
      };
      orders.set(ticket.orderId, order);
    }
    order.stations.push({ station: ticket.station, fireAtMs: ticket.fireAtMs });
  }
  const list = [...orders.values()];
  for (const order of list) order.stations.sort((a, b) => a.fireAtMs - b.fireAtMs);
  return list.sort((a, b) => (a.stations[0]?.fireAtMs ?? 0) - (b.stations[0]?.fireAtMs ?? 0));
}

/** "18:52": the time of day of a hub time. */
export function clockTime(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** Whole minutes until a hub time, rounded up; 0 once it has come. */
export function minutesUntil(ms: number, now: number): number {
  return Math.max(0, Math.ceil((ms - now) / 60_000));
}
