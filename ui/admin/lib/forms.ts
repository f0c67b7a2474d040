// What the admin page's forms mean, apart from how they look: tested without a browser.
import type { Device } from "../../src/lib/bindings/Device";
import type { Role } from "../../src/lib/bindings/Role";
import type { ScreenProfile } from "../../src/lib/bindings/ScreenProfile";
import defaults from "../../src/lib/bindings/defaults.json";

/** Stations as typed: "grill, fry" or "grill fry"; blanks and repeats dropped. */
export function stationsFrom(text: string): string[] {
  const seen = new Set<string>();
  for (const station of text.split(/[\s,]+/)) if (station !== "") seen.add(station);
  return [...seen];
}

/** Roles a device can be paired as. */
export const DEVICE_ROLES: Role[] = ["kds", "expo", "pos"];

/** "online", "offline" or "removed", as the device list shows it. */
export function deviceState(device: Pick<Device, "connections" | "revokedAtMs">): "online" | "offline" | "removed" {
  if (device.revokedAtMs !== null) return "removed";
  return device.connections > 0 ? "online" : "offline";
}

/** "3 min ago", "2 h ago", "never" — when a device was last heard from. */
export function ago(at: number | null, now: number): string {
  if (at === null) return "never";
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** Rules as the manager writes them, one per line: `burgers = grill`. */
export function rulesToText(rules: Partial<Record<string, string>>): string {
  return Object.entries(rules)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, station]) => `${key} = ${station}`)
    .join("\n");
}

/** Reads `key = station` lines back; a line without `=` is reported by number. */
export function rulesFromText(text: string): { rules: Record<string, string>; bad: number[] } {
  const rules: Record<string, string> = {};
  const bad: number[] = [];
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    const at = line.indexOf("=");
    const key = at < 0 ? "" : line.slice(0, at).trim();
    const station = at < 0 ? "" : line.slice(at + 1).trim();
    if (key === "" || station === "") bad.push(index + 1);
    else rules[key] = station;
  });
  return { rules, bad };
}

/** How far behind a device is, in events, over all its channels; "—" when unknown. */
export function lagOf(device: Pick<Device, "channels">): { total: number | null; detail: string } {
  if (device.channels.length === 0) return { total: null, detail: "not connected since the hub started" };
  const total = device.channels.reduce((sum, channel) => sum + channel.lag, 0);
  const detail = device.channels.map((c) => `${c.channel}: at ${c.seq}, ${c.lag} behind`).join("\n");
  return { total, detail };
}

/** Languages, themes and cues a screen profile may name, generated from the hub's rules. */
export const LANGUAGES: string[] = defaults.languages;
export const THEMES: string[] = defaults.themes;
export const CUES: string[] = defaults.cues;

/** A new profile with a screen's defaults. */
export function newProfile(name: string): ScreenProfile {
  return {
    name,
    timers: { warnAfterMin: 5, lateAfterMin: 10 },
    timersByOrderType: {},
    timersByStation: {},
    language: "en",
    theme: "dark",
    fontScale: 1,
    soundEnabled: true,
    volume: 1,
    mutedCues: [],
  };
}

/** A profile's values in one line, for the list. */
export function profileSummary(profile: ScreenProfile): string {
  const sound = profile.soundEnabled ? `sound ${Math.round(profile.volume * 100)} %` : "silent";
  return `yellow after ${profile.timers.warnAfterMin} min, red after ${profile.timers.lateAfterMin} min · ${profile.language} · ${profile.theme} · text ×${profile.fontScale} · ${sound}`;
}

/** Timer overrides as the manager writes them, one per line: `drive-thru = 2 / 4`. */
export function timersToText(rules: Partial<Record<string, { warnAfterMin: number; lateAfterMin: number }>>): string {
  return Object.entries(rules)
    .filter((entry): entry is [string, { warnAfterMin: number; lateAfterMin: number }] => entry[1] !== undefined)
    .map(([key, t]) => `${key} = ${t.warnAfterMin} / ${t.lateAfterMin}`)
    .join("\n");
}

/** Reads `key = warn / late` lines back (minutes); bad lines are reported by number. */
export function timersFromText(text: string): { rules: Record<string, { warnAfterMin: number; lateAfterMin: number }>; bad: number[] } {
  const rules: Record<string, { warnAfterMin: number; lateAfterMin: number }> = {};
  const bad: number[] = [];
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    const match = /^\s*([^=]+?)\s*=\s*([0-9.]+)\s*\/\s*([0-9.]+)\s*$/.exec(line);
    const warn = Number(match?.[2]);
    const late = Number(match?.[3]);
    if (!match || !Number.isFinite(warn) || !Number.isFinite(late)) bad.push(index + 1);
    else rules[match[1] as string] = { warnAfterMin: warn, lateAfterMin: late };
  });
  return { rules, bad };
}
