// The interface between the views and whatever hosts them (the Tauri shell, or a fake
// in a plain browser and in tests). Views depend on this, never on @tauri-apps/*.
import type { ScreenState } from "../bindings/ScreenState";

export interface Backend {
  /** The state as it is now (cached tickets are there before the hub answers). */
  initialState(): Promise<ScreenState>;
  /** Calls `onState` with every new state; resolves to an unsubscribe function. */
  onState(onState: (state: ScreenState) => void): Promise<() => void>;
  bump(ticketId: string): Promise<void>;
  recall(ticketId: string): Promise<void>;
}
