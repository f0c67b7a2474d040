//! What outlives the hub process of the proof that tickets reached their station: the
//! first screen to have each arrival, and the alerts raised and cleared for arrivals no
//! screen had in time. Matching screens' reports to arrivals happens in memory
//! (`crate::delivery`); this is where a hub starting again reads back what was known,
//! and where hubs sharing a store settle which of them raises or clears an alert.
//!
//! An arrival is keyed by the event that put its ticket on the rail: (location,
//! channel, sequence). The arrivals themselves are the event log's; a row here exists
//! only once a proof or an alert does.

use super::db::{ToValue, Value};
use super::{Db, StoreError};
use crate::delivery::{ArrivalKey, ScreenProof};

/// An arrival read back from the event log, with what the store knows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptArrival {
    pub location: String,
    pub channel: String,
    pub seq: u64,
    pub ticket_id: String,
    pub posted_at_ms: i64,
    /// The first screen that proved it, and when.
    pub proof: Option<(String, i64)>,
    /// Whether an alert was raised for it (cleared since or not).
    pub alerted: bool,
}

/// Who answers an overdue arrival.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This hub raises the alert.
    Raise,
    /// A screen on another hub of the group proved it meanwhile.
    Proven { screen: String, at_ms: i64 },
    /// Another hub (or this one before it started again) raised it already.
    Raised,
}

/// The tickets put on a station's rail since `since_ms`, oldest first per channel,
/// with the proofs and alerts the store has of each.
///
/// # Errors
/// On database failure.
fn arrivals_since(conn: &Db, since_ms: i64) -> Result<Vec<KeptArrival>, StoreError> {
    let rows = conn.query_map(
        "SELECT e.location_id, e.channel, e.seq, e.ts_ms, e.frame,
                d.proven_by, d.proven_at_ms, d.alerted_at_ms
         FROM events e
         LEFT JOIN deliveries d
           ON d.location_id = e.location_id AND d.channel = e.channel AND d.seq = e.seq
         WHERE e.ts_ms >= ?1 AND e.channel LIKE 'kds:%'
         ORDER BY e.location_id, e.channel, e.seq",
        [since_ms],
        |row| {
            let proven_by: Option<String> = row.get(5)?;
            let proven_at: Option<i64> = row.get(6)?;
            let alerted_at: Option<i64> = row.get(7)?;
            Ok((
                row.get::<String>(0)?,
                row.get::<String>(1)?,
                row.get::<u64>(2)?,
                row.get::<i64>(3)?,
                row.get::<String>(4)?,
                proven_by.zip(proven_at),
                alerted_at.is_some(),
            ))
        },
    )?;
    let mut kept = Vec::new();
    for (location, channel, seq, posted_at_ms, frame, proof, alerted) in rows {
        if let Some(ticket_id) = super::events::arrival_in_frame(&channel, &frame) {
            kept.push(KeptArrival {
                location,
                channel,
                seq,
                ticket_id,
                posted_at_ms,
                proof,
                alerted,
            });
        }
    }
    Ok(kept)
}

/// Proofs written in one statement: seven arguments each, well within both engines'
/// limits on a statement's arguments.
const PROOFS_PER_STATEMENT: usize = 100;

