// The all-day panel: how many of each item are still to make across the open tickets.
import type { Ticket } from "../bindings/Ticket";
import { isToCook } from "./rules";

export interface AllDayLine {
  name: string;
  qty: number;
}

/** Quantities of pending, fired items by name, most first (then by name). */
export function allDay(tickets: Ticket[]): AllDayLine[] {
  const counts = new Map<string, number>();
  for (const ticket of tickets) {
    if (ticket.status !== "open") continue;
    for (const item of ticket.items) {
      if (!isToCook(item)) continue;
      counts.set(item.name, (counts.get(item.name) ?? 0) + item.qty);
    }
  }
  return [...counts.entries()]
    .map(([name, qty]) => ({ name, qty }))
    .sort((a, b) => b.qty - a.qty || a.name.localeCompare(b.name));
}
