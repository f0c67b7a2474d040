// An in-memory backend for the browser (`npm run dev` without Tauri) and view tests.
import type { AppMode } from "../bindings/AppMode";
import type { Board } from "../bindings/Board";
import type { FoundHub } from "../bindings/FoundHub";
import type { PairCode } from "../bindings/PairCode";
import type { ScreenState } from "../bindings/ScreenState";
import type { Status } from "../bindings/Status";
import type { Ticket } from "../bindings/Ticket";
import type { SettingsForm } from "../bindings/SettingsForm";
import type { UiSettings } from "../bindings/UiSettings";
import { DEFAULT_KEYMAP } from "../keys/keymap";
import { isToCook } from "../tickets/rules";
import type { Device } from "../bindings/Device";
import type { PairApproval } from "../bindings/PairApproval";
import type { PendingPair } from "../bindings/PendingPair";
import type { Backend } from "./backend";

export function sampleTicket(number: string, minutesAgo: number, now = Date.now()): Ticket {
  return {
    id: `demo-${number}:grill`,
    orderId: `demo-${number}`,
    orderNumber: number,
    locationId: "demo",
    station: "grill",
    table: "T4",
    orderType: "dine-in",
    server: "Ana",
    createdAtMs: now - minutesAgo * 60_000,
    rush: false,
    status: "open",
    version: 1,
    changesAcknowledged: false,
    items: [
      { id: "1", name: "Cheeseburger", qty: 2, modifiers: ["no onion"], allergens: ["gluten"], course: 1, status: "pending", held: false, added: false },
      { id: "2", name: "Fries", qty: 1, modifiers: [], allergens: [], course: 1, status: "pending", held: false, added: false },
    ],
  };
}

export class FakeBackend implements Backend {
  state: ScreenState;
  private boardListeners = new Set<(board: Board) => void>();
  private statusListeners = new Set<(status: Status) => void>();

  constructor(tickets: Ticket[] = [sampleTicket("101", 2), sampleTicket("102", 7), sampleTicket("103", 12)]) {
    this.state = {
      channels: ["kds:grill"],
      expo: false,
      tickets,
      recent: [],
      connection: { state: "online", sinceMs: Date.now() },
      pendingActions: 0,
      rejections: [],
      orders: [],
      scheduled: [],
      alerts: [],
      clockOffsetMs: 0,
      profile: null,
    };
  }

  async initialState(): Promise<ScreenState> {
    return this.state;
  }

  /** The PIN this fake accepts. */
  pin = "1234";
  settings: UiSettings = {
    thresholds: { warnAfterMin: 5, lateAfterMin: 10 },
    timersByOrderType: { "drive-thru": { warnAfterMin: 2, lateAfterMin: 4 } },
    timersByStation: {},
    keymap: { ...DEFAULT_KEYMAP },
    pinSet: true,
    language: "en",
    theme: "dark",
    fontScale: 1,
    selectBeforeBump: false,
    form: {
      hubUrl: "http://127.0.0.1:7070",
      stations: ["grill"],
      expo: false,
      thresholds: { warnAfterMin: 5, lateAfterMin: 10 },
      soundEnabled: true,
      volume: 1,
      mutedCues: [],
      keymap: { ...DEFAULT_KEYMAP },
      language: "en",
      theme: "dark",
      fontScale: 1,
      selectBeforeBump: false,
      timersByOrderType: { "drive-thru": { warnAfterMin: 2, lateAfterMin: 4 } },
      timersByStation: {},
    },
  };

  async uiSettings(): Promise<UiSettings> {
    return this.settings;
  }

  async verifyPin(pin: string): Promise<boolean> {
    return pin === this.pin;
  }

  async saveSettings(pin: string, form: SettingsForm): Promise<UiSettings> {
    if (pin !== this.pin) throw new Error("wrong PIN");
    this.settings = {
      ...this.settings,
      thresholds: form.thresholds,
      timersByOrderType: form.timersByOrderType,
      timersByStation: form.timersByStation,
      language: form.language,
      theme: form.theme,
      fontScale: form.fontScale,
      selectBeforeBump: form.selectBeforeBump,
      form,
    };
    return this.settings;
  }

  /** Screens waiting to be paired, as the hub would list them. */
  waiting: PendingPair[] = [];

  async waitingPairings(pin: string): Promise<PendingPair[]> {
    if (pin !== this.pin) throw new Error("wrong PIN");
    return this.waiting;
  }

  async approvePairing(pin: string, approval: PairApproval): Promise<Device> {
    if (pin !== this.pin) throw new Error("wrong PIN");
    if (approval.role === "pos") throw new Error("the hub refused: an expo screen may pair kitchen screens (kds or expo), not a pos");
    const request = this.waiting.find((w) => w.code === approval.code.replace(/\D/g, ""));
    if (!request) throw new Error(`the hub refused: no screen is waiting with code "${approval.code}"`);
    this.waiting = this.waiting.filter((w) => w !== request);
    return {
      id: `device-${request.code}`,
      name: approval.name,
      role: approval.role,
      stations: approval.stations,
      pairedAtMs: Date.now(),
      lastSeenMs: null,
      address: request.address,
      appVersion: request.appVersion,
      connections: 0,
      revokedAtMs: null,
      profile: approval.profile ?? null,
      channels: [],
    };
  }

  async restartApp(): Promise<void> {}

  async exitApp(): Promise<void> {}

  async onExitRequested(): Promise<() => void> {
    return () => {};
  }

  /** How this fake started: paired unless a test says otherwise. */
  mode: AppMode = { paired: true, hubUrl: "http://127.0.0.1:7070", name: "line-pc-1", kiosk: false };
  private pairedListeners = new Set<() => void>();
  private failedListeners = new Set<(reason: string) => void>();

