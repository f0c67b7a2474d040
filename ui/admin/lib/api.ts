// The admin page's only way to the hub: the same REST API tokens use, signed in by the
// session cookie, with the session's CSRF token on every change. Errors come back as
// the hub's problem JSON and are shown in its words.
import type { AdminSession } from "../../src/lib/bindings/AdminSession";
import type { AuditEntry } from "../../src/lib/bindings/AuditEntry";
import type { Device } from "../../src/lib/bindings/Device";
import type { DevicePatch } from "../../src/lib/bindings/DevicePatch";
import type { KitchenSetup } from "../../src/lib/bindings/KitchenSetup";
import type { Login } from "../../src/lib/bindings/Login";
import type { PairApproval } from "../../src/lib/bindings/PairApproval";
import type { PendingPair } from "../../src/lib/bindings/PendingPair";
import type { Problem } from "../../src/lib/bindings/Problem";
import type { FirstSetup } from "../../src/lib/bindings/FirstSetup";
import type { ScreenProfile } from "../../src/lib/bindings/ScreenProfile";
import type { SetupState } from "../../src/lib/bindings/SetupState";
import type { RecordedBoard } from "../../src/lib/bindings/RecordedBoard";
import type { RecordTimeline } from "../../src/lib/bindings/RecordTimeline";
import type { ServiceReport } from "../../src/lib/bindings/ServiceReport";
import type { TicketDelivery } from "../../src/lib/bindings/TicketDelivery";
import type { BoardLink } from "../../src/lib/bindings/BoardLink";

/** A report's period: hub times in ms and the offset its hours are cut in. */
export interface Period {
  from: number;
  to: number;
  tzOffsetMin: number;
}

function periodQuery(period: Period): string {
  return `from=${period.from}&to=${period.to}&tzOffsetMin=${period.tzOffsetMin}`;
}

/** A refusal from the hub, with its reason. */
export class HubError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The reason to show for a failed call: the problem's detail, else its title. */
export function reasonOf(status: number, body: unknown): HubError {
  const problem = body as Partial<Problem> | null;
  const detail = problem && typeof problem === "object" ? (problem.detail ?? problem.title) : undefined;
  return new HubError(status, problem?.code ?? "ERROR", detail ?? `the hub answered ${status}`);
}

export class AdminApi {
  csrf = "";

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") headers["X-CSRF-Token"] = this.csrf;
    const response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
    const text = await response.text();
    const parsed: unknown = text === "" ? null : JSON.parse(text);
    if (!response.ok) throw reasonOf(response.status, parsed);
    return parsed as T;
  }

  async session(): Promise<AdminSession | null> {
    try {
      const session = await this.#call<AdminSession>("GET", "/admin/api/session");
      this.csrf = session.csrf;
      return session;
    } catch (error) {
      if (error instanceof HubError && error.status === 401) return null;
      throw error;
    }
  }

  async login(login: Login): Promise<AdminSession> {
    const session = await this.#call<AdminSession>("POST", "/admin/api/login", login);
    this.csrf = session.csrf;
    return session;
  }

  /** Whether the hub still waits for its first account. */
  async setupNeeded(): Promise<boolean> {
    return (await this.#call<SetupState>("GET", "/admin/api/setup")).needed;
  }

  async firstSetup(setup: FirstSetup): Promise<AdminSession> {
    const session = await this.#call<AdminSession>("POST", "/admin/api/setup", setup);
    this.csrf = session.csrf;
    return session;
  }

  logout(): Promise<void> {
    return this.#call("POST", "/admin/api/logout");
  }

  devices(): Promise<Device[]> {
    return this.#call("GET", "/api/devices");
  }

  pending(): Promise<PendingPair[]> {
    return this.#call("GET", "/api/pair");
  }

  approve(approval: PairApproval): Promise<Device> {
    return this.#call("POST", "/api/pair/approve", approval);
  }

  change(id: string, patch: DevicePatch): Promise<Device> {
    return this.#call("PATCH", `/api/devices/${encodeURIComponent(id)}`, patch);
  }

  revoke(id: string): Promise<Device> {
    return this.#call("DELETE", `/api/devices/${encodeURIComponent(id)}`);
  }

  kitchen(): Promise<KitchenSetup> {
    return this.#call("GET", "/api/kitchen");
  }

  setKitchen(setup: KitchenSetup): Promise<KitchenSetup> {
    return this.#call("PUT", "/api/kitchen", setup);
  }

  profiles(): Promise<ScreenProfile[]> {
    return this.#call("GET", "/api/profiles");
  }

  putProfile(profile: ScreenProfile): Promise<ScreenProfile> {
    return this.#call("PUT", `/api/profiles/${encodeURIComponent(profile.name)}`, profile);
  }

  deleteProfile(name: string): Promise<void> {
    return this.#call("DELETE", `/api/profiles/${encodeURIComponent(name)}`);
  }

  serviceReport(period: Period): Promise<ServiceReport> {
    return this.#call("GET", `/api/reports/service?${periodQuery(period)}`);
  }

  /** Where the browser downloads the same report as CSV (the session cookie signs it). */
  serviceCsvUrl(period: Period): string {
    return `/api/reports/service.csv?${periodQuery(period)}`;
  }

  recordTimeline(station: string, period: Period): Promise<RecordTimeline> {
    return this.#call("GET", `/api/record/${encodeURIComponent(station)}/timeline?from=${period.from}&to=${period.to}`);
  }

  /** A station's screen just after a recorded event, or at an instant. */
  recordedBoard(station: string, at: { entry: number } | { atMs: number }): Promise<RecordedBoard> {
    const query = "entry" in at ? `entry=${at.entry}` : `at=${at.atMs}`;
    return this.#call("GET", `/api/record/${encodeURIComponent(station)}/board?${query}`);
  }

  /** Which screens of its station have a ticket, and since when. */
  delivery(ticketId: string): Promise<TicketDelivery> {
    return this.#call("GET", `/api/tickets/${encodeURIComponent(ticketId)}/delivery`);
  }

  /** The pickup board's address, with a year-long board token in it. */
  boardLink(): Promise<BoardLink> {
    return this.#call("POST", "/api/board-link");
  }

  audit(): Promise<AuditEntry[]> {
    return this.#call("GET", "/api/audit?limit=200");
  }
}
