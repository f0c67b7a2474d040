import { describe, expect, it } from "vitest";
import { sampleTicket } from "../backend/fake";
import { scheduledOrders, minutesUntil } from "./schedule";

describe("scheduled orders", () => {
  it("groups waiting tickets by order, soonest fire first", () => {
    const now = 1_000_000;
    const held = (number: string, station: string, fireAtMs: number) => ({
      ...sampleTicket(number, 0, now),
      id: `o${number}:${station}`,
      orderId: `o${number}`,
      station,
      status: "held" as const,
      dueAtMs: 9_000_000,
      fireAtMs,
    });
    const orders = scheduledOrders([held("51", "salad", 8_000_000), held("52", "grill", 3_000_000), held("51", "grill", 7_000_000)]);
    expect(orders.map((o) => o.orderNumber)).toEqual(["52", "51"]);
    expect(orders[1]?.stations).toEqual([
      { station: "grill", fireAtMs: 7_000_000 },
      { station: "salad", fireAtMs: 8_000_000 },
    ]);
    expect(orders[1]?.dueAtMs).toBe(9_000_000);
  });

  it("counts whole minutes to go, never below zero", () => {
    expect(minutesUntil(10 * 60_000 + 1, 0)).toBe(11);
    expect(minutesUntil(5 * 60_000, 0)).toBe(5);
    expect(minutesUntil(0, 60_000)).toBe(0);
  });
});
