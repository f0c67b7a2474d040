//! Orders and their tickets.
//!
//! The order is the source of truth (items, courses, status); a station's ticket is
//! derived from it plus the ticket's own bump state. Every mutation changes the order
//! or a ticket, then `commands::sync_tickets` re-derives the order's tickets, compares them with
//! what is stored and writes one event for each ticket that changed — the right kind of
//! event (new, updated, voided, fired, priority, item bumped) for the right change. All of
//! it happens in the caller's transaction.

//!
//! Three files, one job each: `checks` (is what the POS sent acceptable?), `derive`
//! (pure: the ticket a station should show, the channels and the event a change
//! gets; unit-tested without SQLite) and `commands` (the transactional commands that
//! load, change, store and announce).

pub(crate) mod checks;
mod commands;
mod derive;

use rail_protocol::{NewOrderItem, Order, OrderPatch, OrderStatus, Ticket};

pub(crate) use commands::{
    acknowledge_changes, bump_item, bump_ticket, change_order, create_order, recall_item,
    Escalated, Settled,
};
use commands::{fire_scheduled, next_fire_at};
use commands::{load_order, load_ticket, order_tickets};

use super::{Store, StoreError};

/// How long an order waits at the pass before expo stops being told of its done
/// stations: a shift.
const PASS_MEMORY_MS: i64 = 12 * 3600 * 1000;

/// Which tickets of a station to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StationFilter {
    /// On the rail, oldest first.
    Open,
    /// On the rail or waiting to be (a course the POS holds, a scheduled order's
    /// fire time): what a channel's snapshot carries.
    Live,
    /// Recently bumped, newest first (the recall list).
    Bumped { limit: u32 },
}

/// A change the POS (or expo) makes to an order.
#[derive(Debug, Clone)]
pub enum OrderCommand {
    Patch(OrderPatch),
    AddItems(Vec<NewOrderItem>),
    /// Void (`remove: false`) or remove (`remove: true`) one item.
    VoidItem {
        item_id: String,
        remove: bool,
    },
    Cancel,
    Fire(u32),
    Status(OrderStatus),
}

impl Store {
    /// Tickets of one station (or of every station with `station = None`).
    ///
    /// # Errors
    /// On database failure.
    pub fn tickets(
        &self,
        location_id: &str,
        station: Option<&str>,
        filter: StationFilter,
    ) -> Result<Vec<Ticket>, StoreError> {
        let (statuses, order, limit) = match filter {
            StationFilter::Open => ("'open'", "created_at_ms ASC", u32::MAX),
            StationFilter::Live => ("'open', 'held'", "created_at_ms ASC", u32::MAX),
            StationFilter::Bumped { limit } => ("'bumped'", "bumped_at_ms DESC", limit),
        };
        let sql = format!(
            "SELECT body FROM tickets
             WHERE location_id = ?1 AND (CAST(?2 AS TEXT) IS NULL OR station = ?2) AND status IN ({statuses})
             ORDER BY {order}, id LIMIT ?3"
        );
        self.conn()
            .query_map(&sql, (location_id, station, limit), |row| {
                Ok(serde_json::from_str(&row.get::<String>(0)?)?)
            })
    }

    /// Tickets already bumped whose order is still at the pass (not served,
    /// completed or cancelled), bumped in the last twelve hours: expo needs them to
    /// show which stations are done.
    ///
    /// # Errors
    /// On database failure.
    pub fn done_at_the_pass(
        &self,
        location_id: &str,
        now_ms: i64,
    ) -> Result<Vec<Ticket>, StoreError> {
        let status = self.conn().json_text("o.body", "status");
        self.conn().query_map(
            &format!(
                "SELECT t.body FROM tickets t
                 JOIN orders o ON o.location_id = t.location_id AND o.id = t.order_id
                 WHERE t.location_id = ?1 AND t.status = 'bumped' AND t.bumped_at_ms >= ?2
                   AND {status} NOT IN ('served', 'completed', 'cancelled')
                 ORDER BY t.created_at_ms, t.id"
            ),
            (location_id, now_ms - PASS_MEMORY_MS),
            |row| Ok(serde_json::from_str(&row.get::<String>(0)?)?),
        )
    }

    /// One ticket by id.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when it does not exist in this location.
    pub fn ticket(&self, location_id: &str, id: &str) -> Result<Ticket, StoreError> {
        load_ticket(self.conn(), location_id, id)
    }

    /// Fires every ticket whose scheduled time is at or before `now_ms`, in one
    /// transaction; answers the events to publish.
    ///
    /// # Errors
    /// On database failure.
    pub fn fire_scheduled(&mut self, now_ms: i64) -> Result<Vec<super::Published>, StoreError> {
        let tx = self.conn.transaction()?;
        let published = fire_scheduled(&tx, now_ms)?;
        tx.commit()?;
        Ok(published)
    }

    /// Keeps screens' proofs of arrivals and raises the alerts due, in a transaction of
    /// its own (see [`commands::settle_deliveries`]).
    ///
    /// # Errors
    /// On database failure, another hub's transaction in the way included.
    pub(crate) fn settle_deliveries(
        &mut self,
        location: &str,
        proofs: &[crate::delivery::ScreenProof],
        overdue: &[crate::delivery::ArrivalKey],
        printers: &std::collections::BTreeMap<String, String>,
        now_ms: i64,
    ) -> Result<(Settled, Vec<super::Published>), StoreError> {
        let tx = self.conn.transaction()?;
        let settled =
            commands::settle_deliveries(&tx, location, proofs, overdue, printers, now_ms)?;
        tx.commit()?;
        Ok(settled)
    }

