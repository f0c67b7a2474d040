//! What the screen shows: the [`Board`] (tickets, recall list, orders at the pass),
//! published when the tickets change, and the [`Status`] (link, pending actions,
//! clock), published when it changes — so a heartbeat never costs a ticket read, a
//! copy or a redraw of the rail. [`ScreenState`] is both, for one-shot reads.

use std::sync::Arc;

use rail_protocol::Ticket;
use serde::Serialize;
use ts_rs::TS;

/// The state of the link to the hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum LinkState {
    /// First connection attempt since start.
    Connecting,
    Online,
    /// The link dropped a moment ago; retrying.
    Reconnecting,
    /// Retries are failing; the screen works from its cache.
    Offline,
    /// The hub removed this screen: it shows its cache and must be paired again.
    Removed,
}

/// The link, since when it is in that state, and why if it is not online.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Connection {
    pub state: LinkState,
    /// Local time (ms since the Unix epoch) the link entered this state; for
    /// `offline`, when the link was lost.
    #[ts(type = "number")]
    pub since_ms: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub detail: Option<String>,
}

/// An action the hub refused for good, explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Rejection {
    pub ticket_id: String,
    pub reason: String,
}

/// What the rail shows: large, and changed only by the tickets themselves (an event,
/// an action, a delivery). The engine publishes it whole, shared, when it changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Board {
    /// Channels this screen follows, e.g. `kds:grill`.
    pub channels: Vec<String>,
    /// An expo screen: it follows the whole location and shows orders at the pass.
    pub expo: bool,
    /// Open tickets, oldest first, with this screen's undelivered actions applied.
    pub tickets: Vec<Ticket>,
    /// Recently bumped tickets, newest first (the recall list).
    pub recent: Vec<Ticket>,
    /// Orders at the pass, for an expo screen (empty on station screens).
    pub orders: Vec<ExpoOrder>,
    /// Tickets of scheduled orders the hub holds until their fire time, soonest first.
    pub scheduled: Vec<Ticket>,
    /// Tickets no screen of their station has, as the hub alerted (expo), oldest first.
    pub alerts: Vec<rail_protocol::DeliveryAlert>,
}

/// The board as the window receives it: the open tickets that are new or changed since
/// the board the window has (`base`), whole, and the ids of every open ticket in order;
/// the rest is small and sent whole. The window keeps its unchanged tickets as they
/// were, so a new order redraws one card rather than every card, and the message for
/// it carries one ticket rather than every ticket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BoardPatch {
    /// The board this patch applies to; 0: none, the patch is the whole board.
    #[ts(type = "number")]
    pub base: u64,
    /// The board it makes.
    #[ts(type = "number")]
    pub seq: u64,
    pub channels: Vec<String>,
    pub expo: bool,
    /// Every open ticket's id, in the board's order.
    pub order: Vec<String>,
    /// Open tickets new or changed since `base` (all of them when `base` is 0).
    pub changed: Vec<Ticket>,
    pub recent: Vec<Ticket>,
    pub orders: Vec<ExpoOrder>,
    pub scheduled: Vec<Ticket>,
    pub alerts: Vec<rail_protocol::DeliveryAlert>,
}

impl BoardPatch {
    /// What turns `previous` (board `base`) into `next` (board `seq`).
    pub fn between(base: u64, previous: &Board, seq: u64, next: &Board) -> Self {
        let before: std::collections::HashMap<&str, &Ticket> = previous
            .tickets
            .iter()
            .map(|t| (t.id.as_str(), t))
            .collect();
        BoardPatch {
            base,
            seq,
            channels: next.channels.clone(),
            expo: next.expo,
            order: next.tickets.iter().map(|t| t.id.clone()).collect(),
            changed: next
                .tickets
                .iter()
                .filter(|t| before.get(t.id.as_str()).is_none_or(|old| *old != *t))
                .cloned()
                .collect(),
            recent: next.recent.clone(),
            orders: next.orders.clone(),
            scheduled: next.scheduled.clone(),
            alerts: next.alerts.clone(),
        }
    }

    /// The whole of `board`, as board `seq`.
    pub fn whole(seq: u64, board: &Board) -> Self {
        Self::between(0, &Board::default(), seq, board)
    }
}

/// How the screen is doing: small, and changed often (every heartbeat moves
/// `last_sync_ms`). Publishing it never reads or copies a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Status {
    pub connection: Connection,
    /// Actions waiting to reach the hub.
    pub pending_actions: u32,
    pub rejections: Vec<Rejection>,
    /// Hub time minus local time: timers add it to the local clock so a kiosk with a
    /// wrong clock still shows true elapsed times.
    #[ts(type = "number")]
    pub clock_offset_ms: i64,
    /// Local time of the last message from the hub.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub last_sync_ms: Option<i64>,
    /// The screen profile the manager assigned on the hub: its timer colours, language,
    /// look and sound win over the screen's own settings. None: the screen's own.
    pub profile: Option<rail_protocol::ScreenProfile>,
    /// The day so far at the hub (expo screens), once it has answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub today: Option<rail_protocol::TodaySummary>,
}

/// Everything the screen draws: the board and the status, flattened into one object
/// on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ScreenState {
    #[serde(flatten)]
    #[ts(flatten)]
    pub board: Arc<Board>,
    #[serde(flatten)]
    #[ts(flatten)]
    pub status: Status,
}

