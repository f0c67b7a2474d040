//! What the screen shows, as one value: the engine publishes a new [`ScreenState`]
//! whenever anything visible changes, and the UI draws it.

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

/// Everything the screen draws.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ScreenState {
    /// Channels this screen follows, e.g. `kds:grill`.
    pub channels: Vec<String>,
    /// Open tickets, oldest first, with this screen's undelivered actions applied.
    pub tickets: Vec<Ticket>,
    /// Recently bumped tickets, newest first (the recall list).
    pub recent: Vec<Ticket>,
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
}
