//! Events the restaurant's own platform publishes through the hub (`POST /api/events`,
//! `server` tokens): orders of its own, items, tables, sync and notifications, each
//! with its declared schema, reaching subscribers on the same durable, replayable
//! channels as kitchen events. `order:updated` is the hub's own (it carries the whole
//! order the kitchen works from), so the platform does not publish it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::channel::{is_valid_id, Channel};

/// `order:item-added`: an item added to an order on the platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct ItemAdded {
    pub order_id: String,
    pub item_id: String,
    pub name: String,
    /// In the currency's main unit (e.g. 12.5).
    pub price: f64,
}

/// `order:item-updated`: an item's status changed on the platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct ItemUpdated {
    pub order_id: String,
    pub item_id: String,
    pub status: String,
}

/// `table:status-changed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct TableStatusChanged {
    pub table_id: String,
    pub previous_status: String,
    pub new_status: String,
}

/// `table:combined`: two tables seated as one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct TableCombined {
    pub primary_id: String,
    pub secondary_id: String,
    pub combined_name: String,
}

/// `table:split`: a combined table back to its tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct TableSplit {
    pub table_id: String,
    pub restored_table_ids: Vec<String>,
}

/// `sync:conflict`: an offline device's change met another one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct SyncConflict {
    pub entity_type: String,
    pub entity_id: String,
    /// The conflicting versions, as the platform keeps them.
    #[ts(type = "Array<unknown>")]
    pub versions: Vec<serde_json::Value>,
}

/// `sync:completed`: a device's batch of offline changes went through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct SyncCompleted {
    pub pushed: u32,
    pub pulled: u32,
    pub conflicts: u32,
}

/// `notification`: a message for one employee's handheld, or the whole location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct Notification {
    /// Whose handheld (`employee:<id>`); none: the location's channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub employee_id: Option<String>,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub body: Option<String>,
    /// The order it is about, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub order_id: Option<String>,
}

/// `POST /api/events`: one platform event, by type, with its data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(tag = "type", content = "data", deny_unknown_fields)]
#[ts(export)]
pub enum PlatformEvent {
    #[serde(rename = "order:created")]
    OrderCreated(crate::order::OrderCreated),
    #[serde(rename = "order:item-added")]
    ItemAdded(ItemAdded),
    #[serde(rename = "order:item-updated")]
    ItemUpdated(ItemUpdated),
    #[serde(rename = "table:status-changed")]
    TableStatusChanged(TableStatusChanged),
    #[serde(rename = "table:combined")]
    TableCombined(TableCombined),
    #[serde(rename = "table:split")]
    TableSplit(TableSplit),
    #[serde(rename = "sync:conflict")]
    SyncConflict(SyncConflict),
    #[serde(rename = "sync:completed")]
    SyncCompleted(SyncCompleted),
    #[serde(rename = "notification")]
    Notification(Notification),
}

/// Types a platform may publish, as `type` spells them.
pub const PLATFORM_EVENT_TYPES: [&str; 9] = [
    "order:created",
    "order:item-added",
    "order:item-updated",
    "table:status-changed",
    "table:combined",
    "table:split",
    "sync:conflict",
    "sync:completed",
    "notification",
];

/// The longest text field a platform event may carry.
pub const MAX_PLATFORM_TEXT: usize = 500;

impl PlatformEvent {
    /// The channels the event goes to in `location_id`, always the location's first
    /// (the platform's dashboards follow it), or why its ids cannot name channels.
    ///
    /// # Errors
    /// An id that is not a valid channel id (letters, digits, `-`, `_`, `.`).
    pub fn channels(&self, location_id: &str) -> Result<Vec<Channel>, String> {
        let id = |what: &str, value: &str| {
            if is_valid_id(value) {
                Ok(value.to_owned())
            } else {
                Err(format!(
                    "{what} {value:?}: 1-64 letters, digits, - _ . (it names a channel)"
                ))
            }
        };
        let mut channels = vec![Channel::Location(location_id.to_owned())];
        match self {
            PlatformEvent::OrderCreated(e) => {
                channels.push(Channel::Order(id("orderId", &e.order_id)?));
                if let Some(table) = &e.table_id {
                    channels.push(Channel::Table(id("tableId", table)?));
                }
            }
            PlatformEvent::ItemAdded(e) => {
                channels.push(Channel::Order(id("orderId", &e.order_id)?))
            }
            PlatformEvent::ItemUpdated(e) => {
                channels.push(Channel::Order(id("orderId", &e.order_id)?));
            }
            PlatformEvent::TableStatusChanged(e) => {
                channels.push(Channel::Table(id("tableId", &e.table_id)?));
            }
            PlatformEvent::TableCombined(e) => {
                channels.push(Channel::Table(id("primaryId", &e.primary_id)?));
                channels.push(Channel::Table(id("secondaryId", &e.secondary_id)?));
            }
            PlatformEvent::TableSplit(e) => {
                channels.push(Channel::Table(id("tableId", &e.table_id)?));
                for restored in &e.restored_table_ids {
                    channels.push(Channel::Table(id("restoredTableIds", restored)?));
                }
            }
            PlatformEvent::SyncConflict(_) | PlatformEvent::SyncCompleted(_) => {}
            PlatformEvent::Notification(e) => {
                if let Some(employee) = &e.employee_id {
                    // A personal message goes to the handheld only.
                    channels = vec![Channel::Employee(id("employeeId", employee)?)];
                }
            }
        }
        channels.dedup();
        Ok(channels)
    }

    /// Texts too long for a kitchen's channels, if any.
    pub fn problem(&self) -> Option<String> {
        if let PlatformEvent::OrderCreated(e) = self {
            if !e.tickets.is_empty() {
                return Some(
                    "an order:created from the platform carries no tickets: the kitchen's \
                     orders are posted to /api/orders"
                        .into(),
                );
            }
            if e.total.is_some_and(|t| !t.is_finite()) {
                return Some("total must be a number".into());
            }
            if let Some(employee) = e.employee_id.as_deref().filter(|e| !is_valid_id(e)) {
                return Some(format!(
                    "employeeId {employee:?}: 1-64 letters, digits, - _ ."
                ));
            }
        }
        let texts: Vec<&str> = match self {
            PlatformEvent::OrderCreated(_) => vec![],
            PlatformEvent::ItemAdded(e) => vec![&e.name],
            PlatformEvent::ItemUpdated(e) => vec![&e.status],
            PlatformEvent::TableStatusChanged(e) => vec![&e.previous_status, &e.new_status],
            PlatformEvent::TableCombined(e) => vec![&e.combined_name],
            PlatformEvent::TableSplit(_) | PlatformEvent::SyncCompleted(_) => vec![],
            PlatformEvent::SyncConflict(e) => vec![&e.entity_type, &e.entity_id],
            PlatformEvent::Notification(e) => {
                let mut t = vec![e.title.as_str()];
                t.extend(e.body.as_deref());
                t
            }
        };
        if let PlatformEvent::ItemAdded(e) = self {
            if !e.price.is_finite() {
                return Some("price must be a number".into());
            }
        }
        texts
            .iter()
            .find(|t| t.len() > MAX_PLATFORM_TEXT)
            .map(|_| format!("texts are at most {MAX_PLATFORM_TEXT} bytes"))
    }
}

/// `POST /api/events`' answer: where the event was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PublishedEvent {
    #[serde(rename = "type")]
    pub kind: String,
    /// Each channel it went to, with its sequence number there.
    pub channels: Vec<ChannelSeq>,
}

/// An event's place in one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ChannelSeq {
    pub channel: String,
    #[ts(type = "number")]
    pub seq: u64,
}