  async appMode(): Promise<AppMode> {
    return this.mode;
  }

  /** Hubs this fake "hears". */
  hubs: FoundHub[] = [{ name: "Rail hub on kitchen-pc (7070)", url: "https://192.168.1.10:7070", fingerprint: "1FA7 62FC", version: "0.1.0" }];

  async discoverHubs(): Promise<FoundHub[]> {
    return this.hubs;
  }

  /** Hands out code 483921; `approve()` or `fail()` finish the pairing. */
  async pairStart(hubUrl: string): Promise<PairCode> {
    if (hubUrl.trim() === "") throw new Error("type the hub's address");
    return { code: "483921", expiresAtMs: Date.now() + 10 * 60_000, hubFingerprint: null };
  }

  approve(): void {
    this.mode = { ...this.mode, paired: true };
    for (const listener of this.pairedListeners) listener();
  }

  fail(reason: string): void {
    for (const listener of this.failedListeners) listener(reason);
  }

  async onPaired(onPaired: () => void): Promise<() => void> {
    this.pairedListeners.add(onPaired);
    return () => this.pairedListeners.delete(onPaired);
  }

  async onPairingFailed(onFailed: (reason: string) => void): Promise<() => void> {
    this.failedListeners.add(onFailed);
    return () => this.failedListeners.delete(onFailed);
  }

  async onBoard(onBoard: (board: Board) => void): Promise<() => void> {
    this.boardListeners.add(onBoard);
    return () => this.boardListeners.delete(onBoard);
  }

  async onStatus(onStatus: (status: Status) => void): Promise<() => void> {
    this.statusListeners.add(onStatus);
    return () => this.statusListeners.delete(onStatus);
  }

  /** Replaces the state and tells the listeners, as the engine would: board and status apart. */
  set(state: ScreenState): void {
    this.state = state;
    const { channels, expo, tickets, recent, orders, scheduled, alerts, ...status } = state;
    for (const listener of this.boardListeners) listener({ channels, expo, tickets, recent, orders, scheduled, alerts });
    for (const listener of this.statusListeners) listener(status);
  }

  async bump(ticketId: string): Promise<void> {
    const ticket = this.state.tickets.find((t) => t.id === ticketId);
    if (!ticket) throw new Error(`no ticket ${ticketId}`);
    this.set({
      ...this.state,
      tickets: this.state.tickets.filter((t) => t.id !== ticketId),
      recent: [{ ...ticket, status: "bumped" as const, bumpedAtMs: Date.now() }, ...this.state.recent].slice(0, 20),
    });
  }

  async bumpItem(ticketId: string, itemId: string): Promise<void> {
    const ticket = this.state.tickets.find((t) => t.id === ticketId);
    if (!ticket) throw new Error(`no ticket ${ticketId}`);
    const items = ticket.items.map((i) => (i.id === itemId ? { ...i, status: "done" as const } : i));
    if (!items.some(isToCook)) return this.bump(ticketId);
    this.set({ ...this.state, tickets: this.state.tickets.map((t) => (t.id === ticketId ? { ...t, items } : t)) });
  }

  async recallItem(ticketId: string, itemId: string): Promise<void> {
    const ticket = [...this.state.tickets, ...this.state.recent].find((t) => t.id === ticketId);
    if (!ticket) throw new Error(`no ticket ${ticketId}`);
    const items = ticket.items.map((i) => (i.id === itemId && i.status === "done" ? { ...i, status: "pending" as const } : i));
    const reopened = { ...ticket, status: "open" as const, items };
    this.set({
      ...this.state,
      recent: this.state.recent.filter((t) => t.id !== ticketId),
      tickets: [...this.state.tickets.filter((t) => t.id !== ticketId), reopened].sort((a, b) => a.createdAtMs - b.createdAtMs),
    });
  }

  async acknowledgeChanges(ticketId: string): Promise<void> {
    this.set({ ...this.state, tickets: this.state.tickets.map((t) => (t.id === ticketId ? { ...t, changesAcknowledged: true } : t)) });
  }

  /** Orders served here, kept so an undo can bring them back. */
  private served: ScreenState["orders"] = [];

  async serve(orderId: string): Promise<void> {
    this.served.push(...this.state.orders.filter((o) => o.orderId === orderId));
    this.set({ ...this.state, orders: this.state.orders.filter((o) => o.orderId !== orderId) });
  }

  async unserve(orderId: string): Promise<void> {
    const back = this.served.filter((o) => o.orderId === orderId);
    this.served = this.served.filter((o) => o.orderId !== orderId);
    this.set({ ...this.state, orders: [...this.state.orders, ...back] });
  }

  async setRush(orderId: string, rush: boolean): Promise<void> {
    this.set({ ...this.state, orders: this.state.orders.map((o) => (o.orderId === orderId ? { ...o, rush } : o)) });
  }

  async fireCourse(orderId: string, course: number): Promise<void> {
    const fire = (o: ScreenState["orders"][number]) => ({
      ...o,
      stations: o.stations.map((s) => ({ ...s, items: s.items.map((i) => (i.course <= course ? { ...i, held: false } : i)) })),
    });
    this.set({ ...this.state, orders: this.state.orders.map((o) => (o.orderId === orderId ? fire(o) : o)) });
  }

  async recall(ticketId: string): Promise<void> {
    const ticket = this.state.recent.find((t) => t.id === ticketId);
    if (!ticket) throw new Error(`no bumped ticket ${ticketId}`);
    this.set({
      ...this.state,
      recent: this.state.recent.filter((t) => t.id !== ticketId),
      tickets: [...this.state.tickets, { ...ticket, status: "open" as const }].sort((a, b) => a.createdAtMs - b.createdAtMs),
    });
  }
}
