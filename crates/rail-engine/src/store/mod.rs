//! The screen's local cache in SQLite, one file per screen: tickets as the hub last
//! stated them (`tickets`), the cursor of every channel (`cursors`), the outbox of
//! actions not yet acknowledged (`outbox`), the status of orders at the pass
//! (`orders`) and the screen profile the hub last gave it (`profile`).
//!
//! Each event is applied in one transaction together with its channel's cursor, so a
//! crash (or SIGKILL) between two events can neither lose one nor apply one twice: on
//! restart the cursor says exactly where to resume.

mod cursors;
mod orders;
mod outbox;
mod profile;
mod tickets;

use std::path::Path;

use rail_protocol::Recovery;
use rusqlite::Connection;

pub use outbox::{Action, PendingAction};

/// Errors of the local store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cached data could not be decoded: {0}")]
    Corrupt(#[from] serde_json::Error),
    /// The hub answered a fresh or reset subscription without the snapshot that must
    /// come with it: taking its position would skip every ticket before it.
    #[error("the hub's {recovery:?} answer for {channel} carried no snapshot")]
    MissingSnapshot { channel: String, recovery: Recovery },
}

/// What an applied event meant for the rail, so the screen can react (cue, highlight).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A ticket arrived on the rail: new, or its held course was fired.
    Arrived,
    /// The POS changed a ticket on the rail (items added, voided, notes).
    Modified,
    /// A ticket on the rail was voided.
    Voided,
    /// A ticket on the rail became a rush.
    Rushed,
    /// Every station of an order is done: it is ready at the pass (expo).
    OrderReady,
    /// No screen of a station has a ticket (expo).
    Undelivered,
    /// Anything else (bumps, recalls, order events, tickets not on the rail).
    Quiet,
}

/// What applying one event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    Applied(Change),
    /// Already applied (seq at or below the cursor): ignored.
    Duplicate,
    /// The event skips a sequence: the screen missed something and must resubscribe.
    Gap {
        expected: u64,
        got: u64,
    },
    /// No cursor for this channel (no `subscribed` seen yet): resubscribe.
    NotSubscribed,
}

const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/001_init.sql"),
    include_str!("../../migrations/002_item_actions.sql"),
    include_str!("../../migrations/003_orders.sql"),
    include_str!("../../migrations/004_profile.sql"),
    include_str!("../../migrations/005_alerts.sql"),
];

/// The open cache file.
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating and migrating) the cache at `path`.
    ///
    /// # Errors
    /// When the file cannot be opened or migrated.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let mut conn = Connection::open(path)?;
        // FULL sync: a screen's power can be cut at any moment, and a bump the cook saw
        // disappear must still be in the outbox after the reboot.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let applied: u32 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(applied as usize) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", index as u32 + 1)?;
            tx.commit()?;
        }
        Ok(Store { conn })
    }
}
