// Turning the hub's speed-of-service report and flight-recorder timeline into what
// the admin page shows: local days, durations a manager reads at a glance, one
// series per chart, and where the recorder's slider stands.
import type { RecordEntry } from "../../src/lib/bindings/RecordEntry";
import type { ServiceReport } from "../../src/lib/bindings/ServiceReport";
import type { StationFigures } from "../../src/lib/bindings/StationFigures";

export const ALL_STATIONS = "*";
const HOUR_MS = 3_600_000;

/** The local day containing `atMs`, as the hub's period: `[from, to)` and the offset. */
export function localDay(atMs: number): { from: number; to: number; tzOffsetMin: number } {
  const start = new Date(atMs);
  start.setHours(0, 0, 0, 0);
  const end = new Date(start);
  end.setDate(end.getDate() + 1);
  return { from: start.getTime(), to: end.getTime(), tzOffsetMin: -start.getTimezoneOffset() };
}

/** `yyyy-mm-dd` of a local day, for a date input. */
export function dayInputValue(atMs: number): string {
  const d = new Date(atMs);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The local midnight a date input's `yyyy-mm-dd` names. */
export function dayFromInput(value: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return null;
  return new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3])).getTime();
}

/** "m:ss" for a duration, "—" for none. */
export function duration(ms: number | undefined): string {
  if (ms === undefined) return "—";
  const total = Math.round(ms / 1000);
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}

/** Minutes with one decimal, for chart axes. */
export function minutes(ms: number | undefined): number | null {
  return ms === undefined ? null : Math.round(ms / 6000) / 10;
}

/** Stations in a report, in its order, the whole kitchen last. */
export function stationsOf(report: ServiceReport): string[] {
  const named = report.totals.map((f) => f.station).filter((s) => s !== ALL_STATIONS);
  return [...named, ALL_STATIONS];
}

/** Every hour from the period's start to its end (local hours), for a chart's axis. */
export function hoursOf(report: ServiceReport): number[] {
  const offset = report.tzOffsetMin * 60_000;
  const first = Math.floor((report.fromMs + offset) / HOUR_MS) * HOUR_MS - offset;
  const hours: number[] = [];
  for (let hour = first; hour < report.toMs; hour += HOUR_MS) hours.push(hour);
  return hours;
}

/** Business hours only: from the first hour with anything to the last. */
export function busyHours(report: ServiceReport): number[] {
  const busy = new Set([...report.hours.map((h) => h.startMs), ...report.serveHours.map((h) => h.startMs)]);
  const hours = hoursOf(report);
  const first = hours.findIndex((h) => busy.has(h));
  if (first < 0) return [];
  let last = hours.length - 1;
  while (last > first && !busy.has(hours[last] ?? NaN)) last -= 1;
  return hours.slice(first, last + 1);
}

/** One station's figures per hour, lined up with `hours` (null where it had none). */
export function perHour(report: ServiceReport, station: string, hours: number[]): (StationFigures | null)[] {
  const byHour = new Map(report.hours.filter((h) => h.station === station).map((h) => [h.startMs, h]));
  return hours.map((hour) => byHour.get(hour) ?? null);
}

/** The local hour label of a period start, as "14:00". */
export function hourLabel(startMs: number, tzOffsetMin: number): string {
  const local = new Date(startMs + tzOffsetMin * 60_000);
  return `${String(local.getUTCHours()).padStart(2, "0")}:${String(local.getUTCMinutes()).padStart(2, "0")}`;
}

/** The slider's position for an instant: how many of the events had happened by then. */
export function positionAt(entries: RecordEntry[], atMs: number): number {
  let position = 0;
  while ((entries[position]?.atMs ?? Infinity) <= atMs) position += 1;
  return position;
}

/** What the event did, in words a manager reads. */
export function describe(entry: RecordEntry): string {
  const what: Record<string, string> = {
    "kds:ticket-new": "arrived",
    "kds:ticket-updated": "changed by the POS",
    "kds:ticket-bumped": "bumped",
    "kds:item-bumped": `${entry.item ?? "an item"} done`,
    "kds:ticket-recalled": entry.item ? `${entry.item} taken back` : "recalled",
    "kds:ticket-voided": "voided",
    "kds:ticket-fired": "fired",
    "kds:ticket-priority": "rush changed",
  };
  return `#${entry.orderNumber} ${what[entry.kind] ?? entry.kind}`;
}

/** Who did it: the device's name and role, else its id, else the hub itself. */
export function actor(entry: RecordEntry): string {
  if (entry.deviceName) return `${entry.deviceName} (${entry.deviceRole ?? "device"})`;
  return entry.by ?? "the hub";
}
