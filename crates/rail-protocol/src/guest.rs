//! Guests following their order: a short link the POS prints on the receipt (or a
//! table's card carries for one party's stay), and the read-only access it buys.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// `POST /api/orders/{id}/guest-link`: the order's short link. One per order; asking
/// again answers the same code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct GuestLink {
    pub order_id: String,
    /// Ten letters and digits, unguessable; print it, or the path, as a QR code.
    pub code: String,
    /// `/o/<code>` on the hub: the guest page.
    pub path: String,
}

/// `POST /api/tables/{table}/session` and `GET` of it: one party's stay at a table and
/// its short link. Seating the next party closes it: its link then shows that party's
/// orders only, for the grace period, and never the next party's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TableSession {
    pub table_id: String,
    /// `session:<sessionId>` carries the orders taken at the table during the stay.
    pub session_id: String,
    /// Ten letters and digits, unguessable; print it, or the path, on the table card.
    pub code: String,
    /// `/o/<code>` on the hub: the same guest page, listing the party's orders.
    pub path: String,
    #[ts(type = "number")]
    pub opened_at_ms: i64,
    /// When the party left or the next one sat; `None` while it is open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub closed_at_ms: Option<i64>,
}

/// `GET /api/guest/{code}`: what the guest page needs to follow its order, or its
/// party's orders at a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct GuestAccess {
    /// A `guest` token that reads `channel` and nothing else; short-lived, the page asks
    /// again when it runs out.
    pub token: String,
    /// The order an order's link follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub order_id: Option<String>,
    /// The table a table session's link follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub table_id: Option<String>,
    /// `order:<orderId>` or `session:<id>`: the one channel the token opens.
    pub channel: String,
    /// Seconds the token is good for.
    pub expires_in_secs: u64,
}

/// How long a guest link keeps working after its order is closed (served, completed or
/// cancelled), by default.
pub const DEFAULT_GRACE_MINUTES: u64 = 30;
