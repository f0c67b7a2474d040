// The only module that talks to the Tauri host.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { AppMode } from "../bindings/AppMode";
import type { BoardPatch } from "../bindings/BoardPatch";
import type { FoundHub } from "../bindings/FoundHub";
import type { PairCode } from "../bindings/PairCode";
import type { ScreenState } from "../bindings/ScreenState";
import type { Status } from "../bindings/Status";
import type { SettingsForm } from "../bindings/SettingsForm";
import type { UiSettings } from "../bindings/UiSettings";
import type { Device } from "../bindings/Device";
import type { PairApproval } from "../bindings/PairApproval";
import type { PendingPair } from "../bindings/PendingPair";
import type { Backend } from "./backend";
import { BoardFeed } from "./boardPatch";

/** The events the shell emits with each new board (as a patch) and each new Status. */
export const BOARD_EVENT = "screen-board";
export const STATUS_EVENT = "screen-status";

export const tauriBackend: Backend = {
  appMode: () => invoke<AppMode>("app_mode"),
  discoverHubs: () => invoke<FoundHub[]>("discover_hubs"),
  pairStart: (hubUrl, name) => invoke<PairCode>("pair_start", { hubUrl, name }),
  onPaired: (onPaired) => listen("paired", () => onPaired()),
  onPairingFailed: (onFailed) => listen<string>("pairing-failed", (event) => onFailed(event.payload)),
  initialState: () => invoke<ScreenState>("screen_state"),
  uiSettings: () => invoke<UiSettings>("ui_settings"),
  onBoard: async (onBoard) => {
    // Patches apply in order; one made against a board this window missed (or that
    // came before the first whole board) asks for the whole board again.
    const feed = new BoardFeed(onBoard);
    const resync = async () => {
      feed.apply(await invoke<BoardPatch>("board_now"));
    };
    const stop = await listen<BoardPatch>(BOARD_EVENT, (event) => {
      if (!feed.apply(event.payload)) void resync();
    });
    await resync();
    return stop;
  },
  onStatus: (onStatus) => listen<Status>(STATUS_EVENT, (event) => onStatus(event.payload)),
  bump: (ticketId) => invoke<void>("bump", { ticketId }),
  bumpItem: (ticketId, itemId) => invoke<void>("bump_item", { ticketId, itemId }),
  recallItem: (ticketId, itemId) => invoke<void>("recall_item", { ticketId, itemId }),
  acknowledgeChanges: (ticketId) => invoke<void>("acknowledge_changes", { ticketId }),
  recall: (ticketId) => invoke<void>("recall", { ticketId }),
  serve: (orderId) => invoke<void>("serve", { orderId }),
  unserve: (orderId) => invoke<void>("unserve", { orderId }),
  setRush: (orderId, rush) => invoke<void>("set_rush", { orderId, rush }),
  fireCourse: (orderId, course) => invoke<void>("fire_course", { orderId, course }),
  verifyPin: (pin) => invoke<boolean>("verify_pin", { pin }),
  saveSettings: (pin, form: SettingsForm) => invoke<UiSettings>("save_settings", { pin, form }),
  waitingPairings: (pin) => invoke<PendingPair[]>("waiting_pairings", { pin }),
  approvePairing: (pin, approval) => invoke<Device>("approve_pairing", { pin, approval }),
  restartApp: (pin) => invoke<void>("restart_app", { pin }),
  exitApp: (pin) => invoke<void>("exit_app", { pin }),
  onExitRequested: (onRequest) => listen("exit-requested", () => onRequest()),
};
