//! The OpenAPI 3.0 description of the REST API, served at `/api/openapi.json` and
//! checked in as `docs/openapi.json`. Schemas come from the protocol types themselves
//! (schemars), so the document cannot describe a body the hub does not accept.

use rail_protocol::{
    AccessToken, ActionResult, AddItems, AdminSession, AuditEntry, ClientMessage, Device,
    DevicePatch, FireCourse, KitchenSetup, Login, NewOrder, Order, OrderCreated, OrderPatch,
    PairApproval, PairRequest, PairStatus, PairTicket, PendingPair, Problem, ServerMessage,
    StatusChange, Ticket, TicketDelivery, TokenRequest,
};
use schemars::generate::SchemaSettings;
use serde_json::{json, Value};

fn schema(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn body(name: &str) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": schema(name) } } })
}

fn ok(status: &str, description: &str, name: &str) -> (String, Value) {
    (
        status.to_owned(),
        json!({ "description": description, "content": { "application/json": { "schema": schema(name) } } }),
    )
}

/// Error responses: every one is problem JSON.
fn problems(statuses: &[(&str, &str)]) -> Vec<(String, Value)> {
    statuses
        .iter()
        .map(|(status, description)| {
            ((*status).to_owned(), json!({ "description": description, "content": { "application/problem+json": { "schema": schema("Problem") } } }))
        })
        .collect()
}

fn operation(
    summary: &str,
    description: &str,
    params: &[&str],
    request: Option<&str>,
    responses: Vec<(String, Value)>,
    idempotent: bool,
) -> Value {
    let mut parameters: Vec<Value> = params
        .iter()
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
        .collect();
    if idempotent {
        parameters.push(json!({ "$ref": "#/components/parameters/IdempotencyKey" }));
    }
    let mut all = responses;
    let mut malformed = Vec::new();
    if request.is_some() {
        malformed.push("malformed JSON");
    }
    if idempotent {
        malformed.push("a malformed Idempotency-Key");
    }
    if !params.is_empty() {
        malformed.push("a path that is not UTF-8");
    }
    if !malformed.is_empty() {
        let description = format!("Bad request: {}", malformed.join(", "));
        all.extend(problems(&[("400", &description)]));
    }
    if request.is_some() {
        all.extend(problems(&[
            (
                "413",
                "The body is larger than 256 KiB (`PAYLOAD_TOO_LARGE`)",
            ),
            ("415", "The body is not `application/json`"),
        ]));
    }
    all.extend(problems(&[
        ("401", "No valid token"),
        ("500", "The hub failed (details only in its log)"),
        (
            "503",
            "Nothing was written, and the same request (with the same Idempotency-Key) \
             succeeds when retried: the hub's PostgreSQL server cannot be reached \
             (`STORE_UNAVAILABLE`), a batch failed to commit (`NOT_COMMITTED`), or the \
             change met another hub's at the same moment (`BUSY`)",
        ),
    ]));
    let mut op = json!({
        "summary": summary,
        "description": description,
        "parameters": parameters,
        "responses": all.into_iter().collect::<serde_json::Map<String, Value>>(),
    });
    if let Some(name) = request {
        op["requestBody"] = body(name);
    }
    op
}

/// `(path, method, operationId)` of every operation.
const OPERATIONS: &[(&str, &str, &str)] = &[
    ("/api/orders", "post", "createOrder"),
    ("/api/orders/{id}", "get", "getOrder"),
    ("/api/orders/{id}", "patch", "changeOrder"),
    ("/api/orders/{id}/items", "post", "addItems"),
    ("/api/orders/{id}/items/{item}", "delete", "removeItem"),
    ("/api/orders/{id}/items/{item}/void", "post", "voidItem"),
    ("/api/orders/{id}/cancel", "post", "cancelOrder"),
    ("/api/orders/{id}/fire", "post", "fireCourse"),
    ("/api/orders/{id}/status", "post", "setOrderStatus"),
    ("/api/orders/{id}/guest-link", "post", "getGuestLink"),
    ("/api/tables/{table}/session", "post", "seatTable"),
    ("/api/tables/{table}/session", "get", "getTableSession"),
    ("/api/tables/{table}/session", "delete", "clearTable"),
    ("/api/guest/{code}", "get", "openGuestLink"),
    ("/api/board-link", "post", "getBoardLink"),
    ("/api/events", "post", "publishPlatformEvent"),
    (
        "/api/stations/{station}/tickets",
        "get",
        "listStationTickets",
    ),
    ("/api/tickets/{id}", "get", "getTicket"),
    ("/api/tickets/{id}/delivery", "get", "getTicketDelivery"),
    ("/api/tickets/{id}/bump", "post", "bumpTicket"),
    ("/api/tickets/{id}/recall", "post", "recallTicket"),
    ("/api/tickets/{id}/items/{item}/bump", "post", "bumpItem"),
    (
        "/api/tickets/{id}/items/{item}/recall",
        "post",
        "recallItem",
    ),
    (
        "/api/tickets/{id}/acknowledge",
        "post",
        "acknowledgeChanges",
    ),
    ("/metrics", "get", "getMetrics"),
    ("/api/pair", "post", "requestPairing"),
    ("/api/pair", "get", "listPairingRequests"),
    ("/api/pair/{id}", "get", "getPairingStatus"),
    ("/api/pair/approve", "post", "approvePairing"),
    ("/api/token", "post", "getAccessToken"),
    ("/api/devices", "get", "listDevices"),
    ("/api/devices/{id}", "patch", "changeDevice"),
    ("/api/devices/{id}", "delete", "revokeDevice"),
    ("/api/audit", "get", "getAuditLog"),
    ("/api/kitchen", "get", "getKitchen"),
    ("/api/kitchen", "put", "setKitchen"),
    ("/api/profiles", "get", "listProfiles"),
    ("/api/profiles/{name}", "put", "putProfile"),
    ("/api/profiles/{name}", "delete", "deleteProfile"),
    ("/api/reports/service", "get", "getServiceReport"),
    ("/api/reports/service.csv", "get", "getServiceReportCsv"),
    ("/api/reports/today", "get", "getToday"),
    ("/api/record/{station}/timeline", "get", "getRecordTimeline"),
    ("/api/record/{station}/board", "get", "getRecordedBoard"),
    ("/admin/api/login", "post", "adminSignIn"),
    ("/admin/api/logout", "post", "adminSignOut"),
    ("/admin/api/session", "get", "adminSession"),
    ("/admin/api/setup", "get", "adminSetupState"),
    ("/admin/api/setup", "post", "adminFirstSetup"),
];

