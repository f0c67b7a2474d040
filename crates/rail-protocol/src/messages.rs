//! The messages of the WebSocket endpoint `/api/socket`.
//!
//! Client → hub: [`ClientMessage`] (auth, subscribe, unsubscribe, ping).
//! Hub → client: [`ServerMessage`], either a [`Control`] message (ready, subscribed,
//! heartbeat, pong, error) or an event [`Envelope`]. Every event on a channel carries a
//! gap-free sequence number `seq` and the channel's `epoch`-bound cursor lets a client
//! resume exactly where it stopped; see `docs/protocol.md`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ticket::Ticket;

/// A position in a channel's history: the last event a client applied.
///
/// `epoch` names one unbroken history; if the hub's history was lost or reset it has a
/// new epoch and a cursor from the old one cannot be resumed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct Cursor {
    pub epoch: String,
    #[ts(type = "number")]
    pub seq: u64,
}

/// What a client sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
#[ts(export)]
pub enum ClientMessage {
    /// The token, when it was not sent as `Authorization: Bearer` on the upgrade.
    Auth {
        token: String,
    },
    /// Start receiving a channel. With `since`, the hub first replays every event after
    /// it; without, it sends a snapshot.
    Subscribe {
        channel: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        since: Option<Cursor>,
    },
    Unsubscribe {
        channel: String,
    },
    /// An empty struct (not a unit variant) so unknown fields are refused here too.
    Ping {},
    /// Every event of `channel` up to `seq` is committed in this screen's own cache:
    /// the hub's proof that the screen has the tickets they carry. Sent at most every
    /// few hundred milliseconds, and after each subscription's snapshot or replay.
    Applied {
        channel: String,
        #[ts(type = "number")]
        seq: u64,
    },
}

/// How a subscription started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Recovery {
    /// No `since` was given: here is a snapshot, live events follow.
    Fresh,
    /// Every event after `since` follows, in order, then live events.
    Recovered,
    /// `since` could not be honoured (other epoch, or older than the history kept):
    /// drop what you have for this channel and take the snapshot.
    Reset,
}

/// The state of a channel at the sequence given beside it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS, JsonSchema)]
#[ts(export)]
pub struct Snapshot {
    /// Open tickets of a kitchen channel, oldest first.
    pub tickets: Vec<Ticket>,
    /// A `location:` channel's delivery alerts still raised (tickets no screen of
    /// their station has), so an expo screen starting afresh shows them too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<crate::delivery::DeliveryAlert>>", optional)]
    pub alerts: Vec<crate::delivery::DeliveryAlert>,
    /// An `order:` channel's order as it stands (its snapshot then lists every ticket of
    /// the order, bumped ones too, so a guest page shows each station's progress).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub order: Option<Box<crate::order::Order>>,
    /// A `session:` channel's orders as they stand, oldest first (its snapshot's
    /// tickets are every ticket of those orders).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<crate::order::Order>>", optional)]
    pub orders: Vec<crate::order::Order>,
    /// A `board:` channel's orders preparing and ready.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<crate::pickup::BoardEntry>>", optional)]
    pub board: Vec<crate::pickup::BoardEntry>,
}

/// Stable names of the errors the hub reports on the socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[ts(export)]
pub enum ErrorCode {
    /// Not JSON, or not a known message.
    InvalidMessage,
    /// No valid token (then the socket closes with 1008).
    Unauthorized,
    /// The token does not allow this channel.
    Forbidden,
    UnknownChannel,
    NotSubscribed,
    TooManySubscriptions,
    RateLimited,
    Internal,
}

/// Hub → client messages that are not channel events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(tag = "type", rename_all = "lowercase")]
#[ts(export)]
pub enum Control {
    /// First message after a successful authentication.
    #[serde(rename_all = "camelCase")]
    Ready {
        connection_id: String,
        #[ts(type = "number")]
        server_time_ms: i64,
        #[ts(type = "number")]
        heartbeat_ms: u64,
        location_id: String,
        /// The screen profile the manager assigned this device, if any; none means
        /// the screen keeps its own settings.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        profile: Option<Box<crate::ScreenProfile>>,
    },
    /// The manager changed this device's screen profile (or took it away: none).
    Profile {
        profile: Option<Box<crate::ScreenProfile>>,
    },
    /// Answer to a subscribe. `seq` is the channel's position the snapshot (if any) is
    /// valid at; replayed events (for `recovered`) follow this message.
    #[serde(rename_all = "camelCase")]
    Subscribed {
        channel: String,
        epoch: String,
        #[ts(type = "number")]
        seq: u64,
        recovery: Recovery,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        snapshot: Option<Snapshot>,
    },
    Unsubscribed {
        channel: String,
    },
    /// Sent every `heartbeatMs` so a silent link can be told from a quiet kitchen.
    #[serde(rename_all = "camelCase")]
    Heartbeat {
        #[ts(type = "number")]
        server_time_ms: i64,
    },
    #[serde(rename_all = "camelCase")]
    Pong {
        #[ts(type = "number")]
        server_time_ms: i64,
    },
    Error {
        code: ErrorCode,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        channel: Option<String>,
    },
}

