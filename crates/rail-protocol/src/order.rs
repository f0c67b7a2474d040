//! REST bodies for orders posted by a POS.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ticket::{ItemStatus, OrderType, Ticket};

/// `POST /api/orders`: an order as the POS sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct NewOrder {
    /// The POS's own id for the order. Optional: the hub makes one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    #[schemars(regex(pattern = crate::limits::ID_PATTERN))]
    pub id: Option<String>,
    /// The number printed on the receipt and called out in the kitchen.
    #[schemars(length(min = 1, max = crate::limits::MAX_TEXT), regex(pattern = crate::limits::TEXT_PATTERN))]
    pub number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    #[schemars(length(min = 1, max = crate::limits::MAX_TEXT), regex(pattern = crate::limits::TEXT_PATTERN))]
    pub table: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    #[schemars(length(min = 1, max = crate::limits::MAX_TEXT), regex(pattern = crate::limits::TEXT_PATTERN))]
    pub guest: Option<String>,
    #[serde(default)]
    pub order_type: OrderType,
    /// Where the order came in from: `{"channel": "third-party", "name": "Uber Eats"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub source: Option<crate::ticket::OrderSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    #[schemars(length(min = 1, max = crate::limits::MAX_TEXT), regex(pattern = crate::limits::TEXT_PATTERN))]
    pub server: Option<String>,
    /// The platform's id of the server who took the order: their handheld
    /// (`employee:<id>`) hears when it is ready and when it is served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub employee_id: Option<String>,
    #[serde(default)]
    pub rush: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    #[schemars(length(min = 1, max = crate::limits::MAX_TEXT), regex(pattern = crate::limits::TEXT_PATTERN))]
    pub notes: Option<String>,
    /// When the POS took the order (hub time), if it was some time ago: a till that
    /// queued orders while the hub was unreachable sends them late, and the kitchen
    /// times them from when the guest ordered. Never later than now, never more than
    /// six hours back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    #[schemars(range(min = 0))]
    pub placed_at_ms: Option<i64>,
    /// A scheduled order (a pickup or delivery for later): when it must be ready, in
    /// hub time (ms since the Unix epoch). The hub holds each station's ticket and
    /// fires it so every station finishes together by then. None: as soon as possible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    #[schemars(range(min = 0))]
    pub due_at_ms: Option<i64>,
    #[schemars(length(min = 1, max = crate::limits::MAX_ITEMS))]
    pub items: Vec<NewOrderItem>,
}

/// One line of a posted order. It reaches a station either named outright (`station`)
/// or through the hub's routing rules (by item name, then by `category`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct NewOrderItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    #[schemars(regex(pattern = crate::limits::ID_PATTERN))]
    pub id: Option<String>,
    #[schemars(length(min = 1, max = crate::limits::MAX_TEXT), regex(pattern = crate::limits::TEXT_PATTERN))]
    pub name: String,
    #[serde(default = "one")]
    #[schemars(range(min = 1, max = crate::limits::MAX_QTY))]
    pub qty: u32,
    #[serde(default)]
    #[schemars(inner(length(min = 1, max = crate::limits::MAX_TEXT), regex(pattern = crate::limits::TEXT_PATTERN)))]
    pub modifiers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    #[schemars(length(min = 1, max = crate::limits::MAX_TEXT), regex(pattern = crate::limits::TEXT_PATTERN))]
    pub notes: Option<String>,
    #[serde(default)]
    #[schemars(inner(length(min = 1, max = crate::limits::MAX_TEXT), regex(pattern = crate::limits::TEXT_PATTERN)))]
    pub allergens: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    #[schemars(length(min = 1, max = crate::limits::MAX_TEXT), regex(pattern = crate::limits::TEXT_PATTERN))]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    #[schemars(regex(pattern = crate::limits::ID_PATTERN))]
    pub station: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    #[schemars(range(min = 1, max = crate::limits::MAX_COURSE))]
    pub course: Option<u32>,
    /// How long the item takes to make, in seconds; without it the hub's menu table
    /// (configuration `[prep_times]`) or its default prep time is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    #[schemars(range(min = 0, max = crate::limits::MAX_PREP_SECS))]
    pub prep_secs: Option<u32>,
    /// The guest's seat at the table, so expo and the runner plate for the right
    /// person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    #[schemars(range(min = 1, max = crate::limits::MAX_SEAT))]
    pub seat: Option<u32>,
}

