// The guest page's connection: the link's code buys a token for the order's channel,
// or the table party's (asked again on every connection, so a closed order or a party
// gone is noticed), and the channel is followed with resume after a dropped link.
import type { GuestAccess } from "../../src/lib/bindings/GuestAccess";
import type { Problem } from "../../src/lib/bindings/Problem";
import { ChannelLink, type Access, type LinkState } from "../../src/lib/follow/channelLink";
import { applyEvent, NOTHING_YET, subscribed, type Followed } from "./follow";

export type { LinkState };

export interface LinkEvents {
  onState: (state: LinkState, detail?: string) => void;
  onOrder: (followed: Followed) => void;
  /** What the code opened: a table's party (its table), or one order (null). */
  onTable: (tableId: string | null) => void;
  /** The problem's code when the hub refused the link (`ORDER_CLOSED`, `PARTY_LEFT`…). */
  onRefused: (code: string) => void;
}

async function access(code: string, events: LinkEvents): Promise<Access> {
  const response = await fetch(`/api/guest/${encodeURIComponent(code)}`);
  if (response.status === 404 || response.status === 410) {
    const problem = (await response.json()) as Problem;
    if (problem.code) events.onRefused(problem.code);
    return { refused: response.status === 404 ? "unknown" : "closed", detail: problem.detail ?? problem.title };
  }
  if (!response.ok) throw new Error(`the hub answered ${response.status}`);
  const granted = (await response.json()) as GuestAccess;
  events.onTable(granted.tableId ?? null);
  return { token: granted.token, channel: granted.channel };
}

export class GuestConnection {
  #followed: Followed = NOTHING_YET;
  #link: ChannelLink;

  constructor(code: string, events: LinkEvents) {
    this.#link = new ChannelLink(() => access(code, events), {
      onState: events.onState,
      onSubscribed: (message) => {
        this.#followed = subscribed(this.#followed, message);
        events.onOrder(this.#followed);
      },
      onEvent: (envelope) => {
        const next = applyEvent(this.#followed, envelope);
        if (next === "gap") return false;
        this.#followed = next;
        events.onOrder(next);
        return true;
      },
      cursor: () => this.#followed.cursor,
    });
  }

  start(): void {
    this.#link.start();
  }

  stop(): void {
    this.#link.stop();
  }
}
