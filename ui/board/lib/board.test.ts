import { describe, expect, it } from "vitest";
import type { BoardEntry } from "../../src/lib/bindings/BoardEntry";
import type { Envelope } from "../../src/lib/bindings/Envelope";
import { applyEvent, columns, EMPTY, newlyReady, readyMinutes, subscribed } from "./board";

function entry(number: string, status: BoardEntry["status"], atMs: number): BoardEntry {
  return { orderId: `o${number}`, number, orderType: "takeout", status, atMs };
}

function event(seq: number, data: BoardEntry): Envelope {
  return { channel: "board:demo", seq, id: `e${seq}`, ts: seq, type: "board:order", data };
}

describe("the pickup board", () => {
  const start = subscribed(EMPTY, {
    type: "subscribed",
    channel: "board:demo",
    epoch: "e",
    seq: 3,
    recovery: "fresh",
    snapshot: { tickets: [], board: [entry("12", "preparing", 100), entry("11", "ready", 50)] },
  });

  it("moves an order to ready and off when it is collected", () => {
    const ready = applyEvent(start, event(4, entry("12", "ready", 200)));
    if (ready === "gap") throw new Error("no gap expected");
    expect(newlyReady(start, ready)).toEqual(["12"]);
    expect(columns(ready, 300, 60_000).ready.map((e) => e.number)).toEqual(["11", "12"]);
    const gone = applyEvent(ready, event(5, entry("11", "gone", 300)));
    if (gone === "gap") throw new Error("no gap expected");
    expect(columns(gone, 300, 60_000)).toEqual({ preparing: [], ready: [entry("12", "ready", 200)] });
  });

  it("lets a ready order go after it has waited the set time", () => {
    expect(columns(start, 50 + 59_999, 60_000).ready).toHaveLength(1);
    expect(columns(start, 50 + 60_000, 60_000).ready).toHaveLength(0);
  });

  it("asks again after a gap and ignores what it has", () => {
    expect(applyEvent(start, event(5, entry("13", "preparing", 1)))).toBe("gap");
    expect(applyEvent(start, event(3, entry("13", "preparing", 1)))).toBe(start);
  });

  it("reads how long ready orders stay up from its address", () => {
    expect(readyMinutes("?ready=3")).toBe(3);
    expect(readyMinutes("?ready=0.5")).toBe(0.5);
    expect(readyMinutes("?ready=-1")).toBe(10);
    expect(readyMinutes("")).toBe(10);
  });
});
