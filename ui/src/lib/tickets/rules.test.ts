import { describe, expect, it } from "vitest";
import cases from "../bindings/ticketRules.json";
import type { ItemStatus } from "../bindings/ItemStatus";
import { flagsChanges, isToCook, itemTap } from "./rules";

describe("the ticket rules", () => {
  it("agree with the hub's and the engine's rule on every case it wrote", () => {
    expect(cases.toCook.length).toBeGreaterThan(0);
    for (const { status, held, toCook } of cases.toCook) {
      expect(isToCook({ status: status as ItemStatus, held }), `${status}, held ${held}`).toBe(toCook);
    }
  });

  it("flag a ticket's changes as the hub does until a cook confirms them", () => {
    expect(cases.flagsChanges.length).toBeGreaterThan(0);
    for (const { status, added, changesAcknowledged, flagsChanges: expected } of cases.flagsChanges) {
      const ticket = { items: [{ status: status as ItemStatus, added }], changesAcknowledged };
      expect(flagsChanges(ticket), JSON.stringify(ticket)).toBe(expected);
    }
  });

  it("let a tap bump a dish to cook and take back a bumped one, and nothing else", () => {
    expect(itemTap({ status: "pending", held: false })).toBe("bump");
    expect(itemTap({ status: "done", held: false })).toBe("recall");
    expect(itemTap({ status: "pending", held: true })).toBe(null);
    expect(itemTap({ status: "voided", held: false })).toBe(null);
  });
});
