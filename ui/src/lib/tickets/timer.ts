// Ticket timers: elapsed time on the hub's clock and the colour it earns.
import type { OrderType } from "../bindings/OrderType";

/** Colour thresholds in minutes: green under 5, yellow under 10, red beyond. */
export interface Thresholds {
  warnAfterMin: number;
  lateAfterMin: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { warnAfterMin: 5, lateAfterMin: 10 };

/** The screen's timer colours: its own, and those of some order types and stations. */
export interface TimerRules {
  base: Thresholds;
  byOrderType: Partial<Record<OrderType, Thresholds>>;
  byStation: Partial<Record<string, Thresholds>>;
}

export const DEFAULT_TIMER_RULES: TimerRules = { base: DEFAULT_THRESHOLDS, byOrderType: {}, byStation: {} };

/**
 * A ticket's thresholds: its station's or its order type's instead of the screen's; when
 * both are set, the stricter of each (a drive-thru at a slow station is still late soon).
 */
export function thresholdsFor(rules: TimerRules, orderType: OrderType, station?: string): Thresholds {
  const applicable = [station === undefined ? undefined : rules.byStation[station], rules.byOrderType[orderType]].filter(
    (t): t is Thresholds => t !== undefined,
  );
  if (applicable.length === 0) return rules.base;
  return {
    warnAfterMin: Math.min(...applicable.map((t) => t.warnAfterMin)),
    lateAfterMin: Math.min(...applicable.map((t) => t.lateAfterMin)),
  };
}

export type Urgency = "fresh" | "warn" | "late";

/** Hub time now, from the local clock and the offset the engine learnt. */
export function hubNow(localNowMs: number, clockOffsetMs: number): number {
  return localNowMs + clockOffsetMs;
}

/** Elapsed ms since `createdAtMs`, never negative (a hub clock step cannot show -0:03). */
export function elapsedMs(createdAtMs: number, hubNowMs: number): number {
  return Math.max(0, hubNowMs - createdAtMs);
}

/** "m:ss" under an hour, "h:mm:ss" beyond. */
export function formatElapsed(ms: number): string {
  const totalSeconds = Math.floor(Math.max(0, ms) / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const ss = String(seconds).padStart(2, "0");
  if (hours > 0) return `${hours}:${String(minutes).padStart(2, "0")}:${ss}`;
  return `${minutes}:${ss}`;
}

export function urgency(ms: number, thresholds: Thresholds = DEFAULT_THRESHOLDS): Urgency {
  const minutes = ms / 60_000;
  if (minutes >= thresholds.lateAfterMin) return "late";
  if (minutes >= thresholds.warnAfterMin) return "warn";
  return "fresh";
}
