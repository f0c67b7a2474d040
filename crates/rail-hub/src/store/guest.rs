//! Guest links in the hub's database: one unguessable code per order, and the order
//! it opens with when that order closed.

use super::{Store, StoreError};

/// The order a guest code opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestTarget {
    pub location_id: String,
    pub order_id: String,
    /// When the order was served, completed or cancelled; `None` while it is open.
    pub closed_at_ms: Option<i64>,
}

impl Store {
    /// The order's code: the one it has, or `fresh` recorded as its code.
    ///
    /// # Errors
    /// `NotFound` when the order does not exist; database errors.
    pub fn guest_code(
        &mut self,
        location_id: &str,
        order_id: &str,
        fresh: &str,
        now_ms: i64,
    ) -> Result<String, StoreError> {
        let tx = self.conn.transaction()?;
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM orders WHERE location_id = ?1 AND id = ?2)",
            (location_id, order_id),
            |row| row.get(0),
        )?;
        if !exists {
            return Err(StoreError::NotFound(format!("no order {order_id:?}")));
        }
        tx.execute(
            "INSERT INTO guest_links (code, location_id, order_id, created_at_ms)
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (location_id, order_id) DO NOTHING",
            (fresh, location_id, order_id, now_ms),
        )?;
        let code = tx.query_row(
            "SELECT code FROM guest_links WHERE location_id = ?1 AND order_id = ?2",
            (location_id, order_id),
            |row| row.get(0),
        )?;
        tx.commit()?;
        Ok(code)
    }

    /// The order `code` opens, if it is a code.
    ///
    /// # Errors
    /// On database failure.
    pub fn guest_target(&self, code: &str) -> Result<Option<GuestTarget>, StoreError> {
        self.conn.query_opt(
            "SELECT g.location_id, g.order_id, o.closed_at_ms FROM guest_links g
                 JOIN orders o ON o.location_id = g.location_id AND o.id = g.order_id
                 WHERE g.code = ?1",
            [code],
            |row| {
                Ok(GuestTarget {
                    location_id: row.get(0)?,
                    order_id: row.get(1)?,
                    closed_at_ms: row.get(2)?,
                })
            },
        )
    }

    /// When an order closed, if it did.
    ///
    /// # Errors
    /// `NotFound` for no such order; database errors.
    pub fn order_closed_at(
        &self,
        location_id: &str,
        order_id: &str,
    ) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_opt(
                "SELECT closed_at_ms FROM orders WHERE location_id = ?1 AND id = ?2",
                (location_id, order_id),
                |row| row.get(0),
            )?
            .ok_or_else(|| StoreError::NotFound(format!("no order {order_id:?}")))
    }
}
