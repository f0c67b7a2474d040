// Bump-bar keys: bump bars are USB keyboards, so every action is a key. The map comes
// from the screen's configuration (action → KeyboardEvent.key); this module turns a
// pressed key into an action.
import defaults from "../bindings/defaults.json";
import type { KeyAction } from "../bindings/KeyAction";

/** Every action, with its default key, in the order settings list them: generated from
 * `crates/rail-engine/src/keys.rs` when `cargo test` runs, never copied by hand. */
const DEFAULTS: ReadonlyArray<readonly [KeyAction, string]> = defaults.keymap as [KeyAction, string][];

export const ACTIONS: readonly KeyAction[] = DEFAULTS.map(([action]) => action);

export type Action = KeyAction;

/** The defaults of the engine's key map, for a browser without the app. */
export const DEFAULT_KEYMAP: Record<Action, string> = Object.fromEntries(DEFAULTS) as Record<Action, string>;

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
