import { describe as group, expect, it } from "vitest";
import type { RecordEntry } from "../../src/lib/bindings/RecordEntry";
import type { ServiceReport } from "../../src/lib/bindings/ServiceReport";
import { actor, busyHours, dayFromInput, dayInputValue, describe, duration, hourLabel, localDay, perHour, positionAt, stationsOf } from "./report";

const H = 3_600_000;

function report(hours: [string, number][]): ServiceReport {
  const figures = (station: string, startMs: number) => ({ station, startMs, tickets: 1, late: 0, items: 1, voidedItems: 0, recalls: 0 });
  return {
    fromMs: 0,
    toMs: 24 * H,
    tzOffsetMin: 90,
    totals: [figures("fry", 0), figures("grill", 0), figures("*", 0)],
    days: [],
    hours: hours.map(([station, start]) => figures(station, start)),
    serve: { startMs: 0, served: 0 },
    serveHours: [],
    lateAfterMin: [],
  };
}

function entry(atMs: number, extra: Partial<RecordEntry> = {}): RecordEntry {
  return { id: atMs, atMs, kind: "kds:ticket-bumped", ticketId: "o:grill", orderNumber: "41", ...extra };
}

group("the admin page's reports", () => {
  it("reads durations as minutes and seconds", () => {
    expect(duration(412_400)).toBe("6:52");
    expect(duration(59_600)).toBe("1:00");
    expect(duration(undefined)).toBe("—");
  });

  it("asks for a whole local day", () => {
    const day = localDay(new Date(2026, 11, 6, 15, 30).getTime());
    expect(new Date(day.from).getHours()).toBe(0);
    expect(new Date(day.to).getDate()).toBe(7);
    expect(day.tzOffsetMin).toBe(-new Date(day.from).getTimezoneOffset());
    expect(dayFromInput(dayInputValue(day.from))).toBe(day.from);
    expect(dayFromInput("6/12/2026")).toBeNull();
  });

  it("lists the stations with the kitchen last and lines hours up", () => {
    // Hours cut at half past with a +01:30 offset.
    const r = report([["grill", 10.5 * H], ["grill", 12.5 * H], ["fry", 11.5 * H]]);
    expect(stationsOf(r)).toEqual(["fry", "grill", "*"]);
    const hours = busyHours(r);
    expect(hours).toEqual([10.5 * H, 11.5 * H, 12.5 * H]);
    expect(perHour(r, "grill", hours).map((h) => h?.startMs ?? null)).toEqual([10.5 * H, null, 12.5 * H]);
    expect(hourLabel(10.5 * H, 90)).toBe("12:00");
  });

  it("places the recorder's slider after every event up to an instant", () => {
    const entries = [entry(10), entry(20), entry(20), entry(30)];
    expect(positionAt(entries, 5)).toBe(0);
    expect(positionAt(entries, 20)).toBe(3);
    expect(positionAt(entries, 99)).toBe(4);
  });

  it("says what happened and who did it", () => {
    expect(describe(entry(1))).toBe("#41 bumped");
    expect(describe(entry(1, { kind: "kds:item-bumped", item: "Burger" }))).toBe("#41 Burger done");
    expect(actor(entry(1, { by: "abc", deviceName: "Grill 1", deviceRole: "kds" }))).toBe("Grill 1 (kds)");
    expect(actor(entry(1, { by: "till-2" }))).toBe("till-2");
    expect(actor(entry(1))).toBe("the hub");
  });
});