/// The body of every kitchen event: the ticket as it is after the change, so applying
/// an event is an upsert by id and version and can be repeated safely.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TicketEvent {
    pub ticket: Ticket,
    /// The item an item-level event is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub item_id: Option<String>,
    /// Device or user that caused the change, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub by: Option<String>,
}

/// Channel events, named `<scope>:<name>`: `kds:*` for a station's tickets, `order:*`
/// for the order as a whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(tag = "type", content = "data")]
#[ts(export)]
pub enum Event {
    #[serde(rename = "kds:ticket-new")]
    TicketNew(TicketEvent),
    #[serde(rename = "kds:ticket-updated")]
    TicketUpdated(TicketEvent),
    #[serde(rename = "kds:ticket-bumped")]
    TicketBumped(TicketEvent),
    #[serde(rename = "kds:item-bumped")]
    ItemBumped(TicketEvent),
    #[serde(rename = "kds:ticket-recalled")]
    TicketRecalled(TicketEvent),
    #[serde(rename = "kds:ticket-voided")]
    TicketVoided(TicketEvent),
    /// A held course was fired: the ticket (back) on the rail.
    #[serde(rename = "kds:ticket-fired")]
    TicketFired(TicketEvent),
    /// Rush set or cleared.
    #[serde(rename = "kds:ticket-priority")]
    TicketPriority(TicketEvent),
    #[serde(rename = "order:created")]
    OrderCreated(crate::order::OrderCreated),
    #[serde(rename = "order:updated")]
    OrderUpdated(crate::order::Order),
    #[serde(rename = "order:status")]
    OrderStatus(crate::order::OrderStatusChanged),
    /// No screen of the station has had the ticket for some seconds: escalated.
    #[serde(rename = "kds:ticket-undelivered")]
    TicketUndelivered(crate::delivery::DeliveryAlert),
    /// A screen of the station has the ticket an alert was raised for.
    #[serde(rename = "kds:ticket-delivered")]
    TicketDelivered(crate::delivery::DeliveryAlert),
    /// A takeout, pickup or delivery order on the pickup board changed.
    #[serde(rename = "board:order")]
    BoardOrder(crate::pickup::BoardEntry),
    // Published by the restaurant's platform (`POST /api/events`).
    #[serde(rename = "order:item-added")]
    ItemAdded(crate::platform::ItemAdded),
    #[serde(rename = "order:item-updated")]
    ItemUpdated(crate::platform::ItemUpdated),
    #[serde(rename = "table:status-changed")]
    TableStatusChanged(crate::platform::TableStatusChanged),
    #[serde(rename = "table:combined")]
    TableCombined(crate::platform::TableCombined),
    #[serde(rename = "table:split")]
    TableSplit(crate::platform::TableSplit),
    #[serde(rename = "sync:conflict")]
    SyncConflict(crate::platform::SyncConflict),
    #[serde(rename = "sync:completed")]
    SyncCompleted(crate::platform::SyncCompleted),
    #[serde(rename = "notification")]
    Notification(crate::platform::Notification),
}

impl From<crate::platform::PlatformEvent> for Event {
    fn from(event: crate::platform::PlatformEvent) -> Self {
        use crate::platform::PlatformEvent as P;
        match event {
            P::OrderCreated(e) => Event::OrderCreated(e),
            P::ItemAdded(e) => Event::ItemAdded(e),
            P::ItemUpdated(e) => Event::ItemUpdated(e),
            P::TableStatusChanged(e) => Event::TableStatusChanged(e),
            P::TableCombined(e) => Event::TableCombined(e),
            P::TableSplit(e) => Event::TableSplit(e),
            P::SyncConflict(e) => Event::SyncConflict(e),
            P::SyncCompleted(e) => Event::SyncCompleted(e),
            P::Notification(e) => Event::Notification(e),
        }
    }
}

