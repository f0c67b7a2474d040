//! The hub's durable state in one SQLite file: orders, tickets, the per-channel event
//! log and idempotency records.
//!
//! Every mutation runs in one transaction that also appends its events to the log and,
//! when the client sent an `Idempotency-Key`, records the response: a crash can never
//! leave a change without its event, or an event without its change (a transactional
//! outbox). The caller publishes the returned
//! frames to live subscribers only after the commit.

pub mod admin;
mod batch;
mod checkpoint;
pub mod devices;
mod events;
pub mod guest;
pub(crate) mod kitchen;
pub mod profiles;
pub mod record;
pub mod sessions;

use std::path::Path;

use rusqlite::{Connection, OptionalExtension};

pub(crate) use events::append as append_event;
pub use events::{ChannelPosition, Published};
pub(crate) use kitchen as kitchen_ops;
pub use kitchen::{OrderCommand, StationFilter};

/// Errors of the storage layer. `NotFound`, `Conflict` and `Invalid` are the caller's
/// fault and map to 4xx; the rest are the hub's and map to 5xx.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    #[error("idempotency key {0:?} was already used for a different request")]
    IdempotencyMismatch(String),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The batch this change was part of failed to commit: nothing of it was written.
    #[error("the change could not be committed: {0}")]
    CommitFailed(String),
    #[error("stored data could not be decoded: {0}")]
    Corrupt(#[from] serde_json::Error),
    #[error("cannot make {path} private to the hub's user: {source}")]
    Permissions {
        path: String,
        source: std::io::Error,
    },
}

mod private;

const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/001_init.sql"),
    include_str!("../../migrations/002_tickets_by_order.sql"),
    include_str!("../../migrations/003_devices.sql"),
    include_str!("../../migrations/004_admin.sql"),
    include_str!("../../migrations/005_kitchen_setup.sql"),
    include_str!("../../migrations/006_profiles.sql"),
    include_str!("../../migrations/007_schedule.sql"),
    include_str!("../../migrations/008_service_record.sql"),
    include_str!("../../migrations/009_guest_links.sql"),
    include_str!("../../migrations/010_board.sql"),
    include_str!("../../migrations/011_table_sessions.sql"),
];

/// The result of a mutation: what to answer, and what to publish once committed.
#[derive(Debug)]
pub struct Mutation {
    pub status: u16,
    /// JSON response body.
    pub body: String,
    pub published: Vec<Published>,
    /// True when an earlier identical request's stored response was returned.
    pub replayed: bool,
}

/// An `Idempotency-Key` with the fingerprint of the request it came with.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub key: String,
    /// Method, path and body: the same key with another request is refused.
    pub request: String,
}

/// One open database. Not `Sync`: the hub keeps it behind its state lock.
pub struct Store {
    conn: Connection,
    epoch: String,
    /// The database file; `None` in memory.
    path: Option<std::path::PathBuf>,
    /// Checkpoints the WAL in the background (file databases only).
    _checkpointer: Option<checkpoint::Checkpointer>,
}

