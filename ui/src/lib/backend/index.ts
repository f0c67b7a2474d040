import type { Backend } from "./backend";
import { FakeBackend } from "./fake";
import { tauriBackend } from "./tauri";

export type { Backend } from "./backend";

/** The Tauri host when running inside the app, a fake one in a plain browser. */
export function pickBackend(): Backend {
  return "__TAURI_INTERNALS__" in window ? tauriBackend : new FakeBackend();
}