impl Event {
    /// The event's wire name, as in `type`.
    pub fn name(&self) -> &'static str {
        match self {
            Event::TicketNew(_) => "kds:ticket-new",
            Event::TicketUpdated(_) => "kds:ticket-updated",
            Event::TicketBumped(_) => "kds:ticket-bumped",
            Event::ItemBumped(_) => "kds:item-bumped",
            Event::TicketRecalled(_) => "kds:ticket-recalled",
            Event::TicketVoided(_) => "kds:ticket-voided",
            Event::TicketFired(_) => "kds:ticket-fired",
            Event::TicketPriority(_) => "kds:ticket-priority",
            Event::OrderCreated(_) => "order:created",
            Event::OrderUpdated(_) => "order:updated",
            Event::OrderStatus(_) => "order:status",
            Event::TicketUndelivered(_) => "kds:ticket-undelivered",
            Event::TicketDelivered(_) => "kds:ticket-delivered",
            Event::BoardOrder(_) => "board:order",
            Event::ItemAdded(_) => "order:item-added",
            Event::ItemUpdated(_) => "order:item-updated",
            Event::TableStatusChanged(_) => "table:status-changed",
            Event::TableCombined(_) => "table:combined",
            Event::TableSplit(_) => "table:split",
            Event::SyncConflict(_) => "sync:conflict",
            Event::SyncCompleted(_) => "sync:completed",
            Event::Notification(_) => "notification",
        }
    }

    /// A kitchen event's ticket, with the item it is about and who caused it.
    pub fn ticket_event(&self) -> Option<&TicketEvent> {
        match self {
            Event::TicketNew(e)
            | Event::TicketUpdated(e)
            | Event::TicketBumped(e)
            | Event::ItemBumped(e)
            | Event::TicketRecalled(e)
            | Event::TicketVoided(e)
            | Event::TicketFired(e)
            | Event::TicketPriority(e) => Some(e),
            Event::OrderCreated(_)
            | Event::OrderUpdated(_)
            | Event::OrderStatus(_)
            | Event::TicketUndelivered(_)
            | Event::TicketDelivered(_)
            | Event::BoardOrder(_)
            | Event::ItemAdded(_)
            | Event::ItemUpdated(_)
            | Event::TableStatusChanged(_)
            | Event::TableCombined(_)
            | Event::TableSplit(_)
            | Event::SyncConflict(_)
            | Event::SyncCompleted(_)
            | Event::Notification(_) => None,
        }
    }

    /// The ticket a kitchen event carries.
    pub fn ticket(&self) -> Option<&Ticket> {
        self.ticket_event().map(|e| &e.ticket)
    }
}

/// One event on one channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[ts(export)]
pub struct Envelope {
    pub channel: String,
    /// Gap-free position of this event in its channel, from 1.
    #[ts(type = "number")]
    pub seq: u64,
    /// Unique event id.
    pub id: String,
    /// Hub time when the event was recorded, ms since the Unix epoch.
    #[ts(type = "number")]
    pub ts: i64,
    #[serde(flatten)]
    pub event: Event,
}

/// Anything the hub sends on the socket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(untagged)]
#[ts(export)]
pub enum ServerMessage {
    Control(Control),
    /// Boxed: events are far larger than control messages.
    Event(Box<Envelope>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::{OrderType, TicketStatus};

    fn ticket() -> Ticket {
        Ticket {
            changes_acknowledged: false,
            id: "o1:grill".into(),
            order_id: "o1".into(),
            order_number: "17".into(),
            location_id: "loc".into(),
            station: "grill".into(),
            table: Some("T5".into()),
            guest: None,
            order_type: OrderType::DineIn,
            server: None,
            notes: None,
            created_at_ms: 1_700_000_000_000,
            rush: false,
            status: TicketStatus::Open,
            version: 1,
            bumped_at_ms: None,
            items: vec![],
            due_at_ms: None,
            fire_at_ms: None,
            source: None,
        }
    }

    #[test]
    fn event_envelope_has_the_seed_names_on_the_wire() {
        let envelope = Envelope {
            channel: "kds:grill".into(),
            seq: 7,
            id: "e1".into(),
            ts: 5,
            event: Event::TicketNew(TicketEvent {
                ticket: ticket(),
                item_id: None,
                by: None,
            }),
        };
        let json =
            serde_json::to_value(ServerMessage::Event(Box::new(envelope.clone()))).expect("encode");
        assert_eq!(json["type"], "kds:ticket-new");
        assert_eq!(json["seq"], 7);
        assert_eq!(json["data"]["ticket"]["orderNumber"], "17");
        let back: ServerMessage = serde_json::from_value(json).expect("decode");
        assert_eq!(back, ServerMessage::Event(Box::new(envelope)));
    }

    #[test]
    fn control_messages_round_trip() {
        let ready = ServerMessage::Control(Control::Ready {
            connection_id: "c".into(),
            server_time_ms: 1,
            heartbeat_ms: 25_000,
            location_id: "loc".into(),
            profile: None,
        });
        let text = serde_json::to_string(&ready).expect("encode");
        assert!(text.contains(r#""type":"ready""#), "{text}");
        assert!(text.contains(r#""heartbeatMs":25000"#), "{text}");
        assert!(!text.contains("profile"), "no profile, no key: {text}");
        assert_eq!(
            serde_json::from_str::<ServerMessage>(&text).expect("decode"),
            ready
        );
        let cleared = ServerMessage::Control(Control::Profile { profile: None });
        let text = serde_json::to_string(&cleared).expect("encode");
        assert_eq!(text, r#"{"type":"profile","profile":null}"#);
        assert_eq!(
            serde_json::from_str::<ServerMessage>(&text).expect("decode"),
            cleared
        );
    }

    #[test]
    fn client_messages_refuse_unknown_types_and_fields() {
        let sub: ClientMessage = serde_json::from_str(
            r#"{"type":"subscribe","channel":"kds:grill","since":{"epoch":"e","seq":3}}"#,
        )
        .expect("decode");
        assert_eq!(
            sub,
            ClientMessage::Subscribe {
                channel: "kds:grill".into(),
                since: Some(Cursor {
                    epoch: "e".into(),
                    seq: 3
                })
            }
        );
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"shout"}"#).is_err());
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"ping","x":1}"#).is_err());
    }
}
