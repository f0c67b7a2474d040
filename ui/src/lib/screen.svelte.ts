// The screen's state for the views: the engine's latest board (tickets) and status
// (link, clock), a ticking hub clock, and what the cook is doing (selection cursor,
// open panel, undo offer). Board and status arrive apart and are replaced whole
// (`$state.raw`: never made deeply reactive), so a heartbeat's status touches no card,
// and only timer text depends on `now`, so a tick redraws timers, not cards.
import type { Backend } from "./backend";
import type { Board } from "./bindings/Board";
import type { Status } from "./bindings/Status";
import type { SettingsForm } from "./bindings/SettingsForm";
import type { UiSettings } from "./bindings/UiSettings";
import type { PendingPair } from "./bindings/PendingPair";
import type { Role } from "./bindings/Role";
import { isLang, locale, t } from "./i18n.svelte";
import { type Action, actionForKey, DEFAULT_KEYMAP, invertKeymap, moveSelection, selectPosition } from "./keys/keymap";
import { railOrder, searchTickets } from "./tickets/card";
import { itemTap } from "./tickets/rules";
import type { TicketItem } from "./bindings/TicketItem";
import { DEFAULT_TIMER_RULES, hubNow, type Thresholds, type TimerRules } from "./tickets/timer";
import { scheduledOrders } from "./tickets/schedule";

/** How long the undo offer stays after a bump. */
export const UNDO_MS = 6000;

export type Panel = "none" | "recall" | "allday";
/** What the PIN pad, when shown, is asked for. */
export type PinPurpose = "settings" | "exit";
export type View = "tickets" | "orders";

/** What the undo offer takes back: a bump (the ticket) or, on expo, a serve (the order). */
export interface UndoOffer {
  kind: "bump" | "serve";
  /** The ticket's id for a bump, the order's id for a serve. */
  ticketId: string;
  orderNumber: string;
}

export class Screen {
  board = $state.raw<Board | null>(null);
  status = $state.raw<Status | null>(null);
  localNow = $state(Date.now());
  error = $state<string | null>(null);
  /** Position of the bump-bar cursor on the rail. */
  cursor = $state(0);
  panel = $state<Panel>("none");
  view = $state<View>("tickets");
  settings = $state<UiSettings | null>(null);
  pinFor = $state<PinPurpose | null>(null);
  /** Settings are open; the PIN that opened them authorises saving. */
  settingsPin = $state<string | null>(null);
  page = $state(0);
  pages = $state(1);
  undo = $state<UndoOffer | null>(null);

  /** A ticket number being searched for, or null. */
  search = $state<string | null>(null);
  /** In select-then-bump mode, the ticket a first tap chose (the bump bar's cursor
   * alone does not count: the first ticket is always under it). */
  tappedId = $state<string | null>(null);
  /** In select-then-bump mode, the item a first tap chose; a second tap acts on it. */
  armedItem = $state<{ ticketId: string; itemId: string } | null>(null);

  /** The hub's screen profile for this screen, if the manager assigned one. */
  profile = $derived(this.status?.profile ?? null);
  /** Colours follow the profile, else the screen's settings (defaults until read). */
  timers: TimerRules = $derived(
    this.profile
      ? { base: this.profile.timers, byOrderType: this.profile.timersByOrderType, byStation: this.profile.timersByStation }
      : this.settings
        ? { base: this.settings.thresholds, byOrderType: this.settings.timersByOrderType, byStation: this.settings.timersByStation }
        : DEFAULT_TIMER_RULES,
  );
  thresholds: Thresholds = $derived(this.timers.base);
  keys = $derived(invertKeymap({ ...DEFAULT_KEYMAP, ...(this.settings?.keymap ?? {}) }));
  /** A first tap selects, a second bumps, so a brush of the screen never bumps. */
  selectBeforeBump = $derived(this.settings?.selectBeforeBump ?? false);

  /** Orders for later the hub holds, soonest first. */
  scheduled = $derived(scheduledOrders(this.board?.scheduled ?? []));
  tickets = $derived(this.board ? searchTickets(railOrder(this.board.tickets), this.search ?? "") : []);
  now = $derived(hubNow(this.localNow, this.status?.clockOffsetMs ?? 0));
  selectedId = $derived(this.tickets[Math.min(this.cursor, this.tickets.length - 1)]?.id ?? null);

