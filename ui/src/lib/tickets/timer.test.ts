import { describe, expect, it } from "vitest";
import { elapsedMs, formatElapsed, hubNow, urgency, thresholdsFor, type TimerRules } from "./timer";

describe("formatElapsed", () => {
  it("shows minutes and zero-padded seconds", () => {
    expect(formatElapsed(0)).toBe("0:00");
    expect(formatElapsed(9_999)).toBe("0:09");
    expect(formatElapsed(65_000)).toBe("1:05");
    expect(formatElapsed(59 * 60_000 + 59_000)).toBe("59:59");
  });
  it("adds hours past an hour", () => {
    expect(formatElapsed(3_600_000)).toBe("1:00:00");
    expect(formatElapsed(3_600_000 + 61_000)).toBe("1:01:01");
  });
  it("never shows negative time", () => {
    expect(formatElapsed(-5_000)).toBe("0:00");
  });
});

describe("urgency", () => {
  it("turns yellow at 5 minutes and red at 10 by default", () => {
    expect(urgency(4 * 60_000 + 59_999)).toBe("fresh");
    expect(urgency(5 * 60_000)).toBe("warn");
    expect(urgency(9 * 60_000 + 59_999)).toBe("warn");
    expect(urgency(10 * 60_000)).toBe("late");
  });
  it("follows configured thresholds", () => {
    const fast = { warnAfterMin: 2, lateAfterMin: 4 };
    expect(urgency(3 * 60_000, fast)).toBe("warn");
    expect(urgency(4 * 60_000, fast)).toBe("late");
  });
});

describe("hub clock", () => {
  it("times tickets on the hub's clock, not the kiosk's", () => {
    // The kiosk's clock is 10 minutes slow: the offset puts it right.
    const created = 1_000_000_000_000;
    const kioskNow = created + 60_000 - 600_000;
    expect(elapsedMs(created, hubNow(kioskNow, 600_000))).toBe(60_000);
    expect(elapsedMs(created, kioskNow)).toBe(0);
  });
});

describe("timer colours per order type and station", () => {
  const rules: TimerRules = {
    base: { warnAfterMin: 5, lateAfterMin: 10 },
    byOrderType: { "drive-thru": { warnAfterMin: 2, lateAfterMin: 4 } },
    byStation: { pastry: { warnAfterMin: 8, lateAfterMin: 15 }, fry: { warnAfterMin: 3, lateAfterMin: 6 } },
  };

  it("takes the order type's or the station's instead of the screen's", () => {
    expect(thresholdsFor(rules, "dine-in", "grill")).toEqual({ warnAfterMin: 5, lateAfterMin: 10 });
    expect(thresholdsFor(rules, "drive-thru", "grill")).toEqual({ warnAfterMin: 2, lateAfterMin: 4 });
    expect(thresholdsFor(rules, "dine-in", "pastry")).toEqual({ warnAfterMin: 8, lateAfterMin: 15 });
    expect(thresholdsFor(rules, "drive-thru")).toEqual({ warnAfterMin: 2, lateAfterMin: 4 });
  });

  it("takes the stricter of each when both apply", () => {
    expect(thresholdsFor(rules, "drive-thru", "pastry")).toEqual({ warnAfterMin: 2, lateAfterMin: 4 });
    expect(thresholdsFor({ ...rules, byOrderType: { takeout: { warnAfterMin: 2, lateAfterMin: 9 } } }, "takeout", "fry")).toEqual({
      warnAfterMin: 2,
      lateAfterMin: 6,
    });
    // Three minutes in: yellow for a drive-thru, still green at a table.
    expect(urgency(3 * 60_000, thresholdsFor(rules, "drive-thru", "grill"))).toBe("warn");
    expect(urgency(3 * 60_000, thresholdsFor(rules, "dine-in", "grill"))).toBe("fresh");
  });
});
