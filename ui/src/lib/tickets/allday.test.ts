import { describe, expect, it } from "vitest";
import { sampleTicket } from "../backend/fake";
import { allDay } from "./allday";

describe("all-day counts", () => {
  it("adds up pending items across open tickets, most first", () => {
    // Each sample ticket has 2× Cheeseburger and 1× Fries.
    const tickets = [sampleTicket("1", 1), sampleTicket("2", 2), sampleTicket("3", 3)];
    expect(allDay(tickets)).toEqual([
      { name: "Cheeseburger", qty: 6 },
      { name: "Fries", qty: 3 },
    ]);
  });

  it("leaves out done, voided and held items and closed tickets", () => {
    const base = sampleTicket("1", 1);
    const [burger, fries] = base.items as [typeof base.items[0], typeof base.items[0]];
    const mixed = { ...base, items: [{ ...burger, status: "done" as const }, { ...fries, held: true }] };
    const voided = { ...sampleTicket("2", 1), items: [{ ...burger, status: "voided" as const }, fries] };
    const bumped = { ...sampleTicket("3", 1), status: "bumped" as const };
    expect(allDay([mixed, voided, bumped])).toEqual([{ name: "Fries", qty: 1 }]);
  });
});
