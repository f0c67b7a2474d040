//! Proof that a ticket reached its station: which screens have it, and since when.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// `GET /api/tickets/{id}/delivery`: the screens of the ticket's station that have
/// committed it to their own cache, as they reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TicketDelivery {
    pub ticket_id: String,
    /// The station's channel the ticket reached, e.g. `kds:grill`.
    pub channel: String,
    /// The sequence of the event that put the ticket on the rail.
    #[ts(type = "number")]
    pub seq: u64,
    /// When it was put on the rail (hub time, ms).
    #[ts(type = "number")]
    pub posted_at_ms: i64,
    /// Each screen that has it, first to report first.
    pub screens: Vec<ScreenReceipt>,
}

/// One screen holding a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ScreenReceipt {
    /// The device id (or, for a screen on a hand-made token, the token's subject).
    pub screen: String,
    /// The device's name, for a paired screen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub name: Option<String>,
    /// When the hub heard that the screen had it (hub time, ms).
    #[ts(type = "number")]
    pub at_ms: i64,
}

/// A ticket no screen of its station has, some seconds after it reached the rail
/// (`kds:ticket-undelivered`), and later the all-clear once one has it
/// (`kds:ticket-delivered`). Sent to expo (`location:`) and to whoever follows the
/// order (`order:`), so the pass and the POS know a station may not have seen it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DeliveryAlert {
    pub ticket_id: String,
    pub order_id: String,
    pub order_number: String,
    pub station: String,
    /// When the ticket reached the rail (hub time, ms).
    #[ts(type = "number")]
    pub posted_at_ms: i64,
    /// The station's fallback printer the ticket was sent to, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub printer: Option<String>,
}
