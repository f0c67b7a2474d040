//! The pickup board: takeout, pickup and delivery orders by number, preparing or ready,
//! for a screen in the dining room. It carries nothing else of an order.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::order::{Order, OrderStatus};
use crate::ticket::OrderType;

/// Where an order stands on the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum BoardStatus {
    Preparing,
    Ready,
    /// Collected, served or cancelled: off the board.
    Gone,
}

/// `board:order` on `board:<location>`, and each line of that channel's snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BoardEntry {
    pub order_id: String,
    /// The number the guest holds.
    pub number: String,
    /// The name to call out, when the POS gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub guest: Option<String>,
    pub order_type: OrderType,
    pub status: BoardStatus,
    /// When it reached this status (hub time, ms): a ready order leaves the board
    /// after it has waited as long as the board is set to keep it.
    #[ts(type = "number")]
    pub at_ms: i64,
}

/// `POST /api/board-link`: where a dining-room screen opens the pickup board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BoardLink {
    /// `/board#token=<token>` on the hub; add `?ready=<minutes>` before the `#` to keep
    /// ready orders up longer or shorter than 10 minutes.
    pub path: String,
    /// When the token in it runs out (hub time, ms): make a new link before then.
    #[ts(type = "number")]
    pub expires_at_ms: i64,
}

/// Order types a pickup board shows: the ones someone comes to the counter for.
pub fn on_the_board(order_type: OrderType) -> bool {
    matches!(
        order_type,
        OrderType::Takeout | OrderType::Pickup | OrderType::Delivery
    )
}

/// The board's status for an order's status.
pub fn board_status(status: OrderStatus) -> BoardStatus {
    match status {
        OrderStatus::Pending | OrderStatus::Confirmed | OrderStatus::Preparing => {
            BoardStatus::Preparing
        }
        OrderStatus::Ready => BoardStatus::Ready,
        OrderStatus::Served | OrderStatus::Completed | OrderStatus::Cancelled => BoardStatus::Gone,
    }
}

/// The board's line for `order` as it stands at `at_ms`; `None` for orders eaten in.
pub fn entry(order: &Order, at_ms: i64) -> Option<BoardEntry> {
    on_the_board(order.order_type).then(|| BoardEntry {
        order_id: order.id.clone(),
        number: order.number.clone(),
        guest: order.guest.clone(),
        order_type: order.order_type,
        status: board_status(order.status),
        at_ms,
    })
}
