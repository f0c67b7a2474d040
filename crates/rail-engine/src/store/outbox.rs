//! The outbox: the cook's actions, recorded (with their idempotency keys) before they
//! are shown, and kept until the hub has answered each.

use rusqlite::OptionalExtension;

use super::{Store, StoreError};

/// An action the screen took on a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Bump,
    Recall,
    /// One item done; the item is the action's `item_id`.
    BumpItem,
    /// Expo sends the order out; the action's `ticket_id` holds the order id.
    Serve,
    /// Expo takes a serve back (undo): the order is ready at the pass again.
    Unserve,
    /// Expo marks an order rush (`item_id` "on") or not ("off").
    Rush,
    /// Expo fires a held course; `item_id` holds the course number.
    Fire,
    /// Takes back an item bump; the item is the action's `item_id`.
    RecallItem,
    /// A cook confirms the POS's changes to the ticket, for the whole station.
    Acknowledge,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Bump => "bump",
            Action::Recall => "recall",
            Action::BumpItem => "bump-item",
            Action::Serve => "serve",
            Action::Unserve => "unserve",
            Action::Rush => "rush",
            Action::Fire => "fire",
            Action::RecallItem => "recall-item",
            Action::Acknowledge => "acknowledge",
        }
    }

    /// An action on a whole order (expo), not on one ticket: `ticket_id` is the order's
    /// id, and the hub answers with the order.
    pub fn is_on_order(self) -> bool {
        matches!(
            self,
            Action::Serve | Action::Unserve | Action::Rush | Action::Fire
        )
    }

    pub(super) fn parse(text: &str) -> Option<Self> {
        match text {
            "bump" => Some(Action::Bump),
            "recall" => Some(Action::Recall),
            "bump-item" => Some(Action::BumpItem),
            "serve" => Some(Action::Serve),
            "unserve" => Some(Action::Unserve),
            "rush" => Some(Action::Rush),
            "fire" => Some(Action::Fire),
            "recall-item" => Some(Action::RecallItem),
            "acknowledge" => Some(Action::Acknowledge),
            _ => None,
        }
    }
}

/// One undelivered action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingAction {
    pub key: String,
    pub ticket_id: String,
    pub action: Action,
    pub item_id: Option<String>,
    pub attempts: u32,
}

impl Store {
    /// Records an action and returns its idempotency key. The screen shows its effect
    /// at once; the outbox delivers it.
    ///
    /// # Errors
    /// On database failure.
    pub fn enqueue(
        &mut self,
        ticket_id: &str,
        action: Action,
        item_id: Option<&str>,
        now_ms: i64,
    ) -> Result<String, StoreError> {
        let key = uuid::Uuid::now_v7().to_string();
        self.conn.execute(
            "INSERT INTO outbox (key, ticket_id, action, item_id, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
            (&key, ticket_id, action.as_str(), item_id, now_ms),
        )?;
        Ok(key)
    }

    /// The oldest undelivered action.
    ///
    /// # Errors
    /// On database failure.
    pub fn next_pending(&self) -> Result<Option<PendingAction>, StoreError> {
        type Row = (String, String, String, Option<String>, u32);
        let row: Option<Row> = self
            .conn
            .query_row(
                "SELECT key, ticket_id, action, item_id, attempts FROM outbox
                 WHERE state = 'pending' ORDER BY seq LIMIT 1",
                [],
                |row| {
                    Ok((
                        row.get(0)?,
                        row.get(1)?,
                        row.get(2)?,
                        row.get(3)?,
                        row.get(4)?,
                    ))
                },
            )
            .optional()?;
        Ok(row.and_then(|(key, ticket_id, action, item_id, attempts)| {
            Action::parse(&action).map(|action| PendingAction {
                key,
                ticket_id,
                action,
                item_id,
                attempts,
            })
        }))
    }

    /// Counts a failed delivery attempt.
    ///
    /// # Errors
    /// On database failure.
    pub fn record_attempt(&mut self, key: &str, detail: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, detail = ?2 WHERE key = ?1",
            (key, detail),
        )?;
        Ok(())
    }

    /// Settles an action: `delivered`, or `rejected` (the hub refused it for good,
    /// e.g. the ticket was voided) with the hub's explanation.
    ///
    /// # Errors
    /// On database failure.
    pub fn settle(
        &mut self,
        key: &str,
        delivered: bool,
        detail: Option<&str>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE outbox SET state = ?2, detail = ?3, settled_at_ms = ?4 WHERE key = ?1",
            (
                key,
                if delivered { "delivered" } else { "rejected" },
                detail,
                now_ms,
            ),
        )?;
        Ok(())
    }

    /// Actions waiting for delivery.
    ///
    /// # Errors
    /// On database failure.
    pub fn pending_count(&self) -> Result<u32, StoreError> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM outbox WHERE state = 'pending'",
            [],
            |row| row.get(0),
        )?)
    }

    /// The latest rejected actions with the hub's reasons, newest first.
    ///
    /// # Errors
    /// On database failure.
    pub fn rejections(&self, limit: u32) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT ticket_id, COALESCE(detail, '') FROM outbox WHERE state = 'rejected'
             ORDER BY settled_at_ms DESC, seq DESC LIMIT ?1",
        )?;
        let rows = stmt
            .query_map([limit], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }
}
