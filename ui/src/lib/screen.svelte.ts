// The screen's state for the views: the engine's latest ScreenState plus a ticking
// hub clock. Only timer text depends on `now`, so a tick redraws timers, not cards.
import type { Backend } from "./backend";
import type { ScreenState } from "./bindings/ScreenState";
import { railOrder } from "./tickets/card";
import { DEFAULT_THRESHOLDS, hubNow, type Thresholds } from "./tickets/timer";

export class Screen {
  state = $state<ScreenState | null>(null);
  localNow = $state(Date.now());
  error = $state<string | null>(null);
  thresholds = $state<Thresholds>(DEFAULT_THRESHOLDS);

  tickets = $derived(this.state ? railOrder(this.state.tickets) : []);
  now = $derived(hubNow(this.localNow, this.state?.clockOffsetMs ?? 0));

  #backend: Backend;
  #stop: Array<() => void> = [];

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  async start(): Promise<void> {
    // Listen first, then read: a state emitted in between is not lost.
    this.#stop.push(await this.#backend.onState((state) => (this.state = state)));
    const [initial, settings] = await Promise.all([this.#backend.initialState(), this.#backend.uiSettings()]);
    this.thresholds = settings.thresholds;
    this.state ??= initial;
    const timer = setInterval(() => (this.localNow = Date.now()), 1000);
    this.#stop.push(() => clearInterval(timer));
  }

  stop(): void {
    for (const stop of this.#stop.splice(0)) stop();
  }

  async bump(ticketId: string): Promise<void> {
    try {
      await this.#backend.bump(ticketId);
      this.error = null;
    } catch (error) {
      this.error = `Could not bump: ${String(error)}`;
    }
  }

  async recall(ticketId: string): Promise<void> {
    try {
      await this.#backend.recall(ticketId);
      this.error = null;
    } catch (error) {
      this.error = `Could not recall: ${String(error)}`;
    }
  }
}
