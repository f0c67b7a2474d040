import { describe, expect, it } from "vitest";
import { actionForKey, DEFAULT_KEYMAP, invertKeymap, moveSelection, selectPosition } from "./keymap";

describe("bump-bar key map", () => {
  it("maps the default keys to their actions", () => {
    const keys = invertKeymap(DEFAULT_KEYMAP);
    expect(actionForKey(keys, "Enter")).toBe("bump");
    expect(actionForKey(keys, "ArrowRight")).toBe("select_next");
    expect(actionForKey(keys, "3")).toBe("select_3");
    expect(actionForKey(keys, "R")).toBe("recall");
    expect(actionForKey(keys, "x")).toBeNull();
  });

  it("follows a configured map and ignores unknown actions", () => {
    const keys = invertKeymap({ ...DEFAULT_KEYMAP, bump: "F1", explode: "z" });
    expect(actionForKey(keys, "F1")).toBe("bump");
    expect(actionForKey(keys, "Enter")).toBeNull();
    expect(actionForKey(keys, "z")).toBeNull();
  });

  it("selects by position and moves within the rail", () => {
    expect(selectPosition("select_1")).toBe(0);
    expect(selectPosition("select_9")).toBe(8);
    expect(selectPosition("bump")).toBeNull();
    expect(moveSelection(0, -1, 5)).toBe(0);
    expect(moveSelection(4, 1, 5)).toBe(4);
    expect(moveSelection(2, 1, 5)).toBe(3);
    expect(moveSelection(3, 1, 0)).toBe(0);
  });
});