/// Keeps `proofs` of arrivals in `location` (the first proof of an arrival stays), then
/// clears every alert standing there for a ticket now proven at or after the arrival
/// alerted (a screen connected to another hub of the group may have proved it).
/// Answers the alerts this cleared, as (ticket id, when its arrival was posted): their
/// all-clear is this hub's to say. A round trip per hundred proofs and one more, so a
/// busy kitchen's proofs cost a shared store little.
///
/// # Errors
/// On database failure.
pub(crate) fn keep_proofs(
    tx: &Db,
    location: &str,
    proofs: &[ScreenProof],
    now_ms: i64,
) -> Result<Vec<(String, i64)>, StoreError> {
    for chunk in proofs.chunks(PROOFS_PER_STATEMENT) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|row| {
                let at = row * 7;
                format!(
                    "(?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{})",
                    at + 1,
                    at + 2,
                    at + 3,
                    at + 4,
                    at + 5,
                    at + 6,
                    at + 7
                )
            })
            .collect();
        let mut values: Vec<Value<'_>> = Vec::with_capacity(chunk.len() * 7);
        for proof in chunk {
            let arrival = &proof.arrival;
            values.extend([
                Value::Text(location),
                Value::Text(&arrival.channel),
                arrival.seq.to_value(),
                Value::Text(&arrival.ticket_id),
                Value::Int(arrival.posted_at_ms),
                Value::Text(&proof.screen),
                Value::Int(proof.at_ms),
            ]);
        }
        tx.execute(
            &format!(
                "INSERT INTO deliveries
                     (location_id, channel, seq, ticket_id, posted_at_ms, proven_by, proven_at_ms)
                 VALUES {}
                 ON CONFLICT (location_id, channel, seq) DO UPDATE SET
                     proven_by = COALESCE(deliveries.proven_by, excluded.proven_by),
                     proven_at_ms = COALESCE(deliveries.proven_at_ms, excluded.proven_at_ms)",
                rows.join(", ")
            ),
            values,
        )?;
    }
    // An alert of an earlier arrival of the same ticket (recalled since) is answered
    // by a later proof too: the ticket is on a screen now.
    tx.query_map(
        "UPDATE deliveries SET cleared_at_ms = ?2
         WHERE location_id = ?1 AND alerted_at_ms IS NOT NULL AND cleared_at_ms IS NULL
           AND EXISTS (
               SELECT 1 FROM deliveries proof
               WHERE proof.location_id = deliveries.location_id
                 AND proof.ticket_id = deliveries.ticket_id
                 AND proof.proven_at_ms IS NOT NULL
                 AND proof.posted_at_ms >= deliveries.posted_at_ms)
         RETURNING ticket_id, posted_at_ms",
        (location, now_ms),
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
}

