import { describe, expect, it } from "vitest";
import { clampPage, pageCount, pageOf } from "./pages";

describe("pages", () => {
  it("counts whole screens of columns", () => {
    expect(pageCount(1280, 1280)).toBe(1);
    expect(pageCount(1281, 1280)).toBe(1);
    expect(pageCount(1300, 1280)).toBe(2);
    expect(pageCount(3840, 1280)).toBe(3);
    expect(pageCount(0, 1280)).toBe(1);
  });

  it("finds the page of a column and keeps pages in range", () => {
    expect(pageOf(0, 1280)).toBe(0);
    expect(pageOf(1279, 1280)).toBe(1);
    expect(pageOf(2600, 1280)).toBe(2);
    expect(clampPage(5, 3)).toBe(2);
    expect(clampPage(-1, 3)).toBe(0);
  });
});
