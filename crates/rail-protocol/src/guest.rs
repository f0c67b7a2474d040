//! Guests following their order: a short link the POS prints on the receipt, and the
//! read-only access it buys.

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

/// `GET /api/guest/{code}`: what the guest page needs to follow its order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct GuestAccess {
    /// A `guest` token that reads `order:<orderId>` and nothing else; short-lived, the
    /// page asks again when it runs out.
    pub token: String,
    pub order_id: String,
    /// `order:<orderId>`, the one channel the token opens.
    pub channel: String,
    /// Seconds the token is good for.
    pub expires_in_secs: u64,
}

/// How long a guest link keeps working after its order is closed (served, completed or
/// cancelled), by default.
pub const DEFAULT_GRACE_MINUTES: u64 = 30;
