// The only module that talks to the Tauri host.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { ScreenState } from "../bindings/ScreenState";
import type { SettingsForm } from "../bindings/SettingsForm";
import type { UiSettings } from "../bindings/UiSettings";
import type { Backend } from "./backend";

/** Name of the event the shell emits with each new ScreenState. */
export const STATE_EVENT = "screen-state";

export const tauriBackend: Backend = {
  initialState: () => invoke<ScreenState>("screen_state"),
  uiSettings: () => invoke<UiSettings>("ui_settings"),
  onState: (onState) => listen<ScreenState>(STATE_EVENT, (event) => onState(event.payload)),
  bump: (ticketId) => invoke<void>("bump", { ticketId }),
  bumpItem: (ticketId, itemId) => invoke<void>("bump_item", { ticketId, itemId }),
  recall: (ticketId) => invoke<void>("recall", { ticketId }),
  serve: (orderId) => invoke<void>("serve", { orderId }),
  verifyPin: (pin) => invoke<boolean>("verify_pin", { pin }),
  saveSettings: (pin, form: SettingsForm) => invoke<UiSettings>("save_settings", { pin, form }),
  restartApp: (pin) => invoke<void>("restart_app", { pin }),
  exitApp: (pin) => invoke<void>("exit_app", { pin }),
  onExitRequested: (onRequest) => listen("exit-requested", () => onRequest()),
};
