//! One connection to the hub's database — an embedded SQLite file or a PostgreSQL
//! server — behind the handful of calls the store makes: run a statement, read rows,
//! open and end transactions and savepoints. The store's queries are written once, in
//! the SQL both engines share (`?1` placeholders are rewritten to `$1` for
//! PostgreSQL); the rare statement that differs asks [`Db::kind`].
//!
//! Statements are prepared once per connection and kept (SQLite's statement cache,
//! a map of prepared statements for PostgreSQL).

mod postgres;
mod postgres_tls;
mod sqlite;
mod value;

use std::cell::Cell as Flag;

pub(crate) use postgres::describe as describe_postgres;
pub use value::{Args, Cell, FromColumn, ToValue, Value};

use super::StoreError;

/// Which engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// An open connection. Not `Sync`: the hub keeps its writer connection behind a lock.
pub struct Db {
    engine: Engine,
    /// A transaction is open (PostgreSQL's client does not report it).
    in_transaction: Flag<bool>,
}

enum Engine {
    Sqlite(rusqlite::Connection),
    Postgres(Box<postgres::Pg>),
}

/// One row of a result, read column by column.
pub struct Row<'a>(RowRef<'a>);

enum RowRef<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a ::postgres::Row),
}

impl Row<'_> {
    /// Column `index` (from 0) as `T`.
    ///
    /// # Errors
    /// [`StoreError::Column`] when the stored value is not a `T`.
    pub fn get<T: FromColumn>(&self, index: usize) -> Result<T, StoreError> {
        let cell = match &self.0 {
            RowRef::Sqlite(row) => sqlite::cell(row, index)?,
            RowRef::Postgres(row) => postgres::cell(row, index)?,
        };
        T::from_cell(cell).map_err(|error| match error {
            StoreError::Column(why) => StoreError::Column(format!("column {index}: {why}")),
            other => other,
        })
    }
}

impl Db {
    /// Wraps an open SQLite connection.
    pub fn sqlite(conn: rusqlite::Connection) -> Self {
        Db {
            engine: Engine::Sqlite(conn),
            in_transaction: Flag::new(false),
        }
    }

    /// Connects to the PostgreSQL server at `url` (`postgres://user@host:port/db`).
    ///
    /// # Errors
    /// When the server cannot be reached or refuses the connection.
    pub fn postgres(url: &str) -> Result<Self, StoreError> {
        Ok(Db {
            engine: Engine::Postgres(Box::new(postgres::Pg::connect(url)?)),
            in_transaction: Flag::new(false),
        })
    }

    pub fn kind(&self) -> Kind {
        match self.engine {
            Engine::Sqlite(_) => Kind::Sqlite,
            Engine::Postgres(_) => Kind::Postgres,
        }
    }

    /// Waits until no other connection holds the lock named `name`, and holds it until
    /// the transaction ends (PostgreSQL's advisory lock; SQLite has one writer, so
    /// there is nothing to wait for).
    ///
    /// # Errors
    /// On database failure.
    pub fn exclusive(&self, name: &str) -> Result<(), StoreError> {
        if self.kind() == Kind::Postgres {
            self.execute("SELECT pg_advisory_xact_lock(hashtext(?1))", [name])?;
        }
        Ok(())
    }

    /// An expression for the text of `field` in the JSON object held by text column
    /// `column` (the two engines spell JSON access differently).
    pub fn json_text(&self, column: &str, field: &str) -> String {
        match self.kind() {
            Kind::Sqlite => format!("json_extract({column}, '$.{field}')"),
            Kind::Postgres => format!("({column}::jsonb ->> '{field}')"),
        }
    }

    /// The SQLite connection, for what only SQLite has (pragmas, the WAL).
    pub(crate) fn as_sqlite(&self) -> Option<&rusqlite::Connection> {
        match &self.engine {
            Engine::Sqlite(conn) => Some(conn),
            Engine::Postgres(_) => None,
        }
    }

    /// Runs one statement; returns how many rows it changed.
    ///
    /// # Errors
    /// On database failure or an argument the engine cannot take.
    pub fn execute(&self, sql: &str, args: impl Args) -> Result<usize, StoreError> {
        let values = args.values();
        match &self.engine {
            Engine::Sqlite(conn) => sqlite::execute(conn, sql, &values),
            Engine::Postgres(pg) => pg.execute(sql, &values),
        }
    }

    /// Runs statements separated by `;`, without arguments.
    ///
    /// # Errors
    /// On database failure.
    pub fn execute_batch(&self, sql: &str) -> Result<(), StoreError> {
        match &self.engine {
            Engine::Sqlite(conn) => Ok(conn.execute_batch(sql)?),
            Engine::Postgres(pg) => pg.execute_batch(sql),
        }
    }

