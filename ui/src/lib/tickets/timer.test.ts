import { describe, expect, it } from "vitest";
import { elapsedMs, formatElapsed, hubNow, urgency } from "./timer";

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
