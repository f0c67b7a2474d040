//! The hub's durable state — orders, tickets, the per-channel event log, idempotency
//! records, devices and the rest — in one SQLite file, or in a PostgreSQL database
//! several hubs share (`db/` is the one boundary between the store and either engine).
//!
//! Every mutation runs in one transaction that also appends its events to the log and,
//! when the client sent an `Idempotency-Key`, records the response: a crash can never
//! leave a change without its event, or an event without its change (a transactional
//! outbox). The caller publishes the returned
//! frames to live subscribers only after the commit.

pub mod admin;
mod batch;
mod checkpoint;
pub mod db;
pub mod deliveries;
pub mod devices;
mod events;
pub mod guest;
pub(crate) mod kitchen;
pub mod profiles;
pub mod record;
pub mod sessions;

use std::path::Path;

pub use checkpoint::DEFAULT_INTERVAL as DEFAULT_CHECKPOINT_INTERVAL;
pub use db::{Db, Kind as Engine};

pub(crate) use events::append as append_event;
pub use events::{arrival_in_frame, between as events_between, position as channel_position};
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
    #[error("database error: {}", db::describe_postgres(.0))]
    Postgres(#[from] postgres::Error),
    /// The PostgreSQL address cannot be used as given (its URL, or the TLS it asks for).
    #[error("the PostgreSQL address: {0}")]
    Address(String),
    /// The database server cannot be reached: nothing was written; try again later.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The change met another hub's at the same moment (a deadlock or a serialisation
    /// failure the database broke): nothing of it was written; trying again succeeds.
    #[error("the change met another at the same moment: {0}")]
    Busy(String),
    /// A query that must find a row found none.
    #[error("a stored row the hub expected is missing")]
    NoRow,
    #[error("stored column: {0}")]
    Column(String),
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

mod migrate;
mod private;

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
    conn: Db,
    epoch: String,
    /// The database file; `None` in memory.
    path: Option<std::path::PathBuf>,
    /// The PostgreSQL server's address; `None` for SQLite.
    url: Option<String>,
    /// Checkpoints the WAL in the background (file databases only).
    _checkpointer: Option<checkpoint::Checkpointer>,
    /// Whether the open batch has run no mutation yet (`store::batch`).
    batch_is_empty: bool,
}

