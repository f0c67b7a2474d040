import { describe, expect, it } from "vitest";
import { MESSAGES, translate, type Key } from "./i18n.svelte";

describe("translations", () => {
  it("have every key in every language, with the same placeholders", () => {
    const keys = Object.keys(MESSAGES.en) as Key[];
    expect(Object.keys(MESSAGES.es).sort()).toEqual([...keys].sort());
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of keys) {
      expect(placeholders(MESSAGES.es[key]), key).toEqual(placeholders(MESSAGES.en[key]));
    }
  });

  it("fill placeholders", () => {
    expect(translate("en", "status.open", { count: 3 })).toBe("3 open");
    expect(translate("es", "link.offline", { time: "12:03" })).toBe("Sin conexión desde las 12:03");
    expect(translate("es", "undo.bumped", { number: "42" })).toBe("Marcado #42");
  });
});
