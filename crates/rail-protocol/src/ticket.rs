//! Tickets: what a kitchen station sees of an order.
//!
//! The hub splits an order into one ticket per station that has items on it. A ticket
//! carries a `version` that grows with every change, so a screen can apply the same
//! update twice (a replay overlapping a snapshot) without harm: it keeps the higher one.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How the guest gets the food; screens colour and filter by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum OrderType {
    #[default]
    DineIn,
    Takeout,
    Delivery,
    Pickup,
    DriveThru,
}

/// Where a ticket is in its life at a station.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum TicketStatus {
    /// On the rail, being cooked.
    #[default]
    Open,
    /// Done at this station; kept for recall.
    Bumped,
    /// Cancelled by the POS.
    Voided,
    /// Only held courses so far: not on the rail until the course is fired.
    Held,
}

impl TicketStatus {
    /// The name used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Open => "open",
            TicketStatus::Bumped => "bumped",
            TicketStatus::Voided => "voided",
            TicketStatus::Held => "held",
        }
    }
}

/// State of one line on a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum ItemStatus {
    #[default]
    Pending,
    /// Bumped on its own (item bump).
    Done,
    /// Cancelled by the POS after it was sent: the cook must stop.
    Voided,
    /// Taken off the order by the POS (a correction).
    Removed,
}

impl ItemStatus {
    /// Still part of the food to make (pending or done), not voided or removed.
    pub fn is_live(self) -> bool {
        matches!(self, ItemStatus::Pending | ItemStatus::Done)
    }
}

/// One line of a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TicketItem {
    pub id: String,
    pub name: String,
    pub qty: u32,
    #[serde(default)]
    pub modifiers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub notes: Option<String>,
    #[serde(default)]
    pub allergens: Vec<String>,
    /// Course number; 1 is the first course.
    #[serde(default = "first_course")]
    pub course: u32,
    #[serde(default)]
    pub status: ItemStatus,
    /// Its course has not been fired yet.
    #[serde(default)]
    pub held: bool,
    /// Added by the POS after the ticket first reached the kitchen.
    #[serde(default)]
    pub added: bool,
}

fn first_course() -> u32 {
    1
}

/// The part of an order one station cooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Ticket {
    /// `<order id>:<station>`; stable across every change of the order.
    pub id: String,
    pub order_id: String,
    /// The number the POS prints and the kitchen calls out.
    pub order_number: String,
    pub location_id: String,
    pub station: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub table: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub guest: Option<String>,
    #[serde(default)]
    pub order_type: OrderType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub server: Option<String>,
    /// Order-level note from the POS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub notes: Option<String>,
    /// When the ticket reached the rail, in hub time (ms since the Unix epoch): the
    /// order's arrival, or the moment its course was fired. Every screen times a ticket
    /// from this instant whatever its own clock says.
    #[ts(type = "number")]
    pub created_at_ms: i64,
    #[serde(default)]
    pub rush: bool,
    #[serde(default)]
    pub status: TicketStatus,
    /// Grows with every change; a screen keeps the highest it has seen.
    #[ts(type = "number")]
    pub version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub bumped_at_ms: Option<i64>,
    pub items: Vec<TicketItem>,
}

impl Ticket {
    /// The id a ticket gets from its order and station.
    pub fn id_for(order_id: &str, station: &str) -> String {
        format!("{order_id}:{station}")
    }

    /// True while the ticket belongs on a station's rail.
    pub fn is_open(&self) -> bool {
        self.status == TicketStatus::Open
    }
}

/// What a bump or recall did at the hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum ActionOutcome {
    Bumped,
    /// Bumped earlier (by this or another screen): nothing changed.
    AlreadyBumped,
    Recalled,
    /// Already on the rail: nothing changed.
    AlreadyOpen,
}

/// Response to `POST /api/tickets/{id}/bump` and `/recall`: the outcome and the ticket
/// as it now is (with the version of the event the change produced).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[ts(export)]
pub struct ActionResult {
    pub outcome: ActionOutcome,
    pub ticket: Ticket,
}