    /// Runs one statement that opens or ends a transaction or savepoint. Every change
    /// runs several; SQLite keeps them prepared instead of parsing them each time.
    ///
    /// # Errors
    /// On database failure.
    pub fn control(&self, sql: &str) -> Result<(), StoreError> {
        match &self.engine {
            Engine::Sqlite(conn) => {
                conn.prepare_cached(sql)?.execute([])?;
                Ok(())
            }
            Engine::Postgres(pg) => pg.execute_batch(sql),
        }
    }

    /// Every row of a query, each turned into a `T` by `map`.
    ///
    /// # Errors
    /// On database failure or what `map` returns.
    pub fn query_map<T>(
        &self,
        sql: &str,
        args: impl Args,
        mut map: impl FnMut(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let values = args.values();
        let mut out = Vec::new();
        match &self.engine {
            Engine::Sqlite(conn) => sqlite::query(conn, sql, &values, |row| {
                out.push(map(&Row(RowRef::Sqlite(row)))?);
                Ok(true)
            })?,
            Engine::Postgres(pg) => {
                for row in pg.query(sql, &values)? {
                    out.push(map(&Row(RowRef::Postgres(&row)))?);
                }
            }
        }
        Ok(out)
    }

    /// The first row of a query, if there is one.
    ///
    /// # Errors
    /// On database failure or what `map` returns.
    pub fn query_opt<T>(
        &self,
        sql: &str,
        args: impl Args,
        map: impl FnOnce(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        let values = args.values();
        match &self.engine {
            Engine::Sqlite(conn) => {
                let mut map = Some(map);
                let mut found = None;
                sqlite::query(conn, sql, &values, |row| {
                    if let Some(map) = map.take() {
                        found = Some(map(&Row(RowRef::Sqlite(row)))?);
                    }
                    Ok(false)
                })?;
                Ok(found)
            }
            Engine::Postgres(pg) => pg
                .query(sql, &values)?
                .first()
                .map(|row| map(&Row(RowRef::Postgres(row))))
                .transpose(),
        }
    }

    /// The first row of a query, which must exist.
    ///
    /// # Errors
    /// [`StoreError::NoRow`] when the query found nothing; database failures.
    pub fn query_row<T>(
        &self,
        sql: &str,
        args: impl Args,
        map: impl FnOnce(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.query_opt(sql, args, map)?.ok_or(StoreError::NoRow)
    }

    /// Opens a transaction that takes the write lock at once (SQLite's `IMMEDIATE`;
    /// PostgreSQL locks rows as they are written).
    ///
    /// # Errors
    /// On database failure.
    pub fn begin(&self) -> Result<(), StoreError> {
        self.control(match self.kind() {
            Kind::Sqlite => "BEGIN IMMEDIATE",
            Kind::Postgres => "BEGIN",
        })?;
        self.in_transaction.set(true);
        Ok(())
    }

    /// Commits the open transaction; on failure it is rolled back.
    ///
    /// # Errors
    /// When the commit fails.
    pub fn commit(&self) -> Result<(), StoreError> {
        let committed = self.control("COMMIT");
        if committed.is_err() && self.in_transaction() {
            self.rollback();
        }
        self.in_transaction.set(false);
        committed
    }

    /// Rolls the open transaction back (an error is only logged: the connection is
    /// then unusable and the engine ends the transaction itself).
    pub fn rollback(&self) {
        if let Err(error) = self.control("ROLLBACK") {
            tracing::error!(%error, "rolling back a transaction failed");
        }
        self.in_transaction.set(false);
    }

    /// Whether a transaction is open.
    pub fn in_transaction(&self) -> bool {
        match &self.engine {
            Engine::Sqlite(conn) => !conn.is_autocommit(),
            Engine::Postgres(_) => self.in_transaction.get(),
        }
    }

    /// Opens a transaction that is rolled back unless [`Tx::commit`] is called.
    ///
    /// # Errors
    /// On database failure.
    pub fn transaction(&self) -> Result<Tx<'_>, StoreError> {
        self.begin()?;
        Ok(Tx {
            db: self,
            done: false,
        })
    }
}

/// An open transaction; dropped without [`Tx::commit`], it is rolled back.
pub struct Tx<'a> {
    db: &'a Db,
    done: bool,
}

impl Tx<'_> {
    /// # Errors
    /// When the commit fails (the transaction is then rolled back).
    pub fn commit(mut self) -> Result<(), StoreError> {
        self.done = true;
        self.db.commit()
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = Db;
    fn deref(&self) -> &Db {
        self.db
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if !self.done && self.db.in_transaction() {
            self.db.rollback();
        }
    }
}
