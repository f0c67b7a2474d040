import { describe, expect, it } from "vitest";
import type { Board } from "../bindings/Board";
import type { BoardPatch } from "../bindings/BoardPatch";
import { sampleTicket } from "./fake";
import { BoardFeed } from "./boardPatch";

function patch(base: number, seq: number, order: string[], changed: BoardPatch["changed"]): BoardPatch {
  return { base, seq, channels: ["kds:grill"], expo: false, order, changed, recent: [], orders: [], scheduled: [], alerts: [] };
}

describe("the board feed", () => {
  const a = sampleTicket("1", 3);
  const b = sampleTicket("2", 2);
  const c = sampleTicket("3", 1);

  it("keeps unchanged tickets as the same objects and drops the ones gone", () => {
    const boards: Board[] = [];
    const feed = new BoardFeed((board) => boards.push(board));
    expect(feed.apply(patch(0, 1, [a.id, b.id], [a, b]))).toBe(true);
    const bChanged = { ...b, rush: true };
    expect(feed.apply(patch(1, 2, [a.id, b.id, c.id], [bChanged, c]))).toBe(true);
    expect(boards[1]!.tickets[0]).toBe(boards[0]!.tickets[0]);
    expect(boards[1]!.tickets[1]).toBe(bChanged);
    expect(feed.apply(patch(2, 3, [b.id, c.id], []))).toBe(true);
    expect(boards[2]!.tickets.map((t) => t.orderNumber)).toEqual(["2", "3"]);
    expect(boards[2]!.tickets[1]).toBe(c);
    expect(feed.seq).toBe(3);
  });

  it("refuses a patch made against a board it missed, and ignores an older whole board", () => {
    const boards: Board[] = [];
    const feed = new BoardFeed((board) => boards.push(board));
    feed.apply(patch(0, 5, [a.id], [a]));
    expect(feed.apply(patch(6, 7, [a.id, b.id], [b]))).toBe(false);
    expect(feed.apply(patch(0, 4, [], []))).toBe(true);
    expect(boards).toHaveLength(1);
    expect(feed.apply(patch(0, 7, [a.id, b.id], [a, b]))).toBe(true);
    expect(boards[1]!.tickets).toHaveLength(2);
    expect(feed.apply(patch(7, 8, [a.id, "unknown"], []))).toBe(false);
  });
});
