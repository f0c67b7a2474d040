import { describe, expect, it } from "vitest";
import cases from "../bindings/ticketRules.json";
import type { ItemStatus } from "../bindings/ItemStatus";
import { isToCook } from "./rules";

describe("the ticket rules", () => {
  it("agree with the hub's and the engine's rule on every case it wrote", () => {
    expect(cases.toCook.length).toBeGreaterThan(0);
    for (const { status, held, toCook } of cases.toCook) {
      expect(isToCook({ status: status as ItemStatus, held }), `${status}, held ${held}`).toBe(toCook);
    }
  });
});
