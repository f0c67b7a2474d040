// Bump-bar keys: bump bars are USB keyboards, so every action is a key. The map comes
// from the screen's configuration (action → KeyboardEvent.key); this module turns a
// pressed key into an action.

export const ACTIONS = [
  "select_next",
  "select_previous",
  "bump",
  "bump_first",
  "recall",
  "page_next",
  "page_previous",
  "all_day",
  "undo",
  "expo_view",
  "select_1",
  "select_2",
  "select_3",
  "select_4",
  "select_5",
  "select_6",
  "select_7",
  "select_8",
  "select_9",
] as const;

export type Action = (typeof ACTIONS)[number];

/** The defaults of `crates/rail-engine/src/settings.rs`, for a browser without the app. */
export const DEFAULT_KEYMAP: Record<Action, string> = {
  select_next: "ArrowRight",
  select_previous: "ArrowLeft",
  bump: "Enter",
  bump_first: "b",
  recall: "r",
  page_next: "PageDown",
  page_previous: "PageUp",
  all_day: "a",
  undo: "u",
  expo_view: "e",
  select_1: "1",
  select_2: "2",
  select_3: "3",
  select_4: "4",
  select_5: "5",
  select_6: "6",
  select_7: "7",
  select_8: "8",
  select_9: "9",
};

function isAction(name: string): name is Action {
  return (ACTIONS as readonly string[]).includes(name);
}

/** Key → action, from an action → key map; unknown actions are ignored. */
export function invertKeymap(keymap: Record<string, string | undefined>): Map<string, Action> {
  const byKey = new Map<string, Action>();
  for (const [action, key] of Object.entries(keymap)) {
    if (key && isAction(action)) byKey.set(key.length === 1 ? key.toLowerCase() : key, action);
  }
  return byKey;
}

/** The action for a pressed key (letters match in either case), or null. */
export function actionForKey(byKey: Map<string, Action>, key: string): Action | null {
  return byKey.get(key.length === 1 ? key.toLowerCase() : key) ?? null;
}

/** The position a `select_N` action picks (0-based), or null for other actions. */
export function selectPosition(action: Action): number | null {
  const match = /^select_(\d)$/.exec(action);
  return match ? Number(match[1]) - 1 : null;
}

/** Moves a selection by `step` within `count` items, staying in range. */
export function moveSelection(current: number, step: number, count: number): number {
  if (count === 0) return 0;
  return Math.min(count - 1, Math.max(0, current + step));
}
