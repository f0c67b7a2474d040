//! Table sessions in the hub's database: one party's stay at a table, its guest code,
//! and the orders taken during it. At most one session per table is open; seating the
//! next party closes the last one in the same transaction.

use crate::store::db::Row;
use crate::store::Db;

use rail_protocol::channel::is_valid_id;
use rail_protocol::Order;

use super::{Store, StoreError};

/// A stored session, as the store knows it (the link's path is the hub's business).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub id: String,
    pub location_id: String,
    pub table_id: String,
    pub code: String,
    pub opened_at_ms: i64,
    pub closed_at_ms: Option<i64>,
}

const COLUMNS: &str = "id, location_id, table_id, code, opened_at_ms, closed_at_ms";

fn session(row: &Row<'_>) -> Result<StoredSession, StoreError> {
    Ok(StoredSession {
        id: row.get(0)?,
        location_id: row.get(1)?,
        table_id: row.get(2)?,
        code: row.get(3)?,
        opened_at_ms: row.get(4)?,
        closed_at_ms: row.get(5)?,
    })
}

/// The open session of `table`, if the table has one: an order posted for it joins.
pub(crate) fn open_session_of(
    conn: &Db,
    location_id: &str,
    table: Option<&str>,
) -> Result<Option<String>, StoreError> {
    let Some(table) = table.filter(|t| is_valid_id(t)) else {
        return Ok(None);
    };
    conn.query_opt(
        "SELECT id FROM table_sessions
             WHERE location_id = ?1 AND table_id = ?2 AND closed_at_ms IS NULL",
        (location_id, table),
        |row| row.get(0),
    )
}

fn check_table(table: &str) -> Result<(), StoreError> {
    if is_valid_id(table) {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "table {table:?}: 1-64 letters, digits, - _ . (it names a channel)"
        )))
    }
}

/// Seats a party at `table`: closes the session open there (the last party's link keeps
/// showing that party's orders only) and opens `id` with `code`, in the caller's
/// transaction.
///
/// # Errors
/// `Invalid` for a table name that cannot be a channel id; database errors.
pub(crate) fn open_table_session(
    tx: &Db,
    location_id: &str,
    table: &str,
    id: &str,
    code: &str,
    now_ms: i64,
) -> Result<StoredSession, StoreError> {
    check_table(table)?;
    tx.execute(
        "UPDATE table_sessions SET closed_at_ms = ?3
         WHERE location_id = ?1 AND table_id = ?2 AND closed_at_ms IS NULL",
        (location_id, table, now_ms),
    )?;
    tx.execute(
        "INSERT INTO table_sessions (id, location_id, table_id, code, opened_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        (id, location_id, table, code, now_ms),
    )?;
    Ok(StoredSession {
        id: id.to_owned(),
        location_id: location_id.to_owned(),
        table_id: table.to_owned(),
        code: code.to_owned(),
        opened_at_ms: now_ms,
        closed_at_ms: None,
    })
}

impl Store {
    /// The session open at `table`, if any.
    ///
    /// # Errors
    /// `Invalid` for a bad table name; database errors.
    pub fn open_table_session_at(
        &self,
        location_id: &str,
        table: &str,
    ) -> Result<Option<StoredSession>, StoreError> {
        check_table(table)?;
        self.conn.query_opt(
            &format!(
                "SELECT {COLUMNS} FROM table_sessions
                     WHERE location_id = ?1 AND table_id = ?2 AND closed_at_ms IS NULL"
            ),
            (location_id, table),
            session,
        )
    }

    /// The party left: closes the session open at `table` and answers it.
    ///
    /// # Errors
    /// `NotFound` when the table has no open session; database errors.
    pub fn close_table_session(
        &mut self,
        location_id: &str,
        table: &str,
        now_ms: i64,
    ) -> Result<StoredSession, StoreError> {
        let mut open = self
            .open_table_session_at(location_id, table)?
            .ok_or_else(|| StoreError::NotFound(format!("table {table:?} has no open session")))?;
        self.conn.execute(
            "UPDATE table_sessions SET closed_at_ms = ?2 WHERE id = ?1",
            (&open.id, now_ms),
        )?;
        open.closed_at_ms = Some(now_ms);
        Ok(open)
    }

    /// The session a guest code opens, if it is a session's code.
    ///
    /// # Errors
    /// On database failure.
    pub fn table_session_by_code(&self, code: &str) -> Result<Option<StoredSession>, StoreError> {
        self.conn.query_opt(
            &format!("SELECT {COLUMNS} FROM table_sessions WHERE code = ?1"),
            [code],
            session,
        )
    }

    /// When a session closed, if it did.
    ///
    /// # Errors
    /// `NotFound` for no such session; database errors.
    pub fn table_session_closed_at(
        &self,
        location_id: &str,
        id: &str,
    ) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_opt(
                "SELECT closed_at_ms FROM table_sessions WHERE location_id = ?1 AND id = ?2",
                (location_id, id),
                |row| row.get(0),
            )?
            .ok_or_else(|| StoreError::NotFound(format!("no table session {id:?}")))
    }

    /// The orders taken during a session, oldest first.
    ///
    /// # Errors
    /// On database failure or a stored order that does not parse.
    pub fn table_session_orders(
        &self,
        location_id: &str,
        id: &str,
    ) -> Result<Vec<Order>, StoreError> {
        self.conn.query_map(
            "SELECT body FROM orders WHERE location_id = ?1 AND table_session = ?2
             ORDER BY created_at_ms, id",
            (location_id, id),
            |row| Ok(serde_json::from_str(&row.get::<String>(0)?)?),
        )
    }
}