    /// The earliest time a held ticket waits to be fired.
    ///
    /// # Errors
    /// On database failure.
    pub fn next_fire_at(&self) -> Result<Option<i64>, StoreError> {
        next_fire_at(self.conn())
    }

    /// Every ticket of an order, whatever its state, in the order its stations were
    /// first posted.
    ///
    /// # Errors
    /// On database failure.
    pub fn tickets_of_order(&self, order: &Order) -> Result<Vec<Ticket>, StoreError> {
        let mut by_station = order_tickets(self.conn(), &order.location_id, &order.id)?;
        Ok(derive::stations(order)
            .iter()
            .filter_map(|station| by_station.remove(station))
            .collect())
    }

    /// The pickup board: takeout, pickup and delivery orders on a station's rail or
    /// done and not yet collected, from the last twelve hours, oldest first.
    ///
    /// # Errors
    /// On database failure or a corrupt row.
    pub fn board(
        &self,
        location_id: &str,
        now_ms: i64,
    ) -> Result<Vec<rail_protocol::BoardEntry>, StoreError> {
        let order_type = self.conn().json_text("o.body", "orderType");
        let rows = self.conn().query_map(
            &format!(
                "SELECT o.body, COALESCE(o.status_at_ms, o.created_at_ms) FROM orders o
                 WHERE o.location_id = ?1 AND o.closed_at_ms IS NULL AND o.created_at_ms >= ?2
                   AND {order_type} IN ('takeout', 'pickup', 'delivery')
                   AND EXISTS (SELECT 1 FROM tickets t WHERE t.location_id = o.location_id
                               AND t.order_id = o.id AND t.status IN ('open', 'bumped'))
                 ORDER BY o.created_at_ms, o.id"
            ),
            (location_id, now_ms - PASS_MEMORY_MS),
            |row| Ok((row.get::<String>(0)?, row.get::<i64>(1)?)),
        )?;
        let mut entries = Vec::new();
        for (body, at_ms) in rows {
            let order: Order = serde_json::from_str(&body)?;
            entries.extend(rail_protocol::pickup::entry(&order, at_ms));
        }
        Ok(entries)
    }

    /// One order by id.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when it does not exist in this location.
    pub fn order(&self, location_id: &str, id: &str) -> Result<Order, StoreError> {
        load_order(self.conn(), location_id, id)
    }
}

#[cfg(test)]
mod tests {
    use super::commands::ORDER_TICKETS;
    use super::*;

    /// Found by bench-peer's POS ramp: without an index this read scanned every
    /// ticket of the location, so orders got slower as the day went on.
    #[test]
    fn an_orders_tickets_are_found_by_index_not_by_scanning_the_location() {
        let store = Store::open_in_memory().expect("store");
        let plan: Vec<String> = store
            .conn()
            .query_map(
                &format!("EXPLAIN QUERY PLAN {ORDER_TICKETS}"),
                ("loc", "order"),
                |row| row.get(3),
            )
            .expect("plan rows");
        assert!(
            plan.iter()
                .any(|step| step.contains("tickets_by_order (location_id=? AND order_id=?)")),
            "{plan:?}"
        );
    }

    /// What an order costs the disk: every page it changes is written to the WAL at
    /// commit, and that write is most of the time between a POST and the first
    /// screen. The event log used to be keyed by channel with the frames in its leaves
    /// (40 pages an order here); appended by rowid with a small key index it is 26.
    #[test]
    fn an_order_writes_few_pages() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("hub.db");
        // No checkpoint during the count: the WAL only grows.
        let mut store =
            Store::open_checkpointing_every(&path, std::time::Duration::from_secs(3600))
                .expect("store");
        let routes = crate::routing::Routes::default();
        let mut post = |number: usize| {
            let order: rail_protocol::NewOrder = serde_json::from_value(serde_json::json!({
                "number": number.to_string(),
                "table": "T5",
                "items": [{ "name": "Burger", "station": "grill", "modifiers": ["no onion"] }]
            }))
            .expect("order");
            store
                .mutate("bistro", None, 1_800_000_000_000, |tx| {
                    let (created, published) =
                        create_order(tx, "bistro", &order, &routes, "pos", 1_800_000_000_000)?;
                    Ok((201, serde_json::to_string(&created)?, published))
                })
                .expect("order created");
        };
        // The tables grow past their first pages, as in any day's service.
        (0..300).for_each(&mut post);
        let wal = || std::fs::metadata(dir.path().join("hub.db-wal")).map_or(0, |m| m.len());
        let before = wal();
        (300..400).for_each(&mut post);
        let grown = wal()
            .checked_sub(before)
            .expect("the WAL only grows while nothing checkpoints it");
        let page_size: u32 = store
            .conn()
            .query_row("PRAGMA page_size", (), |row| row.get(0))
            .expect("page size");
        // Each page in the WAL is a frame: a 24-byte header and the page.
        let pages_per_order = grown as f64 / f64::from(24 + page_size) / 100.0;
        assert!(
            (10.0..=30.0).contains(&pages_per_order),
            "an order wrote {pages_per_order:.1} pages"
        );
    }
}
