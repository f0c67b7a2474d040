import { describe, expect, it } from "vitest";
import type { Envelope } from "../../src/lib/bindings/Envelope";
import type { Order } from "../../src/lib/bindings/Order";
import type { Ticket } from "../../src/lib/bindings/Ticket";
import { backoffMs } from "../../src/lib/follow/channelLink";
import { applyEvent, itemsOf, NOTHING_YET, ordersOf, stageOf, stationProgress, subscribed } from "./follow";

const order: Order = {
  id: "o1",
  locationId: "demo",
  number: "41",
  orderType: "takeout",
  rush: false,
  status: "preparing",
  firedCourse: 1,
  createdAtMs: 0,
  version: 1,
  items: [
    { id: "a", name: "Burger", qty: 2, modifiers: [], allergens: [], course: 1, station: "grill", status: "pending", held: false },
    { id: "b", name: "Shake", qty: 1, modifiers: [], allergens: [], course: 1, station: "bar", status: "voided", held: false },
  ],
} as unknown as Order;

function ticket(station: string, status: Ticket["status"], version: number, orderId = "o1", orderNumber = "41"): Ticket {
  return { id: `${orderId}:${station}`, orderId, orderNumber, locationId: "demo", station, orderType: "takeout", createdAtMs: 0, rush: false, status, version, changesAcknowledged: false, items: [] };
}

function event(seq: number, type: Envelope["type"], data: unknown, channel = "order:o1"): Envelope {
  return { channel, seq, id: `e${seq}`, ts: seq, type, data } as Envelope;
}

describe("a guest's page follows its order", () => {
  const start = subscribed(NOTHING_YET, {
    type: "subscribed",
    channel: "order:o1",
    epoch: "e",
    seq: 4,
    recovery: "fresh",
    snapshot: { tickets: [ticket("grill", "open", 2), ticket("fry", "open", 1)], order },
  });

  it("starts from the snapshot and applies the next events in sequence", () => {
    expect(start.cursor).toEqual({ epoch: "e", seq: 4 });
    const bumped = applyEvent(start, event(5, "kds:ticket-bumped", { ticket: ticket("grill", "bumped", 3) }));
    if (bumped === "gap") throw new Error("no gap expected");
    expect(stationProgress(bumped.tickets)).toEqual([
      { station: "grill", state: "done" },
      { station: "fry", state: "cooking" },
    ]);
    const ready = applyEvent(bumped, event(6, "order:status", { orderId: "o1", status: "ready", previousStatus: "preparing" }));
    if (ready === "gap") throw new Error("ready expected");
    expect(ordersOf(ready).map((v) => [v.number, v.stage])).toEqual([["41", "ready"]]);
    expect(ready.cursor?.seq).toBe(6);
  });

  it("ignores what it already has and asks again after a gap", () => {
    expect(applyEvent(start, event(3, "kds:ticket-new", { ticket: ticket("grill", "open", 1) }))).toBe(start);
    expect(applyEvent(start, event(6, "kds:ticket-new", { ticket: ticket("bar", "open", 1) }))).toBe("gap");
    const stale = applyEvent(start, event(5, "kds:ticket-updated", { ticket: ticket("grill", "open", 1) }));
    if (stale === "gap") throw new Error("no gap expected");
    expect(stale.tickets[0]?.version).toBe(2);
  });

  it("keeps what it had on a recovery and replaces it on a reset", () => {
    const recovered = subscribed(start, { type: "subscribed", channel: "order:o1", epoch: "e", seq: 4, recovery: "recovered" });
    expect(recovered.tickets).toHaveLength(2);
    const reset = subscribed(start, { type: "subscribed", channel: "order:o1", epoch: "f", seq: 9, recovery: "reset", snapshot: { tickets: [], order } });
    expect(reset.tickets).toHaveLength(0);
    expect(reset.cursor).toEqual({ epoch: "f", seq: 9 });
  });

  it("names the stages a guest understands and lists only the live food", () => {
    expect(stageOf({ ...order, status: "confirmed" })).toBe("received");
    expect(stageOf({ ...order, status: "pending" }, [ticket("grill", "open", 1)])).toBe("received");
    expect(stageOf({ ...order, status: "pending" }, [ticket("grill", "bumped", 2), ticket("fry", "open", 1)])).toBe("preparing");
    expect(stageOf({ ...order, status: "completed" })).toBe("served");
    expect(itemsOf(order)).toEqual([{ name: "Burger", qty: 2 }]);
  });

  it("follows a table's party: orders posted later are drawn from their tickets, and one moved away leaves", () => {
    const party = subscribed(NOTHING_YET, {
      type: "subscribed",
      channel: "session:s1",
      epoch: "e",
      seq: 2,
      recovery: "fresh",
      snapshot: { tickets: [ticket("grill", "open", 1)], orders: [{ ...order, tableSession: "s1", status: "pending" }] },
    });
    const grilled = { ...ticket("grill", "open", 1, "o2", "42"), items: [{ id: "x", name: "Steak", qty: 1, modifiers: [], allergens: [], course: 1, status: "pending", held: false }] };
    const posted = applyEvent(party, event(3, "order:created", { orderId: "o2", tickets: [grilled] }, "session:s1"));
    if (posted === "gap") throw new Error("no gap expected");
    const ready = applyEvent(posted, event(4, "order:status", { orderId: "o2", status: "ready", previousStatus: "pending" }, "session:s1"));
    if (ready === "gap") throw new Error("no gap expected");
    expect(ordersOf(ready)).toEqual([
      { id: "o1", number: "41", stage: "received", stations: [{ station: "grill", state: "cooking" }], items: [{ name: "Burger", qty: 2 }] },
      { id: "o2", number: "42", stage: "ready", stations: [{ station: "grill", state: "cooking" }], items: [{ name: "Steak", qty: 1 }] },
    ]);
    const moved = applyEvent(ready, event(5, "order:updated", { ...order, table: "T9", tableSession: "s2" }, "session:s1"));
    if (moved === "gap") throw new Error("no gap expected");
    expect(ordersOf(moved).map((v) => v.number)).toEqual(["42"]);
    // On an order's own channel the same update is simply the order now.
    const own = applyEvent(start, event(5, "order:updated", { ...order, table: "T9", tableSession: "s2" }));
    if (own === "gap") throw new Error("no gap expected");
    expect(own.orders[0]?.table).toBe("T9");
  });

  it("backs off from half a second to eight, with jitter", () => {
    expect(backoffMs(0, () => 0)).toBe(250);
    expect(backoffMs(0, () => 1)).toBe(500);
    expect(backoffMs(10, () => 1)).toBe(8000);
  });
});
