// The guest page's connection to the hub: trade the link's code for a token, open the
// socket, follow the order's channel, and when the link drops (a phone between cell
// towers) come back and resume from the last event applied, so nothing is missed.
import type { Control } from "../../src/lib/bindings/Control";
import type { Envelope } from "../../src/lib/bindings/Envelope";
import type { GuestAccess } from "../../src/lib/bindings/GuestAccess";
import type { Problem } from "../../src/lib/bindings/Problem";
import { applyEvent, NOTHING_YET, subscribed, type Followed } from "./follow";

export type LinkState = "connecting" | "live" | "reconnecting" | "closed" | "unknown";

export interface LinkEvents {
  onState: (state: LinkState, detail?: string) => void;
  onOrder: (followed: Followed) => void;
}

/** Waits before the next attempt: doubling from half a second to eight, with jitter so
 * a room of phones does not come back in step. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(8000, 500 * 2 ** attempt);
  return base / 2 + random() * (base / 2);
}

export class GuestConnection {
  #followed: Followed = NOTHING_YET;
  #socket: WebSocket | null = null;
  #attempt = 0;
  #watchdog: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(
    private readonly code: string,
    private readonly events: LinkEvents,
  ) {}

  start(): void {
    void this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#watchdog);
    this.#socket?.close();
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    let access: GuestAccess;
    try {
      const response = await fetch(`/api/guest/${encodeURIComponent(this.code)}`);
      if (response.status === 404 || response.status === 410) {
        const problem = (await response.json()) as Problem;
        this.events.onState(response.status === 404 ? "unknown" : "closed", problem.detail ?? problem.title);
        return;
      }
      if (!response.ok) throw new Error(`the hub answered ${response.status}`);
      access = (await response.json()) as GuestAccess;
    } catch {
      this.#retry();
      return;
    }
    const url = new URL("/api/socket", location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(url);
    this.#socket = socket;
    let heartbeatMs = 25_000;
    const alive = () => {
      clearTimeout(this.#watchdog);
      // Two heartbeats without a word: the link is dead even if the socket says not.
      this.#watchdog = setTimeout(() => socket.close(), heartbeatMs * 2);
    };
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: "auth", token: access.token }));
      alive();
    };
    socket.onmessage = (message) => {
      alive();
      const parsed = JSON.parse(String(message.data)) as Control | Envelope;
      if ("seq" in parsed && "channel" in parsed && "id" in parsed) {
        const next = applyEvent(this.#followed, parsed as Envelope);
        if (next === "gap") {
          socket.close();
          return;
        }
        this.#followed = next;
        this.events.onOrder(next);
        return;
      }
      const control = parsed as Control;
      if (control.type === "ready") {
        heartbeatMs = control.heartbeatMs;
        const since = this.#followed.cursor ?? undefined;
        socket.send(JSON.stringify({ type: "subscribe", channel: access.channel, since }));
      } else if (control.type === "subscribed") {
        this.#attempt = 0;
        this.#followed = subscribed(this.#followed, control);
        this.events.onOrder(this.#followed);
        this.events.onState("live");
      } else if (control.type === "error" && control.code === "FORBIDDEN") {
        // The order closed while the page was away: ask the link again, which says so.
        socket.close();
      }
    };
    socket.onclose = () => {
      clearTimeout(this.#watchdog);
      if (this.#socket === socket) this.#retry();
    };
  }

  #retry(): void {
    if (this.#stopped) return;
    this.events.onState("reconnecting");
    const wait = backoffMs(this.#attempt);
    this.#attempt += 1;
    setTimeout(() => void this.#connect(), wait);
  }
}
