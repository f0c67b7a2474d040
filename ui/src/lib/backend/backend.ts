// The interface between the views and whatever hosts them (the Tauri shell, or a fake
// in a plain browser and in tests). Views depend on this, never on @tauri-apps/*.
import type { AppMode } from "../bindings/AppMode";
import type { Board } from "../bindings/Board";
import type { FoundHub } from "../bindings/FoundHub";
import type { PairCode } from "../bindings/PairCode";
import type { ScreenState } from "../bindings/ScreenState";
import type { Status } from "../bindings/Status";
import type { SettingsForm } from "../bindings/SettingsForm";
import type { UiSettings } from "../bindings/UiSettings";
import type { Device } from "../bindings/Device";
import type { PairApproval } from "../bindings/PairApproval";
import type { PendingPair } from "../bindings/PendingPair";

export interface Backend {
  /** Paired (the engine runs) or not, and what the pairing screen offers. */
  appMode(): Promise<AppMode>;
  /** Hubs heard on the network (mDNS) in a couple of seconds of listening. */
  discoverHubs(): Promise<FoundHub[]>;
  /** Asks the hub for a pairing code; `onPaired` follows the manager's approval. */
  pairStart(hubUrl: string, name: string): Promise<PairCode>;
  /** Calls `onPaired` once the screen is paired and its engine runs. */
  onPaired(onPaired: () => void): Promise<() => void>;
  /** Calls `onFailed` with the reason when a code expires or the hub refuses. */
  onPairingFailed(onFailed: (reason: string) => void): Promise<() => void>;
  /** The state as it is now (cached tickets are there before the hub answers). */
  initialState(): Promise<ScreenState>;
  /** Timer colours and the bump-bar key map from the screen's configuration. */
  uiSettings(): Promise<UiSettings>;
  /** Calls `onBoard` with every new board (the tickets); resolves to an unsubscribe function. */
  onBoard(onBoard: (board: Board) => void): Promise<() => void>;
  /** Calls `onStatus` with every new status (link, clock, pending actions): frequent and small. */
  onStatus(onStatus: (status: Status) => void): Promise<() => void>;
  bump(ticketId: string): Promise<void>;
  bumpItem(ticketId: string, itemId: string): Promise<void>;
  /** Takes back an item bump: the item is to cook again. */
  recallItem(ticketId: string, itemId: string): Promise<void>;
  /** Confirms the POS's changes to a ticket, for every screen of its station. */
  acknowledgeChanges(ticketId: string): Promise<void>;
  recall(ticketId: string): Promise<void>;
  /** Expo: the order leaves the pass. */
  serve(orderId: string): Promise<void>;
  /** Expo: takes a serve back (undo). */
  unserve(orderId: string): Promise<void>;
  /** Expo: marks an order rush, or not. */
  setRush(orderId: string, rush: boolean): Promise<void>;
  /** Expo: fires a course the POS held. */
  fireCourse(orderId: string, course: number): Promise<void>;
  /** True when `pin` opens settings (always true when no PIN is set). */
  verifyPin(pin: string): Promise<boolean>;
  /** Saves settings; resolves to what applies now. */
  saveSettings(pin: string, form: SettingsForm): Promise<UiSettings>;
  /** Expo: codes of screens waiting to be paired (the settings PIN must be set). */
  waitingPairings(pin: string): Promise<PendingPair[]>;
  /** Expo: approves a kitchen screen's code; rejects with the hub's reason. */
  approvePairing(pin: string, approval: PairApproval): Promise<Device>;
  restartApp(pin: string): Promise<void>;
  exitApp(pin: string): Promise<void>;
  /** Calls `onRequest` when someone tries to close the kiosk window. */
  onExitRequested(onRequest: () => void): Promise<() => void>;
}
