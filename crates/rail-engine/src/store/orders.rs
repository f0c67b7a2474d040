//! Orders at the pass, for expo: their status as the hub announces it, the ones
//! this screen has served, and the delivery alerts the hub raised.

use rail_protocol::{DeliveryAlert, Event, Ticket};
use rusqlite::Transaction;

use super::{Store, StoreError};

impl Store {
    /// Notes that an order was served (the hub acknowledged it), so it stays off the
    /// pass even before the `order:status` event arrives.
    ///
    /// # Errors
    /// On database failure.
    pub fn record_served(&mut self, order_id: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO orders (id, status) VALUES (?1, 'served') ON CONFLICT (id) DO UPDATE SET status = 'served'",
            [order_id],
        )?;
        Ok(())
    }

    /// Orders still at the pass (for expo): those with a ticket on the rail, or all
    /// bumped but not yet served; oldest first. Undelivered serves already count.
    ///
    /// # Errors
    /// On database failure or undecodable cached rows.
    pub fn expo_orders(
        &self,
        open: &[Ticket],
        recent: &[Ticket],
    ) -> Result<Vec<crate::view::ExpoOrder>, StoreError> {
        // An order is gone when the hub says it left the pass, or this screen has just
        // served it; an undo not yet delivered brings it back. The latest of a
        // screen's pending serve and undo decides.
        let mut stmt = self.conn.prepare_cached(
            "WITH latest AS (
                 SELECT ticket_id AS order_id, action FROM outbox o
                 WHERE state = 'pending' AND action IN ('serve', 'unserve')
                   AND seq = (SELECT MAX(seq) FROM outbox
                              WHERE ticket_id = o.ticket_id AND state = 'pending'
                                AND action IN ('serve', 'unserve')))
             SELECT id FROM orders WHERE status IN ('served', 'completed', 'cancelled')
                 AND id NOT IN (SELECT order_id FROM latest WHERE action = 'unserve')
             UNION SELECT order_id FROM latest WHERE action = 'serve'",
        )?;
        let gone: Vec<String> = stmt
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(crate::view::expo_orders(open, recent, &self.held()?, &gone))
    }
}

/// Keeps the status of orders the hub announces on the location channel.
pub(super) fn record_status(tx: &Transaction<'_>, event: &Event) -> Result<(), StoreError> {
    let (id, status) = match event {
        Event::OrderCreated(created) => (created.order_id.as_str(), "pending".to_owned()),
        Event::OrderStatus(change) => (
            change.order_id.as_str(),
            serde_json::to_value(change.status)?
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        ),
        Event::OrderUpdated(order) => (
            order.id.as_str(),
            serde_json::to_value(order.status)?
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        ),
        _ => return Ok(()),
    };
    // A creation never overrides what is known of the order since: the platform may
    // announce an order the kitchen already has.
    let sql = if matches!(event, Event::OrderCreated(_)) {
        "INSERT INTO orders (id, status) VALUES (?1, ?2) ON CONFLICT (id) DO NOTHING"
    } else {
        "INSERT INTO orders (id, status) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET status = excluded.status"
    };
    tx.execute(sql, (id, status))?;
    Ok(())
}

/// Keeps the hub's delivery alerts: raised by `kds:ticket-undelivered`, gone with
/// `kds:ticket-delivered`.
pub(super) fn record_alert(tx: &Transaction<'_>, event: &Event) -> Result<(), StoreError> {
    match event {
        Event::TicketUndelivered(alert) => {
            tx.execute(
                "INSERT INTO alerts (ticket_id, body) VALUES (?1, ?2)
                 ON CONFLICT (ticket_id) DO UPDATE SET body = excluded.body",
                (&alert.ticket_id, serde_json::to_string(alert)?),
            )?;
        }
        Event::TicketDelivered(alert) => {
            tx.execute(
                "DELETE FROM alerts WHERE ticket_id = ?1",
                [&alert.ticket_id],
            )?;
        }
        _ => {}
    }
    Ok(())
}

/// Replaces the delivery alerts with those a location snapshot lists.
pub(super) fn replace_alerts(
    tx: &Transaction<'_>,
    alerts: &[DeliveryAlert],
) -> Result<(), StoreError> {
    tx.execute("DELETE FROM alerts", [])?;
    for alert in alerts {
        tx.execute(
            "INSERT INTO alerts (ticket_id, body) VALUES (?1, ?2)",
            (&alert.ticket_id, serde_json::to_string(alert)?),
        )?;
    }
    Ok(())
}

impl Store {
    /// Delivery alerts for tickets still on a rail, oldest first: a ticket bumped or
    /// voided since needs no one's attention any more.
    ///
    /// # Errors
    /// On database failure or undecodable cached rows.
    pub fn alerts(&self) -> Result<Vec<DeliveryAlert>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.body FROM alerts a JOIN tickets t ON t.id = a.ticket_id
             WHERE t.status = 'open'",
        )?;
        let mut alerts: Vec<DeliveryAlert> = stmt
            .query_map([], |row| row.get::<_, String>(0))?
            .map(|body| Ok(serde_json::from_str(&body?)?))
            .collect::<Result<_, StoreError>>()?;
        alerts.sort_by_key(|a| a.posted_at_ms);
        Ok(alerts)
    }
}
