import { describe, expect, it } from "vitest";
import { reasonOf } from "./api";
import { ago, deviceState, lagOf, newProfile, profileSummary, rulesFromText, rulesToText, stationsFrom, timersFromText, timersToText } from "./forms";

describe("the admin page's forms", () => {
  it("reads stations as typed", () => {
    expect(stationsFrom(" grill, fry  grill,,salad ")).toEqual(["grill", "fry", "salad"]);
    expect(stationsFrom("   ")).toEqual([]);
  });

  it("says whether a device is online, offline or removed", () => {
    expect(deviceState({ connections: 1, revokedAtMs: null })).toBe("online");
    expect(deviceState({ connections: 0, revokedAtMs: null })).toBe("offline");
    expect(deviceState({ connections: 2, revokedAtMs: 5 })).toBe("removed");
  });

  it("says how long ago", () => {
    const now = 10_000_000;
    expect(ago(null, now)).toBe("never");
    expect(ago(now - 5_000, now)).toBe("5 s ago");
    expect(ago(now - 180_000, now)).toBe("3 min ago");
    expect(ago(now - 7_200_000, now)).toBe("2 h ago");
  });

  it("shows the hub's reason for a refusal", () => {
    const refused = reasonOf(422, { type: "x", title: "Unprocessable Entity", status: 422, detail: "a kds screen needs at least one station", code: "INVALID" });
    expect(refused.message).toBe("a kds screen needs at least one station");
    expect(refused.code).toBe("INVALID");
    expect(reasonOf(502, null).message).toBe("the hub answered 502");
  });

  it("reads and writes routing rules one per line", () => {
    expect(rulesToText({ burgers: "grill", fries: "fry" })).toBe("burgers = grill\nfries = fry");
    expect(rulesFromText("burgers = grill\n\n  fish =sea \nbroken line\n= fry")).toEqual({ rules: { burgers: "grill", fish: "sea" }, bad: [4, 5] });
  });

  it("adds up how far behind a device is over its channels", () => {
    expect(lagOf({ channels: [] }).total).toBeNull();
    const lag = lagOf({ channels: [{ channel: "kds:grill", seq: 40, lag: 3 }, { channel: "kds:fry", seq: 12, lag: 0 }] });
    expect(lag.total).toBe(3);
    expect(lag.detail).toBe("kds:grill: at 40, 3 behind\nkds:fry: at 12, 0 behind");
  });

  it("starts a profile at a screen's defaults and sums it up", () => {
    const profile = newProfile("line");
    expect(profileSummary(profile)).toBe("yellow after 5 min, red after 10 min · en · dark · text ×1 · sound 100 %");
    expect(profileSummary({ ...profile, soundEnabled: false })).toContain("silent");
  });

  it("reads and writes timer overrides as warn / late minutes", () => {
    expect(timersToText({ "drive-thru": { warnAfterMin: 2, lateAfterMin: 4 } })).toBe("drive-thru = 2 / 4");
    expect(timersFromText("drive-thru = 2 / 4\n\nsalad=3/6.5\nfry = soon\n= 1 / 2")).toEqual({
      rules: { "drive-thru": { warnAfterMin: 2, lateAfterMin: 4 }, salad: { warnAfterMin: 3, lateAfterMin: 6.5 } },
      bad: [4, 5],
    });
  });
});
