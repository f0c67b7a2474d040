// One channel of the hub followed from a browser page (the guest page, the pickup
// board): get a token, open the socket, subscribe, apply events in sequence, and when
// the link drops come back and resume from the last event applied, so nothing is
// missed. What the token is and what the events mean is the page's business.
import type { Control } from "../bindings/Control";
import type { Cursor } from "../bindings/Cursor";
import type { Envelope } from "../bindings/Envelope";

export type LinkState = "connecting" | "live" | "reconnecting" | "closed" | "unknown";

/** What the page's access step answers: a token and the channel it opens, or why not. */
export type Access = { token: string; channel?: string } | { refused: "closed" | "unknown"; detail?: string };

export interface ChannelHandlers {
  onState: (state: LinkState, detail?: string) => void;
  /** The hub's answer to the subscription (snapshot or recovery). */
  onSubscribed: (message: Extract<Control, { type: "subscribed" }>) => void;
  /** One event; answer false when it does not follow what the page has (a gap). */
  onEvent: (envelope: Envelope) => boolean;
  /** Where the page stands now: the next subscribe resumes from here. */
  cursor: () => Cursor | null;
}

/** Waits before the next attempt: doubling from half a second to eight, with jitter so
 * a room of phones does not come back in step. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(8000, 500 * 2 ** attempt);
  return base / 2 + random() * (base / 2);
}

export class ChannelLink {
  #socket: WebSocket | null = null;
  #attempt = 0;
  #watchdog: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  /** `access` is asked on every connection; `channelFor` names the channel from the
   * location the hub says the token is in, when the access step did not. */
  constructor(
    private readonly access: () => Promise<Access>,
    private readonly handlers: ChannelHandlers,
    private readonly channelFor: (locationId: string) => string = () => "",
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
    let access: Access;
    try {
      access = await this.access();
    } catch {
      this.#retry();
      return;
    }
    if ("refused" in access) {
      this.handlers.onState(access.refused, access.detail);
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
      if ("seq" in parsed && "id" in parsed && "channel" in parsed) {
        if (!this.handlers.onEvent(parsed as Envelope)) socket.close();
        return;
      }
      const control = parsed as Control;
      if (control.type === "ready") {
        heartbeatMs = control.heartbeatMs;
        const channel = access.channel ?? this.channelFor(control.locationId);
        const since = this.handlers.cursor() ?? undefined;
        socket.send(JSON.stringify({ type: "subscribe", channel, since }));
      } else if (control.type === "subscribed") {
        this.#attempt = 0;
        this.handlers.onSubscribed(control);
        this.handlers.onState("live");
      } else if (control.type === "error" && control.code === "FORBIDDEN") {
        // Refused (an order closed while the page was away): the access step says why.
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
    this.handlers.onState("reconnecting");
    const wait = backoffMs(this.#attempt);
    this.#attempt += 1;
    setTimeout(() => void this.#connect(), wait);
  }
}
