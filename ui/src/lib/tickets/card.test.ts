import { describe, expect, it } from "vitest";
import { sampleTicket } from "../backend/fake";
import { locale } from "../i18n.svelte";
import { connectionLabel, destination, isUnreadChit, itemsInCookingOrder, orderTypeLabel, railOrder, searchTickets } from "./card";

describe("ticket cards", () => {
  it("say where the food goes", () => {
    const ticket = sampleTicket("7", 1);
    expect(destination(ticket)).toBe("Table T4");
    expect(destination({ ...ticket, table: undefined, guest: "Noor" })).toBe("Noor");
    expect(destination({ ...ticket, table: undefined })).toBe("");
    expect(orderTypeLabel("drive-thru")).toBe("Drive-thru");
  });

  it("tell a chit shown as printed from an order", () => {
    const ticket = sampleTicket("7", 1);
    expect(isUnreadChit(ticket)).toBe(false);
    expect(isUnreadChit({ notes: "Printed chit, not read: no line looked like an item" })).toBe(true);
    expect(isUnreadChit({ notes: "birthday, candle please" })).toBe(false);
  });

  it("list pending items before done ones", () => {
    const ticket = sampleTicket("7", 1);
    const first = ticket.items[0]!;
    const done = { ...ticket, items: [{ ...first, status: "done" as const }, ...ticket.items.slice(1)] };
    expect(itemsInCookingOrder(done).map((i) => i.name)).toEqual(["Fries", "Cheeseburger"]);
  });

  it("list held courses after what cooks now", () => {
    const ticket = sampleTicket("7", 1);
    const first = ticket.items[0]!;
    const held = { ...ticket, items: [{ ...first, held: true }, ...ticket.items.slice(1)] };
    expect(itemsInCookingOrder(held).map((i) => i.name)).toEqual(["Fries", "Cheeseburger"]);
  });

  it("put rush tickets first, then the oldest", () => {
    const now = 10_000_000;
    const old = sampleTicket("1", 9, now);
    const recent = sampleTicket("2", 1, now);
    const rush = { ...sampleTicket("3", 0, now), rush: true };
    expect(railOrder([recent, rush, old]).map((t) => t.orderNumber)).toEqual(["3", "1", "2"]);
  });
});

describe("connection label", () => {
  it("says how long the screen has been offline and what waits", () => {
    const since = new Date(2026, 10, 23, 12, 3).getTime();
    expect(connectionLabel({ state: "offline", sinceMs: since }, 3)).toBe("Offline since 12:03 — 3 bumps waiting");
    expect(connectionLabel({ state: "offline", sinceMs: since }, 1)).toBe("Offline since 12:03 — 1 bump waiting");
    expect(connectionLabel({ state: "online", sinceMs: since }, 0)).toBe("Online");
  });

  it("speaks Spanish when asked", () => {
    const since = new Date(2026, 10, 23, 12, 3).getTime();
    locale.lang = "es";
    try {
      expect(connectionLabel({ state: "offline", sinceMs: since }, 2)).toBe("Sin conexión desde las 12:03 — 2 marcadas pendientes");
      expect(destination({ table: "T4" })).toBe("Mesa T4");
      expect(orderTypeLabel("takeout")).toBe("Para llevar");
    } finally {
      locale.lang = "en";
    }
  });
});

describe("search", () => {
  it("finds tickets by the start of their number", () => {
    const tickets = [sampleTicket("120", 1), sampleTicket("121", 1), sampleTicket("212", 1)];
    expect(searchTickets(tickets, "12").map((t) => t.orderNumber)).toEqual(["120", "121"]);
    expect(searchTickets(tickets, " ").length).toBe(3);
    expect(searchTickets(tickets, "9")).toEqual([]);
  });
});
