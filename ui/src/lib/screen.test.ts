import { describe, expect, it } from "vitest";
import { FakeBackend, sampleTicket } from "./backend/fake";
import { locale } from "./i18n.svelte";
import { Screen } from "./screen.svelte";

async function started(): Promise<{ screen: Screen; backend: FakeBackend }> {
  const now = Date.now();
  const backend = new FakeBackend([sampleTicket("101", 9, now), sampleTicket("102", 5, now), sampleTicket("103", 1, now)]);
  const screen = new Screen(backend);
  await screen.start();
  return { screen, backend };
}

describe("the bump bar", () => {
  it("selects by position and bumps the selection, with an undo offer", async () => {
    const { screen, backend } = await started();
    expect(screen.selectedId).toBe("demo-101:grill");
    expect(screen.handleKey("2")).toBe(true);
    expect(screen.selectedId).toBe("demo-102:grill");
    screen.handleKey("Enter");
    await Promise.resolve();
    await Promise.resolve();
    expect(backend.state.tickets.map((t) => t.orderNumber)).toEqual(["101", "103"]);
    expect(screen.undo?.orderNumber).toBe("102");
    screen.handleKey("u");
    await Promise.resolve();
    await Promise.resolve();
    expect(backend.state.tickets.map((t) => t.orderNumber)).toEqual(["101", "102", "103"]);
    expect(screen.undo).toBeNull();
    screen.stop();
  });

  it("bumps the first ticket, recalls the last bumped, moves and toggles all day", async () => {
    const { screen, backend } = await started();
    await screen.perform("bump_first");
    expect(backend.state.tickets.map((t) => t.orderNumber)).toEqual(["102", "103"]);
    await screen.perform("recall");
    expect(backend.state.recent).toEqual([]);
    screen.handleKey("ArrowRight");
    screen.handleKey("ArrowRight");
    screen.handleKey("ArrowRight");
    expect(screen.selectedId).toBe("demo-103:grill");
    screen.handleKey("a");
    expect(screen.panel).toBe("allday");
    screen.handleKey("a");
    expect(screen.panel).toBe("none");
    expect(screen.handleKey("q")).toBe(false);
    screen.stop();
  });
});

describe("taps", () => {
  const numbers = (backend: FakeBackend) => backend.state.tickets.map((t) => t.orderNumber);

  it("bump with one tap, and a tap on a bumped item takes it back", async () => {
    const { screen, backend } = await started();
    const [first] = backend.state.tickets;
    await screen.tapItem(first!.id, first!.items[0]!);
    expect(backend.state.tickets[0]!.items[0]!.status).toBe("done");
    await screen.tapItem(first!.id, backend.state.tickets[0]!.items[0]!);
    expect(backend.state.tickets[0]!.items[0]!.status).toBe("pending");
    await screen.tapTicket("demo-102:grill");
    expect(numbers(backend)).toEqual(["101", "103"]);
    screen.stop();
  });

  it("in select-then-bump mode, select on the first tap and act on the second", async () => {
    const { screen, backend } = await started();
    screen.applySettings({ ...backend.settings, selectBeforeBump: true });
    expect(screen.selectedId).toBe("demo-101:grill");
    await screen.tapTicket("demo-101:grill");
    expect(numbers(backend), "the bump bar's cursor is not a tap").toEqual(["101", "102", "103"]);
    await screen.tapTicket("demo-103:grill");
    expect(numbers(backend)).toEqual(["101", "102", "103"]);
    expect(screen.selectedId).toBe("demo-103:grill");
    await screen.tapTicket("demo-103:grill");
    expect(numbers(backend)).toEqual(["101", "102"]);

    const ticket = backend.state.tickets[1]!;
    await screen.tapItem(ticket.id, ticket.items[1]!);
    expect(screen.armedItem).toEqual({ ticketId: ticket.id, itemId: "2" });
    expect(screen.selectedId).toBe(ticket.id);
    expect(backend.state.tickets[1]!.items[1]!.status).toBe("pending");
    await screen.tapItem(ticket.id, ticket.items[0]!);
    expect(screen.armedItem?.itemId).toBe("1");
    expect(backend.state.tickets[1]!.items[0]!.status, "another item only moves the choice").toBe("pending");
    await screen.tapItem(ticket.id, ticket.items[0]!);
    expect(backend.state.tickets[1]!.items[0]!.status).toBe("done");
    expect(screen.armedItem).toBeNull();
    screen.stop();
  });

  it("confirms a ticket's changes through the backend", async () => {
    const now = Date.now();
    const changed = sampleTicket("104", 1, now);
    changed.items[0]!.added = true;
    const backend = new FakeBackend([changed]);
    const screen = new Screen(backend);
    await screen.start();
    await screen.acknowledge(changed.id);
    expect(backend.state.tickets[0]!.changesAcknowledged).toBe(true);
    screen.stop();
  });
});