/// One station's part of an order, as expo sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct StationProgress {
    pub station: String,
    pub ticket_id: String,
    /// Done at the station (bumped).
    pub done: bool,
    /// Items still to make there.
    pub pending: u32,
    /// What the station makes for the order, each marked done as it is bumped.
    pub items: Vec<ExpoItem>,
}

/// One line of an order at the pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ExpoItem {
    pub id: String,
    pub name: String,
    pub qty: u32,
    /// Made: bumped on its own, or its station's ticket bumped.
    pub done: bool,
    /// Its course waits for the POS (or expo) to fire it.
    pub held: bool,
    pub course: u32,
    /// The guest's seat, when the POS said.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seat: Option<u32>,
}

/// An order at the pass: every station's progress, ready when all are done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ExpoOrder {
    pub order_id: String,
    pub order_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub table: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub guest: Option<String>,
    pub order_type: rail_protocol::OrderType,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub source: Option<rail_protocol::OrderSource>,
    pub rush: bool,
    /// When its first ticket reached the rail (hub time).
    #[ts(type = "number")]
    pub created_at_ms: i64,
    pub stations: Vec<StationProgress>,
    pub ready: bool,
}

/// Groups tickets into orders at the pass. `gone` lists orders served, completed,
/// cancelled (or being served from this screen). A `held` ticket (a course the POS
/// holds) joins an order already at the pass, so expo sees what is still to fire; an
/// order only of held tickets is not at the pass yet.
pub fn expo_orders(
    open: &[Ticket],
    recent: &[Ticket],
    held: &[Ticket],
    gone: &[String],
) -> Vec<ExpoOrder> {
    let mut orders: Vec<ExpoOrder> = Vec::new();
    let at_pass: Vec<&str> = open
        .iter()
        .chain(recent)
        .map(|t| t.order_id.as_str())
        .collect();
    let waiting = held
        .iter()
        .filter(|t| at_pass.contains(&t.order_id.as_str()));
    for ticket in open.iter().chain(recent).chain(waiting) {
        if gone.contains(&ticket.order_id) {
            continue;
        }
        let done = ticket.status == rail_protocol::TicketStatus::Bumped;
        let progress = StationProgress {
            station: ticket.station.clone(),
            ticket_id: ticket.id.clone(),
            done,
            pending: ticket.items_to_cook().map(|i| i.qty).sum(),
            items: ticket
                .items
                .iter()
                .filter(|i| i.status.is_live())
                .map(|i| ExpoItem {
                    id: i.id.clone(),
                    name: i.name.clone(),
                    qty: i.qty,
                    done: done || (!i.is_to_cook() && !i.held),
                    held: i.held,
                    course: i.course,
                    seat: i.seat,
                })
                .collect(),
        };
        match orders.iter_mut().find(|o| o.order_id == ticket.order_id) {
            Some(order) => {
                order.created_at_ms = order.created_at_ms.min(ticket.created_at_ms);
                if !order.stations.iter().any(|s| s.station == progress.station) {
                    order.stations.push(progress);
                }
            }
            None => orders.push(ExpoOrder {
                order_id: ticket.order_id.clone(),
                order_number: ticket.order_number.clone(),
                table: ticket.table.clone(),
                guest: ticket.guest.clone(),
                order_type: ticket.order_type,
                source: ticket.source.clone(),
                rush: ticket.rush,
                created_at_ms: ticket.created_at_ms,
                stations: vec![progress],
                ready: false,
            }),
        }
    }
    // An order only of bumped tickets is shown only if one of its tickets is still on
    // some rail or it is waiting at the pass (all done, not served).
    for order in &mut orders {
        order.stations.sort_by(|a, b| a.station.cmp(&b.station));
        order.ready = order.stations.iter().all(|s| s.done);
    }
    orders.sort_by(|a, b| {
        b.rush
            .cmp(&a.rush)
            .then(a.created_at_ms.cmp(&b.created_at_ms))
    });
    orders
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(id: &str, rush: bool) -> Ticket {
        serde_json::from_value(serde_json::json!({
            "id": id, "orderId": id, "orderNumber": id, "locationId": "l", "station": "grill",
            "createdAtMs": 1, "version": 1, "rush": rush, "items": []
        }))
        .expect("ticket")
    }

    fn board(tickets: Vec<Ticket>) -> Board {
        Board {
            channels: vec!["kds:grill".into()],
            tickets,
            ..Board::default()
        }
    }

    #[test]
    fn a_patch_carries_only_new_and_changed_tickets_and_every_id_in_order() {
        let before = board(vec![
            ticket("a", false),
            ticket("b", false),
            ticket("c", false),
        ]);
        let after = board(vec![
            ticket("a", false),
            ticket("c", true),
            ticket("d", false),
        ]);
        let patch = BoardPatch::between(4, &before, 5, &after);
        assert_eq!((patch.base, patch.seq), (4, 5));
        assert_eq!(patch.order, ["a", "c", "d"], "b is gone by its absence");
        let changed: Vec<&str> = patch.changed.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(changed, ["c", "d"]);
        let whole = BoardPatch::whole(5, &after);
        assert_eq!((whole.base, whole.changed.len()), (0, 3));
        assert_eq!(whole.channels, ["kds:grill"]);
    }
}