impl Store {
    /// Opens (creating and migrating if needed) the database at `path`.
    ///
    /// # Errors
    /// When the file cannot be opened or migrated.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_checkpointing_every(path, checkpoint::DEFAULT_INTERVAL)
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
        let mut store = Self::init(sqlite(rusqlite::Connection::open(path)?)?)?;
        store.path = Some(path.to_owned());
        if let Some(checkpointer) = checkpoint::Checkpointer::start(path, interval) {
            if let Some(conn) = store.conn.as_sqlite() {
                conn.pragma_update(None, "wal_autocheckpoint", 0)?;
            }
            store._checkpointer = Some(checkpointer);
        }
        Ok(store)
    }

    /// A private in-memory database, for tests.
    ///
    /// # Errors
    /// Only if SQLite itself fails.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::init(sqlite(rusqlite::Connection::open_in_memory()?)?)
    }

    /// Connects to a PostgreSQL database (`postgres://user@host:port/database`),
    /// migrating it if needed. Several hubs may share it.
    ///
    /// # Errors
    /// When the server cannot be reached or the schema cannot be migrated.
    pub fn open_postgres(url: &str) -> Result<Self, StoreError> {
        let mut store = Self::init(Db::postgres(url)?)?;
        store.url = Some(url.to_owned());
        Ok(store)
    }

    fn init(conn: Db) -> Result<Self, StoreError> {
        migrate::migrate(&conn)?;
        let epoch = match meta_get(&conn, "epoch")? {
            Some(epoch) => epoch,
            None => {
                // A new database is a new history: cursors from any other are void.
                // Hubs starting together on one new database agree on the first
                // epoch written.
                let epoch = uuid::Uuid::new_v4().simple().to_string();
                meta_set_once(&conn, "epoch", &epoch)?
            }
        };
        Ok(Store {
            conn,
            epoch,
            path: None,
            url: None,
            _checkpointer: None,
            batch_is_empty: false,
        })
    }

    /// Which engine holds the hub's data.
    pub fn engine(&self) -> Engine {
        self.conn.kind()
    }

    /// A second connection to the same database, for readers that must not wait for
    /// the writer (`None` for a database in memory).
    ///
    /// # Errors
    /// When the connection cannot be opened.
    pub fn reader(&self) -> Result<Option<Db>, StoreError> {
        if let Some(url) = &self.url {
            return Ok(Some(Db::postgres(url)?));
        }
        let Some(path) = &self.path else {
            return Ok(None);
        };
        let reader = rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        reader.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(Some(Db::sqlite(reader)))
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
        meta_set_once(&self.conn, "signing_secret", &crate::auth::random_secret())
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
        F: FnOnce(&Db) -> Result<(u16, String, Vec<Published>), StoreError>,
    {
        let tx = self.conn.transaction()?;
        let mutation = run_mutation(&tx, location_id, idempotency, now_ms, change)?;
        tx.commit()?;
        Ok(mutation)
    }

    /// Runs several reads that must agree with each other (a channel's position and its
    /// snapshot): on PostgreSQL, in one read-only snapshot, since other hubs commit
    /// meanwhile; SQLite's single writer is this hub, holding its lock.
    ///
    /// # Errors
    /// What `read` returns, or database errors.
    pub fn consistent_read<T, E: From<StoreError>>(
        &self,
        read: impl FnOnce(&Store) -> Result<T, E>,
    ) -> Result<T, E> {
        if self.conn.kind() == Engine::Sqlite || self.conn.in_transaction() {
            return read(self);
        }
        self.conn
            .execute_batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        let result = read(self);
        self.conn.rollback();
        result
    }

    /// Read access for queries that need no transaction.
    pub(crate) fn conn(&self) -> &Db {
        &self.conn
    }
}

/// One mutation on `conn`, inside whatever transaction or savepoint the caller holds:
/// the idempotency check, the change, the idempotency record.
pub(crate) fn run_mutation<F>(
    conn: &Db,
    location_id: &str,
    idempotency: Option<&IdempotencyKey>,
    now_ms: i64,
    change: F,
) -> Result<Mutation, StoreError>
where
    F: FnOnce(&Db) -> Result<(u16, String, Vec<Published>), StoreError>,
{
    if let Some(idem) = idempotency {
        // Two hubs given one key at once: the second waits for the first's commit and
        // then answers from its record, instead of failing on the duplicate key.
        conn.exclusive(&format!("rail-idempotency/{location_id}/{}", idem.key))?;
        let earlier: Option<(String, u16, String)> = conn.query_opt(
            "SELECT request, status, response FROM idempotency
             WHERE location_id = ?1 AND key = ?2",
            (location_id, &idem.key),
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?;
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
        conn.execute(
            "INSERT INTO idempotency (location_id, key, request, status, response, created_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            (location_id, &idem.key, &idem.request, status, &body, now_ms),
        )?;
    }
    Ok(Mutation {
        status,
        body,
        published,
        replayed: false,
    })
}

/// Sets up a SQLite connection the way the store relies on.
fn sqlite(conn: rusqlite::Connection) -> Result<Db, StoreError> {
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
    Ok(Db::sqlite(conn))
}

fn meta_get(conn: &Db, key: &str) -> Result<Option<String>, StoreError> {
    conn.query_opt("SELECT value FROM meta WHERE key = ?1", [key], |row| {
        row.get(0)
    })
}

/// Stores `value` under `key` unless a value is there already; answers the one kept.
fn meta_set_once(conn: &Db, key: &str, value: &str) -> Result<String, StoreError> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
        (key, value),
    )?;
    meta_get(conn, key)?.ok_or(StoreError::NoRow)
}
