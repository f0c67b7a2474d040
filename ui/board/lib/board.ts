// What the pickup board shows, built from the hub's snapshot of `board:<location>` and
// the events after it: takeout, pickup and delivery orders still preparing or ready.
// Pure: the link feeds it, the page draws it.
import type { BoardEntry } from "../../src/lib/bindings/BoardEntry";
import type { Control } from "../../src/lib/bindings/Control";
import type { Cursor } from "../../src/lib/bindings/Cursor";
import type { Envelope } from "../../src/lib/bindings/Envelope";

export interface Board {
  entries: BoardEntry[];
  cursor: Cursor | null;
}

export const EMPTY: Board = { entries: [], cursor: null };

type Subscribed = Extract<Control, { type: "subscribed" }>;

export function subscribed(board: Board, message: Subscribed): Board {
  const cursor = { epoch: message.epoch, seq: message.seq };
  if (!message.snapshot) return { ...board, cursor };
  return { entries: message.snapshot.board ?? [], cursor };
}

/** One event; `"gap"` when one was missed. Entries that are gone leave the board. */
export function applyEvent(board: Board, envelope: Envelope): Board | "gap" {
  if (!board.cursor) return "gap";
  if (envelope.seq <= board.cursor.seq) return board;
  if (envelope.seq !== board.cursor.seq + 1) return "gap";
  const cursor = { ...board.cursor, seq: envelope.seq };
  if (envelope.type !== "board:order") return { ...board, cursor };
  const entry = envelope.data;
  const others = board.entries.filter((e) => e.orderId !== entry.orderId);
  const entries = entry.status === "gone" ? others : [...others, entry];
  return { entries, cursor };
}

/** The two columns at `nowMs` (hub time): oldest first in each; a ready order leaves
 * once it has waited `readyMs` without being collected. */
export function columns(board: Board, nowMs: number, readyMs: number): { preparing: BoardEntry[]; ready: BoardEntry[] } {
  const byTime = (a: BoardEntry, b: BoardEntry) => a.atMs - b.atMs || a.number.localeCompare(b.number);
  return {
    preparing: board.entries.filter((e) => e.status === "preparing").sort(byTime),
    ready: board.entries.filter((e) => e.status === "ready" && nowMs - e.atMs < readyMs).sort(byTime),
  };
}

/** Orders that turned ready between two boards, for the chime. */
export function newlyReady(before: Board, after: Board): string[] {
  const wasReady = new Set(before.entries.filter((e) => e.status === "ready").map((e) => e.orderId));
  return after.entries.filter((e) => e.status === "ready" && !wasReady.has(e.orderId)).map((e) => e.number);
}

/** Minutes a ready order stays up, from the page's address (`?ready=10`); 10 if absent
 * or not a positive number. */
export function readyMinutes(search: string): number {
  const value = Number(new URLSearchParams(search).get("ready"));
  return Number.isFinite(value) && value > 0 ? value : 10;
}