  #backend: Backend;
  #stop: Array<() => void> = [];
  #undoTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  async start(): Promise<void> {
    // Listen first, then read: a state emitted in between is not lost.
    this.#stop.push(await this.#backend.onBoard((board) => (this.board = board)));
    this.#stop.push(
      await this.#backend.onStatus((status) => {
        const profileChanged = JSON.stringify(status.profile) !== JSON.stringify(this.status?.profile);
        this.status = status;
        if (profileChanged) this.#applyLook();
      }),
    );
    this.#stop.push(await this.#backend.onExitRequested(() => (this.pinFor = "exit")));
    const [initial, settings] = await Promise.all([this.#backend.initialState(), this.#backend.uiSettings()]);
    const { channels, expo, tickets, recent, orders, scheduled, alerts, ...status } = initial;
    this.board ??= { channels, expo, tickets, recent, orders, scheduled, alerts };
    this.status ??= status;
    this.applySettings(settings);
    const timer = setInterval(() => (this.localNow = Date.now()), 1000);
    this.#stop.push(() => clearInterval(timer));
  }

  stop(): void {
    clearTimeout(this.#undoTimer);
    for (const stop of this.#stop.splice(0)) stop();
  }

  /** Applies settings that need no restart: colours, keys, language, look. */
  applySettings(settings: UiSettings): void {
    this.settings = settings;
    this.#applyLook();
  }

  /** Language, theme and text size: the hub's profile's, else the screen's own. */
  #applyLook(): void {
    const look = this.profile ?? this.settings;
    if (!look) return;
    if (isLang(look.language)) locale.lang = look.language;
    if (typeof document !== "undefined") {
      document.documentElement.dataset.theme = look.theme;
      document.documentElement.style.setProperty("--font-scale", String(look.fontScale));
    }
  }

  /** Settings: straight in when no PIN is set, else through the PIN pad. */
  openSettings(): void {
    if (this.settings?.pinSet) this.pinFor = "settings";
    else this.settingsPin = "";
  }

  /** Checks a PIN typed on the pad and does what it was asked for. */
  async submitPin(pin: string): Promise<boolean> {
    if (!(await this.#backend.verifyPin(pin))) return false;
    const purpose = this.pinFor;
    this.pinFor = null;
    if (purpose === "settings") this.settingsPin = pin;
    if (purpose === "exit") await this.#run("error.start", () => this.#backend.exitApp(pin));
    return true;
  }

  /** Saves settings; resolves to an error message, or null. */
  async saveSettings(form: SettingsForm): Promise<string | null> {
    try {
      this.applySettings(await this.#backend.saveSettings(this.settingsPin ?? "", form));
      return null;
    } catch (error) {
      return String(error);
    }
  }

  /** Expo: codes waiting at the hub, with the PIN that opened settings. */
  waitingPairings(): Promise<PendingPair[]> {
    return this.#backend.waitingPairings(this.settingsPin ?? "");
  }

  /** Expo: pairs a kitchen screen; resolves to its name as paired. */
  async approvePairing(code: string, name: string, role: Role, stations: string[]): Promise<string> {
    const device = await this.#backend.approvePairing(this.settingsPin ?? "", { code, name, role, stations });
    return device.name;
  }

  async restart(): Promise<void> {
    await this.#run("error.start", () => this.#backend.restartApp(this.settingsPin ?? ""));
  }

  async exitFromSettings(): Promise<void> {
    await this.#run("error.start", () => this.#backend.exitApp(this.settingsPin ?? ""));
  }

  async #run(what: "error.bump" | "error.bumpItem" | "error.recall" | "error.serve" | "error.ack" | "error.start", action: () => Promise<void>): Promise<boolean> {
    try {
      await action();
      this.error = null;
      return true;
    } catch (error) {
      this.error = t(what, { error: String(error) });
      return false;
    }
  }

  async bump(ticketId: string): Promise<void> {
    const ticket = this.tickets.find((t) => t.id === ticketId);
    if (await this.#run("error.bump", () => this.#backend.bump(ticketId))) {
      this.#offerUndo({ kind: "bump", ticketId, orderNumber: ticket?.orderNumber ?? "" });
    }
  }

  async bumpItem(ticketId: string, itemId: string): Promise<void> {
    await this.#run("error.bumpItem", () => this.#backend.bumpItem(ticketId, itemId));
  }

  async recallItem(ticketId: string, itemId: string): Promise<void> {
    await this.#run("error.bumpItem", () => this.#backend.recallItem(ticketId, itemId));
  }

  /** A tap on a ticket's header: bumps it, or in select-then-bump mode selects it
   * first and bumps it on the second tap. */
  async tapTicket(ticketId: string): Promise<void> {
    this.armedItem = null;
    if (this.selectBeforeBump && this.tappedId !== ticketId) {
      this.#select(ticketId);
      this.tappedId = ticketId;
      return;
    }
    this.tappedId = null;
    await this.bump(ticketId);
  }

  /** A tap on an item: bumps a dish to cook, takes back a bumped one; in
   * select-then-bump mode the first tap only chooses the item. */
  async tapItem(ticketId: string, item: Pick<TicketItem, "id" | "status" | "held">): Promise<void> {
    const action = itemTap(item);
    if (!action) return;
    if (this.selectBeforeBump) {
      const armed = this.armedItem?.ticketId === ticketId && this.armedItem.itemId === item.id;
      if (!armed) {
        this.#select(ticketId);
        this.tappedId = null;
        this.armedItem = { ticketId, itemId: item.id };
        return;
      }
    }
    this.armedItem = null;
    if (action === "bump") await this.bumpItem(ticketId, item.id);
    else await this.recallItem(ticketId, item.id);
  }

  #select(ticketId: string): void {
    const index = this.tickets.findIndex((t) => t.id === ticketId);
    if (index >= 0) this.cursor = index;
  }

  async recall(ticketId: string): Promise<void> {
    if (await this.#run("error.recall", () => this.#backend.recall(ticketId))) {
      if (this.undo?.ticketId === ticketId) this.#clearUndo();
    }
  }

  /** Expo sends an order out; it can be taken back from the undo offer. */
  async serve(orderId: string): Promise<void> {
    const order = this.board?.orders.find((o) => o.orderId === orderId);
    if (await this.#run("error.serve", () => this.#backend.serve(orderId))) {
      this.#offerUndo({ kind: "serve", ticketId: orderId, orderNumber: order?.orderNumber ?? "" });
    }
  }

  async setRush(orderId: string, rush: boolean): Promise<void> {
    await this.#run("error.serve", () => this.#backend.setRush(orderId, rush));
  }

  async fireCourse(orderId: string, course: number): Promise<void> {
    await this.#run("error.serve", () => this.#backend.fireCourse(orderId, course));
  }

  /** An expo screen (following a whole location) can show orders instead of tickets. */
  get canShowOrders(): boolean {
    return this.board?.expo ?? false;
  }

  async undoLast(): Promise<void> {
    const undo = this.undo;
    if (!undo) return;
    if (undo.kind === "bump") {
      await this.recall(undo.ticketId);
    } else if (await this.#run("error.serve", () => this.#backend.unserve(undo.ticketId))) {
      this.#clearUndo();
    }
  }

  /** The rail reports the page it shows and how many there are. */
  setPages(page: number, pages: number): void {
    this.page = page;
    this.pages = pages;
  }

  /** The cook has seen what the POS changed on this ticket: confirmed through the hub
   * for every screen of the station (shown here at once, offline too). */
  async acknowledge(ticketId: string): Promise<void> {
    await this.#run("error.ack", () => this.#backend.acknowledgeChanges(ticketId));
  }

  togglePanel(panel: Panel): void {
    this.panel = this.panel === panel ? "none" : panel;
  }

  #offerUndo(offer: UndoOffer): void {
    clearTimeout(this.#undoTimer);
    this.undo = offer;
    this.#undoTimer = setTimeout(() => this.#clearUndo(), UNDO_MS);
  }

  #clearUndo(): void {
    clearTimeout(this.#undoTimer);
    this.undo = null;
  }

  /** Handles a bump-bar key; returns false when the key means nothing here. */
  handleKey(key: string): boolean {
    const action = actionForKey(this.keys, key);
    if (!action) return false;
    void this.perform(action);
    return true;
  }

  async perform(action: Action): Promise<void> {
    if (action.startsWith("select")) {
      this.armedItem = null;
      this.tappedId = null;
    }
    const position = selectPosition(action);
    if (position !== null) {
      if (position < this.tickets.length) this.cursor = position;
      return;
    }
    switch (action) {
      case "select_next":
        this.cursor = moveSelection(this.cursor, 1, this.tickets.length);
        return;
      case "select_previous":
        this.cursor = moveSelection(this.cursor, -1, this.tickets.length);
        return;
      case "bump":
        if (this.selectedId) await this.bump(this.selectedId);
        return;
      case "bump_first": {
        const first = this.tickets[0];
        if (first) await this.bump(first.id);
        return;
      }
      case "recall": {
        const last = this.board?.recent[0];
        if (last) await this.recall(last.id);
        return;
      }
      case "undo":
        await this.undoLast();
        return;
      case "all_day":
        this.togglePanel("allday");
        return;
      case "expo_view":
        if (this.canShowOrders) this.view = this.view === "orders" ? "tickets" : "orders";
        return;
      case "page_next":
        this.page = Math.min(this.page + 1, this.pages - 1);
        return;
      case "page_previous":
        this.page = Math.max(this.page - 1, 0);
        return;
    }
  }
}
