//! The hub's tunables, with the defaults a restaurant gets without configuring anything.

use std::time::Duration;

use crate::routing::Routes;

/// Limits and timings of one hub. Every limit is explicit so that a misbehaving client
/// costs a bounded amount of memory and CPU.
#[derive(Debug, Clone)]
pub struct HubConfig {
    /// How often the hub sends a heartbeat (seed 001: 25 s). Clients declare the link
    /// dead after two missed heartbeats; the hub drops a peer silent for as long.
    pub heartbeat: Duration,
    /// How long a socket without an `Authorization` header may take to send `auth`.
    pub auth_timeout: Duration,
    /// Largest WebSocket message accepted (seed 004: 64 KB); larger closes with 1009.
    pub max_message_bytes: usize,
    /// Messages a client may send per minute before it gets `RATE_LIMITED`; twice
    /// that closes the socket with 1008.
    pub messages_per_minute: u32,
    /// Channels one socket may hold at once (seed 004: 10).
    pub max_subscriptions: usize,
    /// Frames queued for one slow client before it is dropped (close 1013) to resync;
    /// this bounds the hub's memory per connection.
    pub outbound_queue: usize,
    /// Events older than this are pruned from the replay history.
    pub history_max_age: Duration,
    /// At most this many events are kept per channel.
    pub history_per_channel: u64,
    pub routes: Routes,
}

impl Default for HubConfig {
    fn default() -> Self {
        HubConfig {
            heartbeat: Duration::from_secs(25),
            auth_timeout: Duration::from_secs(5),
            max_message_bytes: 64 * 1024,
            messages_per_minute: 100,
            max_subscriptions: 10,
            outbound_queue: 1024,
            // A kitchen's longest day, with margin: a screen off since breakfast still
            // replays instead of resetting.
            history_max_age: Duration::from_secs(36 * 3600),
            history_per_channel: 100_000,
            routes: Routes::default(),
        }
    }
}
