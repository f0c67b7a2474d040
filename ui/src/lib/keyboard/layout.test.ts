import { describe, expect, it } from "vitest";
import { label, press, rows, type Edit } from "./layout";

const at = (value: string, caret = value.length): Edit => ({ value, start: caret, end: caret });

describe("the on-screen keyboard", () => {
  it("types an address at the caret", () => {
    let edit = at("");
    for (const char of "192.168.1.10:7070") edit = press(edit, { kind: "char", char });
    expect(edit).toEqual(at("192.168.1.10:7070"));
    expect(press(at("1910", 2), { kind: "char", char: "2" })).toEqual(at("19210", 3));
  });

  it("deletes before the caret, or the selection", () => {
    expect(press(at("abc"), { kind: "backspace" })).toEqual(at("ab"));
    expect(press(at("abc", 0), { kind: "backspace" })).toEqual(at("abc", 0));
    expect(press({ value: "abcdef", start: 1, end: 4 }, { kind: "backspace" })).toEqual(at("aef", 1));
    expect(press({ value: "abcdef", start: 1, end: 4 }, { kind: "char", char: "X" })).toEqual(at("aXef", 2));
  });

  it("keeps to the field's length and to the text's bounds", () => {
    expect(press(at("abc"), { kind: "char", char: "d" }, 3)).toEqual(at("abc"));
    expect(press({ value: "ab", start: 9, end: 12 }, { kind: "char", char: "c" })).toEqual(at("abc"));
  });

  it("has every character of an address and a host name, and shift for capitals", () => {
    const chars = rows(false).flat().map(label).join("");
    for (const needed of "0123456789abcdefghijklmnopqrstuvwxyz.:/-_") expect(chars).toContain(needed);
    expect(rows(true).flat().map(label).join("")).toContain("Q");
    expect(rows(false).at(-1)?.map((k) => k.kind)).toEqual(["shift", "space", "backspace", "done"]);
  });
});
