// Ticket timers: elapsed time on the hub's clock and the colour it earns.

/** Colour thresholds in minutes: green under 5, yellow under 10, red beyond. */
export interface Thresholds {
  warnAfterMin: number;
  lateAfterMin: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { warnAfterMin: 5, lateAfterMin: 10 };

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