/// Decides who answers the overdue `arrival`: the first hub to ask raises its alert,
/// unless a screen proved it first. Hubs asking at once wait for each other's commit
/// (the row's lock), so an alert is raised once.
///
/// # Errors
/// On database failure.
pub(crate) fn claim_alert(tx: &Db, arrival: &ArrivalKey, now_ms: i64) -> Result<Claim, StoreError> {
    tx.execute(
        "INSERT INTO deliveries (location_id, channel, seq, ticket_id, posted_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (location_id, channel, seq) DO NOTHING",
        (
            &arrival.location,
            &arrival.channel,
            arrival.seq,
            &arrival.ticket_id,
            arrival.posted_at_ms,
        ),
    )?;
    let claimed = tx.execute(
        "UPDATE deliveries SET alerted_at_ms = ?4
         WHERE location_id = ?1 AND channel = ?2 AND seq = ?3
           AND alerted_at_ms IS NULL AND proven_at_ms IS NULL",
        (&arrival.location, &arrival.channel, arrival.seq, now_ms),
    )?;
    if claimed == 1 {
        return Ok(Claim::Raise);
    }
    let proof: Option<(Option<String>, Option<i64>)> = tx.query_opt(
        "SELECT proven_by, proven_at_ms FROM deliveries
         WHERE location_id = ?1 AND channel = ?2 AND seq = ?3",
        (&arrival.location, &arrival.channel, arrival.seq),
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    Ok(match proof {
        Some((Some(screen), Some(at_ms))) => Claim::Proven { screen, at_ms },
        _ => Claim::Raised,
    })
}

/// The alerts standing in `location` (raised, not cleared), one per ticket, as
/// (ticket id, when its arrival was posted), oldest first.
///
/// # Errors
/// On database failure.
fn standing_alerts(conn: &Db, location: &str) -> Result<Vec<(String, i64)>, StoreError> {
    conn.query_map(
        "SELECT d.ticket_id, d.posted_at_ms FROM deliveries d
         WHERE d.location_id = ?1 AND d.alerted_at_ms IS NOT NULL AND d.cleared_at_ms IS NULL
           AND NOT EXISTS (
               SELECT 1 FROM deliveries later
               WHERE later.location_id = d.location_id AND later.ticket_id = d.ticket_id
                 AND later.alerted_at_ms IS NOT NULL AND later.posted_at_ms > d.posted_at_ms)
         ORDER BY d.posted_at_ms, d.ticket_id",
        [location],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
}

/// Forgets arrivals posted before `before_ms`.
///
/// # Errors
/// On database failure.
pub(crate) fn prune(conn: &Db, before_ms: i64) -> Result<usize, StoreError> {
    conn.execute(
        "DELETE FROM deliveries WHERE posted_at_ms < ?1",
        [before_ms],
    )
}

impl super::Store {
    /// The tickets put on a station's rail since `since_ms`, with their proofs and
    /// alerts: what a starting hub goes on with.
    ///
    /// # Errors
    /// On database failure.
    pub fn kept_arrivals(&self, since_ms: i64) -> Result<Vec<KeptArrival>, StoreError> {
        arrivals_since(&self.conn, since_ms)
    }

    /// The delivery alerts standing in `location`: see [`standing_alerts`].
    ///
    /// # Errors
    /// On database failure.
    pub fn standing_alerts(&self, location: &str) -> Result<Vec<(String, i64)>, StoreError> {
        standing_alerts(&self.conn, location)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn arrival(seq: u64, ticket: &str, posted_at_ms: i64) -> ArrivalKey {
        ArrivalKey {
            location: "loc".into(),
            channel: "kds:grill".into(),
            seq,
            ticket_id: ticket.into(),
            posted_at_ms,
        }
    }

    fn proof(arrival: ArrivalKey, screen: &str, at_ms: i64) -> ScreenProof {
        ScreenProof {
            arrival,
            screen: screen.into(),
            at_ms,
        }
    }

    #[test]
    fn an_alert_is_claimed_once_and_cleared_once_by_a_proof_of_that_arrival_or_a_later_one() {
        let store = Store::open_in_memory().expect("store");
        let db = store.conn();
        assert_eq!(
            claim_alert(db, &arrival(1, "a", 100), 200).expect("store"),
            Claim::Raise
        );
        assert_eq!(
            claim_alert(db, &arrival(1, "a", 100), 300).expect("store"),
            Claim::Raised
        );
        assert_eq!(
            standing_alerts(db, "loc").expect("store"),
            vec![("a".to_owned(), 100)]
        );
        assert_eq!(standing_alerts(db, "elsewhere").expect("store"), vec![]);

        // The ticket recalled (a new arrival) and proven there: the old alert clears.
        let later = [proof(arrival(5, "a", 400), "grill-1", 450)];
        assert_eq!(
            keep_proofs(db, "loc", &later, 460).expect("store"),
            vec![("a".to_owned(), 100)]
        );
        assert_eq!(
            keep_proofs(db, "loc", &later, 470).expect("store"),
            vec![],
            "once"
        );
        assert_eq!(standing_alerts(db, "loc").expect("store"), vec![]);
    }

    #[test]
    fn a_proven_arrival_is_not_alerted_and_its_first_proof_stays() {
        let store = Store::open_in_memory().expect("store");
        let db = store.conn();
        let proofs: Vec<ScreenProof> = (1..=250)
            .map(|seq| proof(arrival(seq, &format!("t{seq}"), 100), "grill-1", 150))
            .collect();
        assert_eq!(keep_proofs(db, "loc", &proofs, 160).expect("store"), vec![]);
        let again = [proof(arrival(7, "t7", 100), "grill-2", 170)];
        assert_eq!(keep_proofs(db, "loc", &again, 180).expect("store"), vec![]);
        assert_eq!(
            claim_alert(db, &arrival(7, "t7", 100), 200).expect("store"),
            Claim::Proven {
                screen: "grill-1".into(),
                at_ms: 150
            }
        );
        assert_eq!(standing_alerts(db, "loc").expect("store"), vec![]);
        let kept = arrivals_since(db, 0).expect("arrivals");
        assert!(kept.is_empty(), "no event in the log: {kept:?}");
    }
}
