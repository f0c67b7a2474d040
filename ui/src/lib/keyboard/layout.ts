// The on-screen keyboard's keys and what each does to a text field: a kiosk has no
// physical keyboard, so every text field is typed through this. Pure, so it is tested
// without a window.

/** A key: a character to insert, or one of the editing actions. */
export type Key = { kind: "char"; char: string } | { kind: "backspace" } | { kind: "shift" } | { kind: "space" } | { kind: "done" };

/** Rows of characters; shift gives the upper-case letters. Digits and the punctuation
 * of addresses (`.`, `:`, `/`, `-`, `_`) are always one tap away. */
const ROWS = ["1234567890", "qwertyuiop", "asdfghjkl:", "zxcvbnm./-_"];

/** The keyboard's rows as keys, with the editing keys on the last row. */
export function rows(shifted: boolean): Key[][] {
  const chars = ROWS.map((row) => [...row].map((c): Key => ({ kind: "char", char: shifted ? c.toUpperCase() : c })));
  return [...chars, [{ kind: "shift" }, { kind: "space" }, { kind: "backspace" }, { kind: "done" }]];
}

/** A field's text and caret (selection) as the keyboard edits it. */
export interface Edit {
  value: string;
  start: number;
  end: number;
}

/** The field after a key press; the caret follows what was typed. `maxLength` bounds
 * the text as the field's own attribute would. */
export function press(edit: Edit, key: Key, maxLength = Infinity): Edit {
  const start = Math.max(0, Math.min(edit.start, edit.value.length));
  const end = Math.max(start, Math.min(edit.end, edit.value.length));
  const insert = (text: string): Edit => {
    const value = edit.value.slice(0, start) + text + edit.value.slice(end);
    if (value.length > maxLength) return { value: edit.value, start, end };
    return { value, start: start + text.length, end: start + text.length };
  };
  switch (key.kind) {
    case "char":
      return insert(key.char);
    case "space":
      return insert(" ");
    case "backspace":
      if (start !== end) return { value: edit.value.slice(0, start) + edit.value.slice(end), start, end: start };
      if (start === 0) return { value: edit.value, start, end };
      return { value: edit.value.slice(0, start - 1) + edit.value.slice(end), start: start - 1, end: start - 1 };
    case "shift":
    case "done":
      return { value: edit.value, start, end };
  }
}

/** The label a key shows. */
export function label(key: Key): string {
  switch (key.kind) {
    case "char":
      return key.char;
    case "backspace":
      return "⌫";
    case "shift":
      return "⇧";
    case "space":
      return "␣";
    case "done":
      return "✓";
  }
}
