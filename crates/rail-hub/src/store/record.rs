//! The service record: a location's events kept for days (the replay history is pruned
//! in hours), written in the transaction of the change that caused them, and read
//! back for speed-of-service reports and the flight recorder.
//!
//! Every kitchen event reaches its location's channel (expo follows it), so recording
//! that one channel records each event once, tickets of every station included.

use crate::store::db::Args;
use crate::store::Db;
use rail_protocol::{Envelope, Event};

use super::{Store, StoreError};

/// One recorded event.
#[derive(Debug, Clone)]
pub struct RecordRow {
    /// Commit order.
    pub id: i64,
    pub envelope: Envelope,
}

/// Notes an event just appended to a location channel.
pub(crate) fn note(
    tx: &Db,
    location_id: &str,
    now_ms: i64,
    event: &Event,
    frame: &str,
) -> Result<(), StoreError> {
    let ticket = event.ticket();
    tx.execute(
        "INSERT INTO service_record (location_id, ts_ms, station, ticket_id, frame)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        (
            location_id,
            now_ms,
            ticket.map(|t| t.station.as_str()),
            ticket.map(|t| t.id.as_str()),
            frame,
        ),
    )?;
    Ok(())
}

fn rows(conn: &Db, sql: &str, args: impl Args) -> Result<Vec<RecordRow>, StoreError> {
    conn.query_map(sql, args, |row| {
        Ok(RecordRow {
            id: row.get(0)?,
            envelope: serde_json::from_str(&row.get::<String>(1)?)?,
        })
    })
}

/// The newest event of every ticket of `station` up to record id `upto` (each
/// ticket's state then), in record order.
///
/// # Errors
/// On database failure or a corrupt row.
pub fn latest_per_ticket(
    conn: &Db,
    location_id: &str,
    station: &str,
    upto: i64,
) -> Result<Vec<RecordRow>, StoreError> {
    rows(
        conn,
        "SELECT r.id, r.frame FROM service_record r
         JOIN (SELECT MAX(id) AS id FROM service_record
               WHERE location_id = ?1 AND station = ?2 AND id <= ?3
               GROUP BY ticket_id) last ON last.id = r.id
         ORDER BY r.id",
        (location_id, station, upto),
    )
}

/// The id of the last event of `station` at or before `at_ms`, if any.
///
/// # Errors
/// On database failure.
pub fn last_at(
    conn: &Db,
    location_id: &str,
    station: &str,
    at_ms: i64,
) -> Result<Option<i64>, StoreError> {
    conn.query_row(
        "SELECT MAX(id) FROM service_record
         WHERE location_id = ?1 AND station = ?2 AND ts_ms <= ?3",
        (location_id, station, at_ms),
        |row| row.get(0),
    )
}

/// One recorded event of `station` by id.
///
/// # Errors
/// On database failure or a corrupt row.
pub fn entry(
    conn: &Db,
    location_id: &str,
    station: &str,
    id: i64,
) -> Result<Option<RecordRow>, StoreError> {
    Ok(rows(
        conn,
        "SELECT id, frame FROM service_record
         WHERE location_id = ?1 AND station = ?2 AND id = ?3",
        (location_id, station, id),
    )?
    .pop())
}

/// Events of `station` (or, with `None`, of the whole location, order events
/// included) from `from_ms` up to but not including `to_ms`, oldest first, at most
/// `limit`.
///
/// # Errors
/// On database failure or a corrupt row.
pub fn between(
    conn: &Db,
    location_id: &str,
    station: Option<&str>,
    from_ms: i64,
    to_ms: i64,
    limit: u32,
) -> Result<Vec<RecordRow>, StoreError> {
    rows(
        conn,
        "SELECT id, frame FROM service_record
         WHERE location_id = ?1 AND ts_ms >= ?2 AND ts_ms < ?3
           AND (CAST(?4 AS TEXT) IS NULL OR station = ?4)
         ORDER BY id LIMIT ?5",
        (location_id, from_ms, to_ms, station, limit),
    )
}

impl Store {
    /// Drops recorded events, and proofs and alerts of arrivals, older than `before_ms`.
    ///
    /// # Errors
    /// On database failure.
    pub fn prune_record(&mut self, before_ms: i64) -> Result<usize, StoreError> {
        let records = self
            .conn
            .execute("DELETE FROM service_record WHERE ts_ms < ?1", [before_ms])?;
        Ok(records + super::deliveries::prune(&self.conn, before_ms)?)
    }
}