fn one() -> u32 {
    1
}

/// Response to `POST /api/orders`, and the `order:created` event: the order and the
/// tickets it was split into. The platform may publish `order:created` for an order
/// of its own (`POST /api/events`), with no tickets and its table, server and total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct OrderCreated {
    pub order_id: String,
    #[serde(default)]
    pub tickets: Vec<Ticket>,
    /// The order's table, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub table_id: Option<String>,
    /// The server who took it (their `employee:<id>` channel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub employee_id: Option<String>,
    /// The order's total, in the currency's main unit, when the platform gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub total: Option<f64>,
}

/// Where an order is in its life, from the POS's first post to the table's last plate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum OrderStatus {
    #[default]
    Pending,
    Confirmed,
    Preparing,
    /// Every station has bumped its ticket.
    Ready,
    /// Expo sent it out.
    Served,
    Completed,
    Cancelled,
}

/// One line of an order as the hub keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OrderItem {
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
    pub course: u32,
    pub station: String,
    pub status: ItemStatus,
    /// Added after the order was first sent to the kitchen.
    #[serde(default)]
    pub added: bool,
    /// How long it takes to make, in seconds, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub prep_secs: Option<u32>,
    /// The guest's seat, when the POS said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub seat: Option<u32>,
}

/// An order as the hub keeps it: `GET /api/orders/{id}` and `order:*` events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Order {
    pub id: String,
    pub location_id: String,
    pub number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub table: Option<String>,
    /// The table session (one party's stay) the order was taken in, when its table had
    /// one open: its events also go to `session:<this>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub table_session: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub guest: Option<String>,
    pub order_type: OrderType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub source: Option<crate::ticket::OrderSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub server: Option<String>,
    /// The server's employee id on the platform, when the POS gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub employee_id: Option<String>,
    pub rush: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub notes: Option<String>,
    pub status: OrderStatus,
    /// Courses up to this one are cooking; later ones are held.
    pub fired_course: u32,
    #[ts(type = "number")]
    pub created_at_ms: i64,
    #[ts(type = "number")]
    pub version: u64,
    /// When a scheduled order must be ready (hub time); none: as soon as possible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub due_at_ms: Option<i64>,
    pub items: Vec<OrderItem>,
}

/// `PATCH /api/orders/{id}`: fields to change; absent fields stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct OrderPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub rush: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    #[schemars(length(min = 1, max = crate::limits::MAX_TEXT), regex(pattern = crate::limits::TEXT_PATTERN))]
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    #[schemars(length(min = 1, max = crate::limits::MAX_TEXT), regex(pattern = crate::limits::TEXT_PATTERN))]
    pub table: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    #[schemars(length(min = 1, max = crate::limits::MAX_TEXT), regex(pattern = crate::limits::TEXT_PATTERN))]
    pub guest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    #[schemars(length(min = 1, max = crate::limits::MAX_TEXT), regex(pattern = crate::limits::TEXT_PATTERN))]
    pub server: Option<String>,
    /// Moves a scheduled order's due time (hub time); tickets not fired yet follow it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    #[schemars(range(min = 0))]
    pub due_at_ms: Option<i64>,
}

/// `POST /api/orders/{id}/items`: lines added to an order already in the kitchen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct AddItems {
    #[schemars(length(min = 1, max = crate::limits::MAX_ITEMS))]
    pub items: Vec<NewOrderItem>,
}

/// `POST /api/orders/{id}/fire`: release a held course.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct FireCourse {
    #[schemars(range(min = 1, max = crate::limits::MAX_COURSE))]
    pub course: u32,
}

/// `POST /api/orders/{id}/status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct StatusChange {
    pub status: OrderStatus,
}

/// The `order:status` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OrderStatusChanged {
    pub order_id: String,
    pub status: OrderStatus,
    pub previous_status: OrderStatus,
}