/// Speed-of-service reports and the flight recorder: reads of the service record.
fn record_paths() -> Value {
    let problem = |description: &str| json!({ "description": description, "content": { "application/problem+json": { "schema": schema("Problem") } } });
    let json_body = |description: &str, name: &str| json!({ "description": description, "content": { "application/json": { "schema": schema(name) } } });
    let query = |name: &str, description: &str| json!({ "name": name, "in": "query", "required": false, "description": description, "schema": { "type": "integer" } });
    let period = [
        query("from", "Start of the period (hub time, ms since the Unix epoch); default: 24 hours before `to`."),
        query("to", "End of the period, not included (ms); default: now."),
        query("tzOffsetMin", "Minutes east of UTC to cut hours and days in (-720 to 840); default 0. The admin page sends the browser's."),
    ];
    let station = json!({ "name": "station", "in": "path", "required": true, "schema": { "type": "string" } });
    let errors = |forbidden: &str| {
        json!({
            "400": problem("A parameter out of range or unknown, `from` not before `to`, a period longer than the record is kept, or a bad station name"),
            "401": problem("No valid token or admin session"),
            "403": problem(forbidden),
            "500": problem("The hub failed (details only in its log)")
        })
    };
    let with = |mut responses: Value, extra: Value| {
        if let (Some(map), Some(more)) = (responses.as_object_mut(), extra.as_object()) {
            map.extend(more.clone());
        }
        responses
    };
    let reports_only = "Not an admin, expo or POS token";
    let recorder_only = "Not an admin or expo token";
    json!({
        "/api/reports/service": {
            "get": {
                "summary": "Speed of service",
                "description": "From the service record: each station's ticket times (from reaching the rail to the last bump; nearest-rank p50/p90 and mean), tickets late against the station's screens' thresholds (their profile's rule, the strictest when they differ, else 10 minutes), items, voided items and recalls, per station over the period, per day and per hour; and at expo, from an order ready to served. A ticket counts once, in the hour of its last bump in the period.",
                "parameters": period,
                "responses": with(json!({ "200": json_body("The report", "ServiceReport") }), errors(reports_only))
            }
        },
        "/api/reports/service.csv": {
            "get": {
                "summary": "Speed of service as CSV",
                "description": "The same report, one row per scope (`total`, `day`, `hour`, `serve-total`, `serve-hour`) and station: `scope,station,start,start_ms,tickets,p50_secs,p90_secs,mean_secs,late,items,voided_items,recalls`. `start` is local time with its offset (RFC 3339).",
                "parameters": period,
                "responses": with(json!({ "200": { "description": "CSV with a header row", "content": { "text/csv": { "schema": { "type": "string" } } } } }), errors(reports_only))
            }
        },
        "/api/reports/today": {
            "get": {
                "summary": "The day so far",
                "description": "For the strip on expo: tickets on the rail now and how many are late, and the figures of the tickets bumped since local midnight.",
                "parameters": [period[2].clone()],
                "responses": with(json!({ "200": json_body("The day so far", "TodaySummary") }), errors(reports_only))
            }
        },
        "/api/record/{station}/timeline": {
            "get": {
                "summary": "A station's service, event by event",
                "description": "The station's ticket events in the period, oldest first, each with the device that caused it (id, name and role of a paired device). At most 5,000; `truncated` says when there were more.",
                "parameters": [station.clone(), period[0].clone(), period[1].clone()],
                "responses": with(json!({ "200": json_body("The events", "RecordTimeline") }), errors(recorder_only))
            }
        },
        "/api/orders/{id}/guest-link": {
            "post": {
                "summary": "An order's guest link",
                "description": "The short link a guest follows the order by (`/o/<code>` on the hub), made on first ask and the same after: print it on the receipt as a QR code. For `pos` and `admin` tokens.",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
                "responses": with(json!({ "200": json_body("The link", "GuestLink") }), json!({
                    "400": problem("A path that is not UTF-8"),
                    "401": problem("No valid token"),
                    "403": problem("Not a pos or admin token"),
                    "404": problem("No such order"),
                    "500": problem("The hub failed (details only in its log)")
                }))
            }
        },
        "/api/tables/{table}/session": {
            "post": {
                "summary": "Seat a party at a table",
                "description": "Opens the table's session (one party's stay) with its own guest link, `/o/<code>`, for the table card or the first receipt, and closes the last party's session. Orders posted for the table while the session is open join it: their events also go to `session:<sessionId>`, which the link's guest token reads, so the last party's link never shows the next party's orders. For `pos`, `server` and `admin` tokens. With an `Idempotency-Key`, a retry answers the same session.",
                "parameters": [{ "name": "table", "in": "path", "required": true, "schema": { "type": "string" } }, { "$ref": "#/components/parameters/IdempotencyKey" }],
                "responses": with(json!({ "201": json_body("The new session", "TableSession") }), json!({
                    "400": problem("Malformed Idempotency-Key"),
                    "401": problem("No valid token"),
                    "403": problem("Not a pos, server or admin token"),
                    "422": problem("A table name that cannot name a channel (1-64 letters, digits, - _ .), or an Idempotency-Key used for a different request (`IDEMPOTENCY_KEY_REUSED`)"),
                    "500": problem("The hub failed (details only in its log)")
                }))
            },
            "get": {
                "summary": "The party seated at a table",
                "description": "The open session, to print its link again.",
                "parameters": [{ "name": "table", "in": "path", "required": true, "schema": { "type": "string" } }],
                "responses": with(json!({ "200": json_body("The open session", "TableSession") }), json!({
                    "401": problem("No valid token"),
                    "403": problem("Not a pos, server or admin token"),
                    "404": problem("Nobody is seated there"),
                    "422": problem("A table name that cannot name a channel"),
                    "500": problem("The hub failed (details only in its log)")
                }))
            },
            "delete": {
                "summary": "The party left",
                "description": "Closes the open session: its link keeps showing the party's orders for the grace period (`guest_grace_minutes`), then answers 410 `PARTY_LEFT`; orders posted for the table after it join no session until the next party is seated.",
                "parameters": [{ "name": "table", "in": "path", "required": true, "schema": { "type": "string" } }],
                "responses": with(json!({ "200": json_body("The closed session", "TableSession") }), json!({
                    "401": problem("No valid token"),
                    "403": problem("Not a pos, server or admin token"),
                    "404": problem("Nobody is seated there"),
                    "422": problem("A table name that cannot name a channel"),
                    "500": problem("The hub failed (details only in its log)")
                }))
            }
        },
        "/api/events": {
            "post": {
                "summary": "Publish a platform event",
                "description": "For the restaurant's platform back end (`server` token; `admin` too): one of its event types with its data, written in one transaction to the location's channel and the channels its ids name (`order:<orderId>`, `table:<id>` for each table named; a `notification` with an `employeeId` to `employee:<id>` only), durable and replayable like kitchen events. A platform's `order:created` carries no tickets; the kitchen's orders are posted to `POST /api/orders`, which publishes their events, and `order:updated` is the hub's alone.",
                "parameters": [{ "$ref": "#/components/parameters/IdempotencyKey" }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": schema("PlatformEvent") } } },
                "responses": with(json!({ "201": json_body("Where it was written", "PublishedEvent") }), json!({
                    "400": problem("Malformed JSON or Idempotency-Key"),
                    "401": problem("No valid token"),
                    "403": problem("Not a server or admin token"),
                    "413": problem("The body is larger than 256 KiB"),
                    "415": problem("The body is not `application/json`"),
                    "422": problem("An unknown type, a missing or extra field, an id that cannot name a channel, a text over 500 bytes, or an Idempotency-Key used for a different request (`IDEMPOTENCY_KEY_REUSED`)"),
                    "500": problem("The hub failed (details only in its log)")
                }))
            }
        },
        "/api/board-link": {
            "post": {
                "summary": "A pickup board's address",
                "description": "For a screen in the dining room: `/board#token=<token>` with a year-long `board` token that reads the location's `board:` channel and nothing else. Add `?ready=<minutes>` before the `#` to keep ready orders up longer or shorter than 10 minutes. Admin only.",
                "parameters": [],
                "responses": with(json!({ "200": json_body("The address", "BoardLink") }), json!({
                    "401": problem("No valid token or admin session"),
                    "403": problem("Not an admin"),
                    "500": problem("The hub failed (details only in its log)")
                }))
            }
        },
        "/api/guest/{code}": {
            "get": {
                "summary": "Open a guest link",
                "description": "No token: the code is the secret. Answers a `guest` token good for an hour that may follow the one channel the code opens: `order:<id>` for an order's link, `session:<id>` for a table session's. The guest page asks again when its token runs out or its link drops.",
                "security": [],
                "parameters": [{ "name": "code", "in": "path", "required": true, "schema": { "type": "string" } }],
                "responses": {
                    "200": json_body("A token for the order's channel", "GuestAccess"),
                    "404": problem("No order or table session has this code (`UNKNOWN_LINK`)"),
                    "410": problem("The order was closed (`ORDER_CLOSED`), or the party left (`PARTY_LEFT`), more than the grace period ago"),
                    "500": problem("The hub failed (details only in its log)")
                }
            }
        },
        "/api/record/{station}/board": {
            "get": {
                "summary": "A station's screen at an instant",
                "description": "The station's board rebuilt from the service record just after the last event at or before `at` (ms), or just after the event `entry`: open tickets oldest first, waiting ones, and the recall list (20 most recently bumped). The record is kept apart from the replay history, so restarts and pruned history do not change it. Default: now.",
                "parameters": [station, query("at", "The instant (hub time, ms)."), query("entry", "A recorded event's id, from the timeline.")],
                "responses": with(json!({ "200": json_body("The board", "RecordedBoard") }), with(errors(recorder_only), json!({ "404": problem("No such event at this station") })))
            }
        }
    })
}

/// The pairing and device operations: who may call them differs from the kitchen's
/// (a screen with no credentials, a poll secret, a device secret, the manager).
fn device_paths() -> Value {
    let problem = |description: &str| json!({ "description": description, "content": { "application/problem+json": { "schema": schema("Problem") } } });
    let json_body = |description: &str, name: &str| json!({ "description": description, "content": { "application/json": { "schema": schema(name) } } });
    let list_of = |description: &str, name: &str| json!({ "description": description, "content": { "application/json": { "schema": { "type": "array", "items": schema(name) } } } });
    let body_errors = json!({
        "400": problem("Malformed JSON"),
        "413": problem("The body is larger than 256 KiB (`PAYLOAD_TOO_LARGE`)"),
        "415": problem("The body is not `application/json`"),
        "500": problem("The hub failed (details only in its log)")
    });
    let with = |mut responses: Value, extra: &Value| {
        if let (Some(map), Some(more)) = (responses.as_object_mut(), extra.as_object()) {
            for (status, response) in more {
                map.insert(status.clone(), response.clone());
            }
        }
        responses
    };
    let id_param =
        json!([{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }]);
    let name_param =
        json!([{ "name": "name", "in": "path", "required": true, "schema": { "type": "string" } }]);
    json!({
        "/api/pair": {
            "post": {
                "summary": "Ask to be paired",
                "description": "For a device with no credentials; needs no token. Answers a six-digit code for the screen to show, and a poll secret only the asker knows. At most 32 requests wait at once; a code lasts `pairing_ttl_secs` (10 minutes).",
                "security": [],
                "requestBody": body("PairRequest"),
                "responses": with(json!({
                    "201": json_body("The code to show and how to poll", "PairTicket"),
                    "422": problem("An empty or over-long name or version"),
                    "429": problem("32 requests already wait (`TOO_MANY_PAIRINGS`)")
                }), &body_errors)
            },
            "get": {
                "summary": "Pairing requests waiting",
                "description": "For the manager (`admin` token): codes waiting for approval, oldest first.",
                "responses": {
                    "200": list_of("Waiting requests", "PendingPair"),
                    "401": problem("No valid token"),
                    "403": problem("Not an admin token"),
                    "500": problem("The hub failed (details only in its log)")
                }
            }
        },
        "/api/pair/{id}": {
            "get": {
                "summary": "Where a pairing stands",
                "description": "Polled by the asking device with `Authorization: Bearer <pollSecret>`. Once approved, each call answers the device's credentials with a new secret, voiding the one before.",
                "security": [],
                "parameters": id_param,
                "responses": {
                    "200": json_body("Pending, or approved with the credentials", "PairStatus"),
                    "400": problem("A path that is not UTF-8"),
                    "401": problem("No poll secret, or not this request's; or the approved device was removed (`DEVICE_REVOKED`)"),
                    "404": problem("No such request"),
                    "410": problem("The code expired (`PAIRING_EXPIRED`)"),
                    "500": problem("The hub failed (details only in its log)")
                }
            }
        },
        "/api/pair/approve": {
            "post": {
                "summary": "Approve a code",
                "description": "The manager (`admin` token) approves the code a screen shows and says what the device is: its name, role (`kds`, `expo` or `pos`), stations and, optionally, the screen profile it follows. The device is created in the manager's location.",
                "requestBody": body("PairApproval"),
                "responses": with(json!({
                    "201": json_body("The new device", "Device"),
                    "401": problem("No valid token"),
                    "403": problem("Not an admin token"),
                    "404": problem("No screen waits with this code"),
                    "409": problem("This code was approved already"),
                    "422": problem("An empty name, a role that is not kds/expo/pos, a kds screen with no station, a station listed twice or not a station name, a profile that does not exist")
                }), &body_errors)
            }
        },
        "/api/token": {
            "post": {
                "summary": "Trade a device secret for an access token",
                "description": "Needs no token: the device id and secret are the proof. The access token lives `access_token_ttl_secs` (15 minutes) and carries the device's current role and stations.",
                "security": [],
                "requestBody": body("TokenRequest"),
                "responses": with(json!({
                    "200": json_body("A fresh access token", "AccessToken"),
                    "401": problem("Unknown device or wrong secret (`UNAUTHORIZED`), or the device was removed (`DEVICE_REVOKED`)"),
                    "422": problem("Missing fields or unknown ones")
                }), &body_errors)
            }
        },
        "/api/audit": {
            "get": {
                "summary": "The audit log",
                "description": "For the manager: who paired, renamed, reassigned or removed which device, and sign-ins, newest first.",
                "parameters": [{ "name": "limit", "in": "query", "required": false, "description": "How many entries (at most 1000).", "schema": { "type": "integer", "default": 100, "minimum": 0, "maximum": 4294967295u64 } }],
                "responses": {
                    "200": list_of("Entries", "AuditEntry"),
                    "400": problem("A limit that is not a whole number from 0"),
                    "401": problem("No valid token or admin session"),
                    "403": problem("Not an admin"),
                    "500": problem("The hub failed (details only in its log)")
                }
            }
        },
        "/api/kitchen": {
            "get": {
                "summary": "The restaurant's stations and routing rules",
                "description": "For the manager. Until they are first saved, the configuration file's rules.",
                "responses": {
                    "200": json_body("Stations and rules", "KitchenSetup"),
                    "401": problem("No valid token or admin session"),
                    "403": problem("Not an admin"),
                    "500": problem("The hub failed (details only in its log)")
                }
            },
            "put": {
                "summary": "Replace the stations and routing rules",
                "description": "The next order follows them; the change is recorded in the audit log.",
                "requestBody": body("KitchenSetup"),
                "responses": with(json!({
                    "200": json_body("Stations and rules as saved", "KitchenSetup"),
                    "401": problem("No valid token or admin session"),
                    "403": problem("Not an admin, or an admin-page change without its CSRF token (`CSRF`)"),
                    "422": problem("No station, a station without a name or listed twice, a rule or default station naming a station the kitchen does not have, a category or item with two rules")
                }), &body_errors)
            }
        },
        "/api/profiles": {
            "get": {
                "summary": "The screen profiles",
                "description": "For the manager: every profile of the location, by name.",
                "responses": {
                    "200": list_of("Profiles", "ScreenProfile"),
                    "401": problem("No valid token or admin session"),
                    "403": problem("Not an admin"),
                    "500": problem("The hub failed (details only in its log)")
                }
            }
        },
        "/api/profiles/{name}": {
            "put": {
                "summary": "Create or replace a screen profile",
                "description": "Timer colours, language, theme, text size and sound for every screen that follows it. The screens following it take the change at once (a `profile` message on their sockets; a screen offline gets it in `ready` when it returns). Recorded in the audit log.",
                "parameters": name_param,
                "requestBody": body("ScreenProfile"),
                "responses": with(json!({
                    "200": json_body("Replaced", "ScreenProfile"),
                    "201": json_body("Created", "ScreenProfile"),
                    "401": problem("No valid token or admin session"),
                    "403": problem("Not an admin, or an admin-page change without its CSRF token (`CSRF`)"),
                    "422": problem("A name that differs from the address or is not a name, warn after not below late after, an unknown language, theme or cue, a text size outside 0.8-1.6, a volume outside 0-1 (every problem named)")
                }), &body_errors)
            },
            "delete": {
                "summary": "Delete a screen profile",
                "description": "Only a profile no device follows.",
                "parameters": name_param,
                "responses": {
                    "204": { "description": "Deleted" },
                    "400": problem("A path that is not UTF-8"),
                    "401": problem("No valid token or admin session"),
                    "403": problem("Not an admin"),
                    "404": problem("No such profile"),
                    "409": problem("Devices follow it (named): give them another profile first"),
                    "500": problem("The hub failed (details only in its log)")
                }
            }
        },
        "/admin/api/login": {
            "post": {
                "summary": "Sign in to the admin page",
                "description": "Sets the session cookie `rail_admin` (HttpOnly, SameSite=Strict, Secure over HTTPS, 12 hours) and answers the session with its CSRF token, which every change made with the cookie must send as `X-CSRF-Token`. Five failed sign-ins from one address hold it back for five minutes.",
                "security": [],
                "requestBody": body("Login"),
                "responses": with(json!({
                    "200": json_body("Signed in", "AdminSession"),
                    "401": problem("Wrong location, user name or password"),
                    "422": problem("Missing fields or unknown ones"),
                    "429": problem("Too many failed sign-ins from this address (`TOO_MANY_ATTEMPTS`)")
                }), &body_errors)
            }
        },
        "/admin/api/logout": {
            "post": {
                "summary": "Sign out",
                "description": "Ends the session on the hub and clears the cookie.",
                "security": [],
                "responses": {
                    "204": { "description": "Signed out" },
                    "500": problem("The hub failed (details only in its log)")
                }
            }
        },
        "/admin/api/setup": {
            "get": {
                "summary": "Does the hub wait for its first account?",
                "description": "True from the first start of a hub with no admin account until one is made (here or by `rail-hub admin`).",
                "security": [],
                "responses": {
                    "200": json_body("Whether setup is open", "SetupState")
                }
            },
            "post": {
                "summary": "Create the first admin account",
                "description": "With the one-time setup code the hub printed at start and wrote to `setup-code` beside its database. Signs the new account in (sets the session cookie). Wrong codes count against the address like wrong passwords.",
                "security": [],
                "requestBody": body("FirstSetup"),
                "responses": with(json!({
                    "200": json_body("Signed in", "AdminSession"),
                    "401": problem("Wrong setup code, or the hub is set up already"),
                    "422": problem("A password under 10 characters, a location or user name that is not a name"),
                    "429": problem("Too many failed attempts from this address (`TOO_MANY_ATTEMPTS`)")
                }), &body_errors)
            }
        },
        "/admin/api/session": {
            "get": {
                "summary": "Who is signed in",
                "description": "The session behind the cookie, with its CSRF token and the hub's certificate fingerprint.",
                "security": [],
                "responses": {
                    "200": json_body("The session", "AdminSession"),
                    "401": problem("Not signed in"),
                    "500": problem("The hub failed (details only in its log)")
                }
            }
        },
        "/api/devices": {
            "get": {
                "summary": "The location's devices",
                "description": "For the manager (`admin` token): every device, removed ones included, with its open sockets, last contact, address, app version, profile and, per channel it followed since the hub started, the last event handed to it and how many it has not had yet.",
                "responses": {
                    "200": list_of("Devices", "Device"),
                    "401": problem("No valid token"),
                    "403": problem("Not an admin token"),
                    "500": problem("The hub failed (details only in its log)")
                }
            }
        },
        "/api/devices/{id}": {
            "patch": {
                "summary": "Rename, reassign or re-profile a device",
                "description": "A new role or stations close the device's sockets with 1012; it reconnects with a token that carries them. A new profile (`\"\"` for none) reaches its open sockets at once as a `profile` message.",
                "parameters": id_param,
                "requestBody": body("DevicePatch"),
                "responses": with(json!({
                    "200": json_body("The device as it now is", "Device"),
                    "401": problem("No valid token"),
                    "403": problem("Not an admin token"),
                    "404": problem("No such device in this location"),
                    "422": problem("An empty name, or an assignment that makes no sense (see approve)")
                }), &body_errors)
            },
            "delete": {
                "summary": "Remove (revoke) a device",
                "description": "At once: its secret buys no token, its tokens are refused (401 `DEVICE_REVOKED` on exchange, 401 on every call), and its sockets close with 1008 `this device was removed from the hub`.",
                "parameters": id_param,
                "responses": {
                    "200": json_body("The removed device", "Device"),
                    "400": problem("A path that is not UTF-8"),
                    "401": problem("No valid token"),
                    "403": problem("Not an admin token"),
                    "404": problem("No such device in this location"),
                    "500": problem("The hub failed (details only in its log)")
                }
            }
        }
    })
}

fn name_operations(document: &mut Value) {
    for (path, method, id) in OPERATIONS {
        if let Some(operation) = document.pointer_mut(&format!(
            "/paths/{}/{method}",
            path.replace('~', "~0").replace('/', "~1")
        )) {
            operation["operationId"] = json!(id);
        }
    }
}

/// OpenAPI links from a created order to what can be done with it next: integrators see
/// which field feeds which call, and generated tests (Schemathesis) chain them.
fn link_created_order(document: &mut Value) {
    let order = "$response.body#/orderId";
    let ticket = "$response.body#/tickets/0/id";
    let item = "$response.body#/tickets/0/items/0/id";
    let station = "$response.body#/tickets/0/station";
    let mut links = serde_json::Map::new();
    for id in [
        "getOrder",
        "changeOrder",
        "addItems",
        "cancelOrder",
        "fireCourse",
        "setOrderStatus",
    ] {
        links.insert(
            id.into(),
            json!({ "operationId": id, "parameters": { "id": order } }),
        );
    }
    for id in ["removeItem", "voidItem"] {
        links.insert(
            id.into(),
            json!({ "operationId": id, "parameters": { "id": order, "item": item } }),
        );
    }
    for id in ["getTicket", "bumpTicket", "recallTicket"] {
        links.insert(
            id.into(),
            json!({ "operationId": id, "parameters": { "id": ticket } }),
        );
    }
    links.insert(
        "bumpItem".into(),
        json!({ "operationId": "bumpItem", "parameters": { "id": ticket, "item": item } }),
    );
    links.insert(
        "listStationTickets".into(),
        json!({ "operationId": "listStationTickets", "parameters": { "station": station } }),
    );
    if let Some(created) = document.pointer_mut("/paths/~1api~1orders/post/responses/201") {
        created["links"] = Value::Object(links);
    }
}

/// The whole document.
pub fn document() -> Value {
    let mut generator = SchemaSettings::openapi3().into_generator();
    generator.subschema_for::<NewOrder>();
    generator.subschema_for::<OrderCreated>();
    generator.subschema_for::<Order>();
    generator.subschema_for::<OrderPatch>();
    generator.subschema_for::<AddItems>();
    generator.subschema_for::<FireCourse>();
    generator.subschema_for::<StatusChange>();
    generator.subschema_for::<Ticket>();
    generator.subschema_for::<ActionResult>();
    generator.subschema_for::<TicketDelivery>();
    generator.subschema_for::<Problem>();
    generator.subschema_for::<ClientMessage>();
    generator.subschema_for::<ServerMessage>();
    generator.subschema_for::<PairRequest>();
    generator.subschema_for::<PairTicket>();
    generator.subschema_for::<PairStatus>();
    generator.subschema_for::<PairApproval>();
    generator.subschema_for::<PendingPair>();
    generator.subschema_for::<TokenRequest>();
    generator.subschema_for::<AccessToken>();
    generator.subschema_for::<Device>();
    generator.subschema_for::<DevicePatch>();
    generator.subschema_for::<Login>();
    generator.subschema_for::<AdminSession>();
    generator.subschema_for::<AuditEntry>();
    generator.subschema_for::<KitchenSetup>();
    generator.subschema_for::<rail_protocol::ScreenProfile>();
    generator.subschema_for::<rail_protocol::FirstSetup>();
    generator.subschema_for::<rail_protocol::SetupState>();
    generator.subschema_for::<rail_protocol::ServiceReport>();
    generator.subschema_for::<rail_protocol::TodaySummary>();
    generator.subschema_for::<rail_protocol::RecordTimeline>();
    generator.subschema_for::<rail_protocol::RecordedBoard>();
    generator.subschema_for::<rail_protocol::GuestLink>();
    generator.subschema_for::<rail_protocol::GuestAccess>();
    generator.subschema_for::<rail_protocol::TableSession>();
    generator.subschema_for::<rail_protocol::pickup::BoardLink>();
    generator.subschema_for::<rail_protocol::PlatformEvent>();
    generator.subschema_for::<rail_protocol::platform::PublishedEvent>();
    let schemas = generator.take_definitions(true);

    let order_changed = |summary: &str,
                         description: &str,
                         params: &[&str],
                         request: Option<&str>| {
        operation(
            summary,
            description,
            params,
            request,
            {
                let mut r = vec![ok("200", "The order after the change", "Order")];
                r.extend(problems(&[("403", "The token may not change orders"), ("404", "No such order or item in this location"), ("409", "The change conflicts with the order's state (cancelled, nothing held, already voided)"), ("422", "Invalid body, or Idempotency-Key reused with another request")]));
                r
            },
            true,
        )
    };
    let ticket_action = |summary: &str, description: &str, params: &[&str]| {
        operation(
            summary,
            description,
            params,
            None,
            {
                let mut r = vec![ok(
                    "200",
                    "The outcome and the ticket as it now is",
                    "ActionResult",
                )];
                r.extend(problems(&[
                    ("403", "The token may not work this ticket's station"),
                    ("404", "No such ticket or item in this location"),
                    ("409", "The ticket was voided, or is held"),
                    ("422", "Idempotency-Key reused with another request"),
                ]));
                r
            },
            true,
        )
    };
    let ticket_read = |description: &str| {
        let mut r = vec![ok("200", description, "Ticket")];
        r.extend(problems(&[
            ("403", "The token may not see this station"),
            ("404", "No such ticket in this location"),
        ]));
        r
    };

    let mut document = json!({
        "openapi": "3.0.3",
        "info": {
            "title": "rail-hub",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Rail's hub: the POS posts and changes orders, kitchen screens read and bump tickets. \
    Every mutation publishes events on the WebSocket endpoint `/api/socket` (see docs/protocol.md). \
    Authenticate with `Authorization: Bearer <token>` (`rail-hub token`). Mutations accept an \
    `Idempotency-Key`: the same key with the same request returns the recorded response (with \
    `Idempotent-Replayed: true`) and publishes nothing again. Errors are RFC 9457 problem JSON \
    with a stable `code`. The admin page's session cookie stands in for an admin token; a change \
    made with it must carry the session's `X-CSRF-Token`, else 403 `CSRF`."
        },
        "security": [{ "bearer": [] }],
        "paths": {
            "/api/orders": {
                "post": operation("Post an order", "Splits the order into one ticket per station (by item `station`, else routing rules by name or category). Items of courses after the first are held until fired.", &[], Some("NewOrder"), {
                    let mut r = vec![ok("201", "The order's id and its tickets", "OrderCreated")];
                    r.extend(problems(&[("403", "The token may not post orders"), ("409", "An order with this id exists"), ("422", "Invalid order: no items, no station for an item, bad quantities, unknown fields")]));
                    r
                }, true)
            },
            "/api/orders/{id}": {
                "get": operation("Read an order", "The order as the hub keeps it (POS, expo and admin tokens).", &["id"], None, {
                    let mut r = vec![ok("200", "The order", "Order")];
                    r.extend(problems(&[("403", "Station tokens read tickets, not orders"), ("404", "No such order in this location")]));
                    r
                }, false),
                "patch": order_changed("Change rush, notes, table, guest or server", "Absent fields stay. Rush changes publish `kds:ticket-priority`; others `kds:ticket-updated`.", &["id"], Some("OrderPatch"))
            },
            "/api/orders/{id}/items": {
                "post": order_changed("Add items", "Added items are marked `added` on their tickets; a bumped ticket that gets new work returns to the rail.", &["id"], Some("AddItems"))
            },
            "/api/orders/{id}/items/{item}": {
                "delete": order_changed("Remove an item", "The item stays on the ticket, marked `removed`; a ticket with nothing left is voided.", &["id", "item"], None)
            },
            "/api/orders/{id}/items/{item}/void": {
                "post": order_changed("Void an item", "The item is marked `voided`; a ticket with nothing left is voided (`kds:ticket-voided`).", &["id", "item"], None)
            },
            "/api/orders/{id}/cancel": {
                "post": order_changed("Cancel the order", "Voids every ticket and sets the status `cancelled`.", &["id"], None)
            },
            "/api/orders/{id}/fire": {
                "post": order_changed("Fire a course", "Releases held items up to `course` (`kds:ticket-fired`). Courses also fire by themselves when everything fired before them is bumped. Expo tokens may fire.", &["id"], Some("FireCourse"))
            },
            "/api/orders/{id}/status": {
                "post": order_changed("Set the order status", "Publishes `order:status`. Expo tokens may set it (e.g. `served`). The hub sets `ready` itself when every ticket is bumped.", &["id"], Some("StatusChange"))
            },
            "/metrics": {
                "get": {
                    "summary": "Prometheus metrics",
                    "description": "Counters and gauges of the whole hub, for an `operator` (or `admin`) token. Subscription gauges are per kind of channel unless `metrics_tenant_labels` is set.",
                    "responses": {
                        "200": { "description": "Prometheus text format", "content": { "text/plain": { "schema": { "type": "string" } } } },
                        "401": { "description": "No valid token", "content": { "application/problem+json": { "schema": schema("Problem") } } },
                        "403": { "description": "The token is neither `operator` nor `admin`", "content": { "application/problem+json": { "schema": schema("Problem") } } }
                    }
                }
            },
            "/api/stations/{station}/tickets": {
                "get": {
                    "summary": "List a station's tickets",
                    "description": "Open tickets oldest first, or (`status=bumped`) the recently bumped newest first, for recall.",
                    "parameters": [
                        { "name": "station", "in": "path", "required": true, "schema": { "type": "string" } },
                        { "name": "status", "in": "query", "required": false, "schema": { "type": "string", "enum": ["open", "bumped"], "default": "open" } },
                        { "name": "limit", "in": "query", "required": false, "description": "How many bumped tickets to return; more than 500 returns 500.", "schema": { "type": "integer", "default": 20, "minimum": 0, "maximum": 4294967295u64 } }
                    ],
                    "responses": {
                        "200": { "description": "Tickets", "content": { "application/json": { "schema": { "type": "array", "items": schema("Ticket") } } } },
                        "400": { "description": "Unknown status, a limit that is not a whole number from 0, or a path that is not UTF-8", "content": { "application/problem+json": { "schema": schema("Problem") } } },
                        "401": { "description": "No valid token", "content": { "application/problem+json": { "schema": schema("Problem") } } },
                        "403": { "description": "The token may not see this station", "content": { "application/problem+json": { "schema": schema("Problem") } } }
                    }
                }
            },
            "/api/tickets/{id}": {
                "get": operation("Read a ticket", "Ticket ids are `<order id>:<station>`.", &["id"], None, ticket_read("The ticket"), false)
            },
            "/api/tickets/{id}/delivery": {
                "get": operation(
                    "Which screens have a ticket",
                    "The screens of the ticket's station that reported having it committed in their own cache, each with the hub time it said so, for the ticket's latest arrival on the rail (a recalled or fired ticket must arrive again). Screens report what they have applied on their socket. A hub that starts again reads back the arrivals of the last 12 hours from its event log, with the first proof kept of each; an older ticket, or one whose events were pruned from the history, has none (404).",
                    &["id"],
                    None,
                    {
                        let mut r = vec![ok("200", "The ticket's arrival and the screens that have it", "TicketDelivery")];
                        r.extend(problems(&[
                            ("403", "The token may not see this station"),
                            ("404", "No such ticket, or no record of it in the last 12 hours of history"),
                        ]));
                        r
                    },
                    false,
                )
            },
            "/api/tickets/{id}/bump": {
                "post": ticket_action("Bump a ticket", "Done at this station (`kds:ticket-bumped`). Bumping a bumped ticket answers `already-bumped` and changes nothing.", &["id"])
            },
            "/api/tickets/{id}/recall": {
                "post": ticket_action("Recall a bumped ticket", "Back on the rail (`kds:ticket-recalled`).", &["id"])
            },
            "/api/tickets/{id}/items/{item}/bump": {
                "post": ticket_action("Bump one item", "`kds:item-bumped`; the last pending item bumps the ticket. Bumping an item already done answers `already-bumped` and changes nothing, whether or not it was the ticket's last.", &["id", "item"])
            },
            "/api/tickets/{id}/items/{item}/recall": {
                "post": ticket_action("Take back an item bump", "The item is to cook again (`kds:ticket-updated` with its `itemId`); a ticket its bump had closed is back on the rail (`kds:ticket-recalled`) and the order is no longer ready at the pass. An item not done answers `already-open` and changes nothing.", &["id", "item"])
            },
            "/api/tickets/{id}/acknowledge": {
                "post": ticket_action("Acknowledge a ticket's changes", "A cook has seen what the POS added, voided or removed: `changesAcknowledged` becomes true for every screen of the station (`kds:ticket-updated`) until the next change. Acknowledging again answers `already-acknowledged` and changes nothing.", &["id"])
            }
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" } },
            "parameters": {
                "IdempotencyKey": {
                    "name": "Idempotency-Key", "in": "header", "required": false,
                    "description": "1-128 visible ASCII characters (no spaces) chosen by the client; retries with the same key and request get the recorded response.",
                    "schema": { "type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[!-~]+$" }
                }
            },
            "schemas": schemas
        }
    });
    if let (Some(paths), Some(devices)) = (
        document["paths"].as_object_mut(),
        device_paths().as_object().cloned(),
    ) {
        paths.extend(devices);
    }
    if let (Some(paths), Some(record)) = (
        document["paths"].as_object_mut(),
        record_paths().as_object().cloned(),
    ) {
        paths.extend(record);
    }
    name_operations(&mut document);
    link_created_order(&mut document);
    document
}

#[cfg(test)]
mod tests {
    /// Links and generated clients find operations by id: every operation has one.
    #[test]
    fn every_operation_has_an_id_and_every_link_names_one() {
        let document = super::document();
        let mut ids = Vec::new();
        for (path, item) in document["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("operations") {
                let id = operation["operationId"].as_str();
                assert!(id.is_some(), "{method} {path} has no operationId");
                ids.extend(id);
            }
        }
        let links = &document["paths"]["/api/orders"]["post"]["responses"]["201"]["links"];
        for (name, link) in links.as_object().expect("links") {
            let target = link["operationId"].as_str().expect("operationId");
            assert!(ids.contains(&target), "link {name} names no operation");
        }
    }

    /// Keeps `docs/openapi.json` equal to what the hub serves; `cargo xtask test` fails
    /// when the committed copy is stale (the same guard as the TypeScript bindings).
    #[test]
    fn export_openapi_document() {
        let text = serde_json::to_string_pretty(&super::document()).expect("encode") + "\n";
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
        std::fs::write(&path, text).expect("write docs/openapi.json");
    }
}
