//! REST bodies for orders posted by a POS.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ticket::{OrderType, Ticket};

/// `POST /api/orders`: an order as the POS sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct NewOrder {
    /// The POS's own id for the order. Optional: the hub makes one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub id: Option<String>,
    /// The number printed on the receipt and called out in the kitchen.
    pub number: String,
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
    #[serde(default)]
    pub rush: bool,
    pub items: Vec<NewOrderItem>,
}

/// One line of a posted order. It reaches a station either named outright (`station`)
/// or through the hub's routing rules (by item name, then by `category`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct NewOrderItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub id: Option<String>,
    pub name: String,
    #[serde(default = "one")]
    pub qty: u32,
    #[serde(default)]
    pub modifiers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub notes: Option<String>,
    #[serde(default)]
    pub allergens: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub station: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub course: Option<u32>,
}

fn one() -> u32 {
    1
}

/// Response to `POST /api/orders`: the tickets the order was split into.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OrderCreated {
    pub order_id: String,
    pub tickets: Vec<Ticket>,
}
