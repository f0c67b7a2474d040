//! WAL checkpoints off the write path.
//!
//! SQLite checkpoints the WAL inside whichever commit pushes it past 1,000 pages, and a
//! checkpoint fsyncs the database. That commit runs under the hub's lock, so every
//! publication waited for the disk: bench-peer saw p99 jump from ~7 ms to 100-250 ms on
//! the runs where a checkpoint met a slow fsync. Here the hub's connection never
//! checkpoints; a thread with its own connection runs a passive checkpoint on a fixed
//! interval (every 100 ms unless configured), which never blocks the writer.

use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use rusqlite::Connection;

/// How often the WAL is checkpointed unless the hub's configuration says otherwise
/// (`HubConfig::checkpoint_interval` says why so often).
pub const DEFAULT_INTERVAL: Duration = Duration::from_millis(100);

/// The checkpoint thread; it stops when this is dropped (with the store).
pub(crate) struct Checkpointer {
    _stop: mpsc::Sender<()>,
}

impl Checkpointer {
    /// Starts checkpointing the database at `path` every `every`; `None` when no
    /// thread or connection could be had (the caller then leaves SQLite's own
    /// checkpoints on).
    pub(crate) fn start(path: &Path, every: Duration) -> Option<Self> {
        let conn = Connection::open(path)
            .and_then(|conn| conn.busy_timeout(Duration::from_secs(5)).map(|()| conn))
            .map_err(|error| tracing::warn!(%error, "no checkpoint connection"))
            .ok()?;
        let (stop, stopped) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("wal-checkpoint".into())
            .spawn(move || loop {
                match stopped.recv_timeout(every) {
                    Err(RecvTimeoutError::Timeout) => {
                        // Announced before it starts, so a crash test can kill the hub
                        // in the middle of one.
                        tracing::debug!("checkpointing the WAL");
                        let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", (), |_| Ok(()));
                        if let Err(error) = done {
                            tracing::warn!(%error, "WAL checkpoint failed");
                        }
                    }
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
                }
            })
            .map_err(|error| tracing::warn!(%error, "no checkpoint thread"))
            .ok()?;
        Some(Checkpointer { _stop: stop })
    }
}

#[cfg(test)]
mod tests {
    use crate::store::Store;

    /// With the hub's connection never checkpointing, only the thread keeps the WAL
    /// from growing without end: it is reused from its start once checkpointed.
    #[test]
    fn the_wal_is_checkpointed_in_the_background_and_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("hub.sqlite3");
        let store = Store::open(&path).expect("store");
        let autocheckpoint: i64 = store
            .conn()
            .as_sqlite()
            .expect("a SQLite store")
            .pragma_query_value(None, "wal_autocheckpoint", |row| row.get(0))
            .expect("pragma");
        assert_eq!(autocheckpoint, 0, "commits must not checkpoint");
        let megabyte = "x".repeat(1024 * 1024);
        for round in 0..3 {
            store
                .conn()
                .execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                    (format!("filler-{round}"), &megabyte),
                )
                .expect("write");
            std::thread::sleep(std::time::Duration::from_millis(1600));
        }
        let wal = std::fs::metadata(dir.path().join("hub.sqlite3-wal"))
            .expect("wal")
            .len();
        assert!(wal < 2 * 1024 * 1024, "3 MB written, WAL is {wal} bytes");
    }
}
