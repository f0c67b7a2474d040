//! The per-channel event log: gap-free sequence numbers, replay reads and pruning.

use crate::store::Db;
use rail_protocol::{Envelope, Event};

use super::StoreError;

/// An event written to one channel's log, ready to send to that channel's subscribers.
#[derive(Debug, Clone)]
pub struct Published {
    pub location_id: String,
    pub channel: String,
    pub seq: u64,
    /// The encoded envelope, built once and shared by every subscriber.
    pub frame: String,
    /// The ticket this event put on a station's rail (a `kds:` channel's new, fired or
    /// recalled ticket, open now), whose arrival the screens must then prove.
    pub arrival: Option<String>,
}

/// What the log holds for a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelPosition {
    /// Sequence of the newest event, 0 when the channel never had one.
    pub last_seq: u64,
    /// Sequence of the oldest event still kept, if any is.
    pub oldest_kept: Option<u64>,
}

/// Appends `event` to `channel`'s log with the next sequence number.
pub(crate) fn append(
    tx: &Db,
    location_id: &str,
    channel: &str,
    event: &Event,
    now_ms: i64,
) -> Result<Published, StoreError> {
    let seq: u64 = tx.query_row(
        "INSERT INTO channels (location_id, channel, last_seq) VALUES (?1, ?2, 1)
         ON CONFLICT (location_id, channel) DO UPDATE SET last_seq = channels.last_seq + 1
         RETURNING last_seq",
        (location_id, channel),
        |row| row.get(0),
    )?;
    let envelope = Envelope {
        channel: channel.to_owned(),
        seq,
        id: uuid::Uuid::now_v7().simple().to_string(),
        ts: now_ms,
        event: event.clone(),
    };
    let frame = serde_json::to_string(&envelope)?;
    tx.execute(
        "INSERT INTO events (location_id, channel, seq, ts_ms, frame) VALUES (?1, ?2, ?3, ?4, ?5)",
        (location_id, channel, seq, now_ms, &frame),
    )?;
    if matches!(channel.parse(), Ok(rail_protocol::Channel::Location(_))) {
        super::record::note(tx, location_id, now_ms, event, &frame)?;
    }
    Ok(Published {
        location_id: location_id.to_owned(),
        channel: channel.to_owned(),
        seq,
        frame,
        arrival: arrival(channel, event),
    })
}

/// The ticket `event` puts on the rail of `channel`, if it does.
fn arrival(channel: &str, event: &Event) -> Option<String> {
    if !matches!(channel.parse(), Ok(rail_protocol::Channel::Kds(_))) {
        return None;
    }
    match event {
        Event::TicketNew(e) | Event::TicketFired(e) | Event::TicketRecalled(e)
            if e.ticket.is_open() =>
        {
            Some(e.ticket.id.clone())
        }
        _ => None,
    }
}

/// The ticket the event in `frame` (an encoded envelope, as the log keeps it) put on
/// the rail of `channel`, if it did.
pub fn arrival_in_frame(channel: &str, frame: &str) -> Option<String> {
    if !channel.starts_with("kds:") {
        return None;
    }
    match serde_json::from_str::<Envelope>(frame) {
        Ok(envelope) => arrival(channel, &envelope.event),
        Err(error) => {
            tracing::warn!(%error, %channel, "an event in the log cannot be read");
            None
        }
    }
}

/// Where `channel`'s history stands.
pub fn position(
    conn: &Db,
    location_id: &str,
    channel: &str,
) -> Result<ChannelPosition, StoreError> {
    let last_seq: Option<u64> = conn.query_opt(
        "SELECT last_seq FROM channels WHERE location_id = ?1 AND channel = ?2",
        (location_id, channel),
        |row| row.get(0),
    )?;
    let oldest_kept: Option<u64> = conn.query_row(
        "SELECT MIN(seq) FROM events WHERE location_id = ?1 AND channel = ?2",
        (location_id, channel),
        |row| row.get(0),
    )?;
    Ok(ChannelPosition {
        last_seq: last_seq.unwrap_or(0),
        oldest_kept,
    })
}

/// The events of a channel after `after` and before `before`, oldest first, with their
/// sequence numbers, on any connection.
///
/// # Errors
/// On database failure.
pub fn between(
    conn: &Db,
    location_id: &str,
    channel: &str,
    after: u64,
    before: u64,
) -> Result<Vec<(u64, String)>, StoreError> {
    conn.query_map(
        "SELECT seq, frame FROM events
         WHERE location_id = ?1 AND channel = ?2 AND seq > ?3 AND seq < ?4 ORDER BY seq",
        (location_id, channel, after, before),
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
}

/// The frames of every event after `after_seq`, oldest first.
pub(crate) fn frames_after(
    conn: &Db,
    location_id: &str,
    channel: &str,
    after_seq: u64,
) -> Result<Vec<String>, StoreError> {
    conn.query_map(
        "SELECT frame FROM events WHERE location_id = ?1 AND channel = ?2 AND seq > ?3
         ORDER BY seq",
        (location_id, channel, after_seq),
        |row| row.get(0),
    )
}

impl super::Store {
    /// Where a channel's history stands.
    ///
    /// # Errors
    /// On database failure.
    pub fn position(
        &self,
        location_id: &str,
        channel: &str,
    ) -> Result<ChannelPosition, StoreError> {
        position(self.conn(), location_id, channel)
    }

    /// Every event frame after `after_seq` on a channel.
    ///
    /// # Errors
    /// On database failure.
    pub fn frames_after(
        &self,
        location_id: &str,
        channel: &str,
        after_seq: u64,
    ) -> Result<Vec<String>, StoreError> {
        frames_after(self.conn(), location_id, channel, after_seq)
    }

    /// The events of a channel after `after` and before `before`, oldest first, with
    /// their sequence numbers.
    ///
    /// # Errors
    /// On database failure.
    pub fn events_between(
        &self,
        location_id: &str,
        channel: &str,
        after: u64,
        before: u64,
    ) -> Result<Vec<(u64, String)>, StoreError> {
        between(self.conn(), location_id, channel, after, before)
    }

    /// Drops events older than `before_ms` and, per channel, all but the newest
    /// `keep_per_channel`. The channel's `last_seq` is kept, so sequence numbers never
    /// repeat; a client whose cursor falls before what is kept gets `reset`.
    ///
    /// # Errors
    /// On database failure.
    pub fn prune_history(
        &mut self,
        before_ms: i64,
        keep_per_channel: u64,
    ) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let mut removed = tx.execute("DELETE FROM events WHERE ts_ms < ?1", [before_ms])?;
        removed += tx.execute(
            "DELETE FROM events AS e WHERE e.seq <= (
                 SELECT c.last_seq - ?1 FROM channels AS c
                 WHERE c.location_id = e.location_id AND c.channel = e.channel)",
            [keep_per_channel],
        )?;
        tx.commit()?;
        Ok(removed)
    }
}
