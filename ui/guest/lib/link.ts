// The guest page's connection: the link's code buys a token for the order's channel
// (asked again on every connection, so a closed order is noticed), and the channel is
// followed with resume after a dropped link.
import type { GuestAccess } from "../../src/lib/bindings/GuestAccess";
import type { Problem } from "../../src/lib/bindings/Problem";
import { ChannelLink, type Access, type LinkState } from "../../src/lib/follow/channelLink";
import { applyEvent, NOTHING_YET, subscribed, type Followed } from "./follow";

export type { LinkState };

export interface LinkEvents {
  onState: (state: LinkState, detail?: string) => void;
  onOrder: (followed: Followed) => void;
}

async function access(code: string): Promise<Access> {
  const response = await fetch(`/api/guest/${encodeURIComponent(code)}`);
  if (response.status === 404 || response.status === 410) {
    const problem = (await response.json()) as Problem;
    return { refused: response.status === 404 ? "unknown" : "closed", detail: problem.detail ?? problem.title };
  }
  if (!response.ok) throw new Error(`the hub answered ${response.status}`);
  const granted = (await response.json()) as GuestAccess;
  return { token: granted.token, channel: granted.channel };
}

export class GuestConnection {
  #followed: Followed = NOTHING_YET;
  #link: ChannelLink;

  constructor(code: string, events: LinkEvents) {
    this.#link = new ChannelLink(() => access(code), {
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