impl Store {
    /// Opens (creating and migrating if needed) the database at `path`.
    ///
    /// # Errors
    /// When the file cannot be opened or migrated.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_checkpointing_every(path, std::time::Duration::from_secs(1))
    }

    /// Like [`Store::open`], with the WAL checkpointed every `interval`.
    ///
    /// # Errors
    /// When the file cannot be opened or migrated.
    pub fn open_checkpointing_every(
        path: &Path,
        interval: std::time::Duration,
    ) -> Result<Self, StoreError> {
        private::prepare(path)?;
        let mut store = Self::init(Connection::open(path)?)?;
        store.path = Some(path.to_owned());
        if let Some(checkpointer) = checkpoint::Checkpointer::start(path, interval) {
            store.conn.pragma_update(None, "wal_autocheckpoint", 0)?;
            store._checkpointer = Some(checkpointer);
        }
        Ok(store)
    }

    /// A private in-memory database, for tests.
    ///
    /// # Errors
    /// Only if SQLite itself fails.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Self, StoreError> {
        // WAL lets readers work during writes; NORMAL sync keeps commits fast and is
        // still safe against process crashes (only an OS crash can lose the last commits).
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Every change runs in a savepoint (group commit), and SQLite keeps a
        // savepoint's undo pages in a temporary file by default: a file created,
        // written and deleted for every order. In memory, they cost a few kilobytes.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        // An order runs some twenty statements; each is parsed once per connection,
        // not once per order (rusqlite keeps 16 by default).
        conn.set_prepared_statement_cache_capacity(64);
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut conn)?;
        let epoch = match meta_get(&conn, "epoch")? {
            Some(epoch) => epoch,
            None => {
                // A new database is a new history: cursors from any other are void.
                let epoch = uuid::Uuid::new_v4().simple().to_string();
                meta_set(&conn, "epoch", &epoch)?;
                epoch
            }
        };
        Ok(Store {
            conn,
            epoch,
            path: None,
            _checkpointer: None,
        })
    }

    /// The id of this database's unbroken event history.
    pub fn epoch(&self) -> &str {
        &self.epoch
    }

    /// The token-signing secret kept in the database, made on first use, so that
    /// `rail-hub token --db …` and `rail-hub serve --db …` agree without configuration.
    ///
    /// # Errors
    /// On database failure.
    pub fn signing_secret(&mut self) -> Result<String, StoreError> {
        if let Some(secret) = meta_get(&self.conn, "signing_secret")? {
            return Ok(secret);
        }
        let secret = crate::auth::random_secret();
        meta_set(&self.conn, "signing_secret", &secret)?;
        Ok(secret)
    }

    /// Runs `change` in one transaction, honouring an idempotency key: a key seen
    /// before with the same request returns the stored response and publishes nothing.
    ///
    /// # Errors
    /// What `change` returns, [`StoreError::IdempotencyMismatch`], or database errors;
    /// on any error nothing is written.
    pub fn mutate<F>(
        &mut self,
        location_id: &str,
        idempotency: Option<&IdempotencyKey>,
        now_ms: i64,
        change: F,
    ) -> Result<Mutation, StoreError>
    where
        F: FnOnce(&rusqlite::Connection) -> Result<(u16, String, Vec<Published>), StoreError>,
    {
        let tx = self.conn.transaction()?;
        let mutation = run_mutation(&tx, location_id, idempotency, now_ms, change)?;
        tx.commit()?;
        Ok(mutation)
    }

    /// The database file, for readers on their own connection.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Read access for queries that need no transaction.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }
}

/// One mutation on `conn`, inside whatever transaction or savepoint the caller holds:
/// the idempotency check, the change, the idempotency record.
pub(crate) fn run_mutation<F>(
    conn: &Connection,
    location_id: &str,
    idempotency: Option<&IdempotencyKey>,
    now_ms: i64,
    change: F,
) -> Result<Mutation, StoreError>
where
    F: FnOnce(&Connection) -> Result<(u16, String, Vec<Published>), StoreError>,
{
    if let Some(idem) = idempotency {
        let earlier: Option<(String, u16, String)> = conn
            .prepare_cached(
                "SELECT request, status, response FROM idempotency
                 WHERE location_id = ?1 AND key = ?2",
            )?
            .query_row((location_id, &idem.key), |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .optional()?;
        if let Some((request, status, body)) = earlier {
            if request != idem.request {
                return Err(StoreError::IdempotencyMismatch(idem.key.clone()));
            }
            return Ok(Mutation {
                status,
                body,
                published: Vec::new(),
                replayed: true,
            });
        }
    }
    let (status, body, published) = change(conn)?;
    if let Some(idem) = idempotency {
        conn.prepare_cached(
            "INSERT INTO idempotency (location_id, key, request, status, response, created_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute((location_id, &idem.key, &idem.request, status, &body, now_ms))?;
    }
    Ok(Mutation {
        status,
        body,
        published,
        replayed: false,
    })
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let applied: usize = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index + 1)?;
        tx.commit()?;
    }
    Ok(())
}

fn meta_get(conn: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |row| row.get(0))
        .optional()?)
}

fn meta_set(conn: &Connection, key: &str, value: &str) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute((key, value))?;
    Ok(())
}