describe("settings behind the PIN", () => {
  it("asks for the PIN, refuses a wrong one, and applies saved settings at once", async () => {
    const { screen } = await started();
    screen.openSettings();
    expect(screen.pinFor).toBe("settings");
    expect(await screen.submitPin("0000")).toBe(false);
    expect(screen.settingsPin).toBeNull();
    expect(await screen.submitPin("1234")).toBe(true);
    expect(screen.settingsPin).toBe("1234");
    const form = { ...screen.settings!.form, language: "es", thresholds: { warnAfterMin: 2, lateAfterMin: 4 } };
    try {
      expect(await screen.saveSettings(form)).toBeNull();
      expect(locale.lang).toBe("es");
      expect(screen.thresholds).toEqual({ warnAfterMin: 2, lateAfterMin: 4 });
    } finally {
      locale.lang = "en";
      screen.stop();
    }
  });
});

describe("a screen profile from the hub", () => {
  it("wins over the screen's own settings while assigned, and gives way when taken away", async () => {
    const { screen, backend } = await started();
    const own = screen.thresholds;
    const profile = {
      name: "line",
      timers: { warnAfterMin: 1, lateAfterMin: 3 },
      timersByOrderType: {},
      timersByStation: { salad: { warnAfterMin: 4, lateAfterMin: 8 } },
      language: "es",
      theme: "high-contrast",
      fontScale: 1.4,
      soundEnabled: true,
      volume: 0.5,
      mutedCues: [],
    };
    try {
      backend.set({ ...backend.state, profile });
      expect(screen.thresholds).toEqual({ warnAfterMin: 1, lateAfterMin: 3 });
      expect(screen.timers.byStation.salad).toEqual({ warnAfterMin: 4, lateAfterMin: 8 });
      expect(locale.lang).toBe("es");
      backend.set({ ...backend.state, profile: null });
      expect(screen.thresholds).toEqual(own);
      expect(locale.lang).toBe("en");
    } finally {
      locale.lang = "en";
      screen.stop();
    }
  });
});

describe("pairing another screen from expo", () => {
  it("lists waiting codes and approves one with the PIN that opened settings; a till is refused", async () => {
    const { screen, backend } = await started();
    backend.waiting = [{ code: "483921", name: "line-pc-5", appVersion: "0.1.0", address: "10.0.0.5", requestedAtMs: 1, expiresAtMs: 2 }];
    screen.openSettings();
    await screen.submitPin("1234");
    expect((await screen.waitingPairings()).map((w) => w.code)).toEqual(["483921"]);
    await expect(screen.approvePairing("483 921", "Till", "pos", [])).rejects.toThrow("kitchen screens");
    expect(await screen.approvePairing("483 921", "Line 5", "kds", ["grill"])).toBe("Line 5");
    expect(await screen.waitingPairings()).toEqual([]);
    screen.settingsPin = "0000";
    await expect(screen.waitingPairings()).rejects.toThrow("wrong PIN");
    screen.stop();
  });
});
