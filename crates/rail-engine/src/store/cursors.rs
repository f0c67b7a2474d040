//! Where each channel stands: the epoch and last sequence applied, written in the
//! same transaction as the event or snapshot that moved it.

use rail_protocol::Cursor;
use rusqlite::{OptionalExtension, Transaction};

use super::{Store, StoreError};

impl Store {
    /// The last position applied on `channel`.
    ///
    /// # Errors
    /// On database failure.
    pub fn cursor(&self, channel: &str) -> Result<Option<Cursor>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT epoch, seq FROM cursors WHERE channel = ?1",
                [channel],
                |row| {
                    Ok(Cursor {
                        epoch: row.get(0)?,
                        seq: row.get(1)?,
                    })
                },
            )
            .optional()?)
    }
}

/// The last sequence applied on `channel`, inside a transaction.
pub(super) fn seq(tx: &Transaction<'_>, channel: &str) -> Result<Option<u64>, StoreError> {
    Ok(tx
        .query_row(
            "SELECT seq FROM cursors WHERE channel = ?1",
            [channel],
            |row| row.get(0),
        )
        .optional()?)
}

/// Puts `channel` at `epoch`/`seq` (a subscription answer).
pub(super) fn set(
    tx: &Transaction<'_>,
    channel: &str,
    epoch: &str,
    seq: u64,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO cursors (channel, epoch, seq) VALUES (?1, ?2, ?3)
         ON CONFLICT (channel) DO UPDATE SET epoch = excluded.epoch, seq = excluded.seq",
        (channel, epoch, seq),
    )?;
    Ok(())
}

/// Moves `channel` on to `seq` (an applied event).
pub(super) fn advance(tx: &Transaction<'_>, channel: &str, seq: u64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE cursors SET seq = ?2 WHERE channel = ?1",
        (channel, seq),
    )?;
    Ok(())
}
