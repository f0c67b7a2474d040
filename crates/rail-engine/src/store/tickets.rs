//! Tickets as the hub last stated them, with this screen's undelivered actions shown on
//! top: snapshots and events are applied here (each with its channel's cursor, in one
//! transaction), and the screen's view is read here.

use rail_protocol::{Envelope, Event, Recovery, Snapshot, Ticket};
use rusqlite::{OptionalExtension, Transaction};

use super::{cursors, orders, Action, Applied, Change, Store, StoreError};

/// Bumped tickets kept for the recall list.
const RECALL_DEPTH: u32 = 20;

impl Store {
    /// Applies a `subscribed` answer: with a snapshot, the channel's tickets become
    /// exactly the snapshot's (tickets closed meanwhile disappear); the cursor moves to
    /// `seq`. Returns how many tickets are new to this screen.
    ///
    /// # Errors
    /// On database failure; nothing is written then.
    pub fn apply_subscribed(
        &mut self,
        channel: &str,
        epoch: &str,
        seq: u64,
        recovery: Recovery,
        snapshot: Option<&Snapshot>,
    ) -> Result<usize, StoreError> {
        if snapshot.is_none() && recovery != Recovery::Recovered {
            return Err(StoreError::MissingSnapshot {
                channel: channel.to_owned(),
                recovery,
            });
        }
        let tx = self.conn.transaction()?;
        let mut new_tickets = 0;
        if let Some(snapshot) = snapshot {
            let keep: Vec<&str> = snapshot.tickets.iter().map(|t| t.id.as_str()).collect();
            // Open and waiting tickets the hub no longer lists were closed while we
            // were away; bumped ones stay for the recall list.
            let mut stmt = tx.prepare(
                "SELECT id FROM tickets WHERE channel = ?1 AND status IN ('open', 'held')",
            )?;
            let cached: Vec<String> = stmt
                .query_map([channel], |row| row.get(0))?
                .collect::<Result<_, _>>()?;
            drop(stmt);
            for id in cached.iter().filter(|id| !keep.contains(&id.as_str())) {
                tx.execute("DELETE FROM tickets WHERE id = ?1", [id])?;
            }
            // A snapshot is the hub's truth at `seq`: written as is, whatever version is
            // cached (after a reset the versions come from another history and cannot be
            // compared). Anything newer arrives as the events after `seq`.
            // A location's snapshot also says which delivery alerts stand now.
            if matches!(channel.parse(), Ok(rail_protocol::Channel::Location(_))) {
                orders::replace_alerts(&tx, &snapshot.alerts)?;
            }
            for ticket in &snapshot.tickets {
                // A waiting (held) ticket is not on the rail yet: no cue for it.
                if write_ticket(&tx, channel, ticket, true)? == Upsert::Inserted && ticket.is_open()
                {
                    new_tickets += 1;
                }
            }
        }
        cursors::set(&tx, channel, epoch, seq)?;
        tx.commit()?;
        Ok(new_tickets)
    }

    /// Applies one event if it is the next on its channel.
    ///
    /// # Errors
    /// On database failure; nothing is written then.
    pub fn apply_event(&mut self, envelope: &Envelope) -> Result<Applied, StoreError> {
        let tx = self.conn.transaction()?;
        let Some(cursor) = cursors::seq(&tx, &envelope.channel)? else {
            return Ok(Applied::NotSubscribed);
        };
        if envelope.seq <= cursor {
            return Ok(Applied::Duplicate);
        }
        if envelope.seq != cursor + 1 {
            return Ok(Applied::Gap {
                expected: cursor + 1,
                got: envelope.seq,
            });
        }
        let change = match envelope.event.ticket() {
            Some(ticket) => {
                let was_open = tx
                    .query_row(
                        "SELECT status = 'open' FROM tickets WHERE id = ?1",
                        [&ticket.id],
                        |row| row.get::<_, bool>(0),
                    )
                    .optional()?
                    .unwrap_or(false);
                match upsert(&tx, &envelope.channel, ticket)? {
                    Upsert::Stale => Change::Quiet,
                    Upsert::Inserted | Upsert::Updated => {
                        classify(&envelope.event, was_open, ticket.is_open())
                    }
                }
            }
            None => {
                orders::record_status(&tx, &envelope.event)?;
                orders::record_alert(&tx, &envelope.event)?;
                match &envelope.event {
                    Event::TicketUndelivered(_) => Change::Undelivered,
                    Event::OrderStatus(change)
                        if change.status == rail_protocol::OrderStatus::Ready
                            && change.previous_status != rail_protocol::OrderStatus::Ready =>
                    {
                        Change::OrderReady
                    }
                    _ => Change::Quiet,
                }
            }
        };
        let applied = Applied::Applied(change);
        cursors::advance(&tx, &envelope.channel, envelope.seq)?;
        prune_bumped(&tx)?;
        tx.commit()?;
        Ok(applied)
    }

    /// Stores the ticket a hub response carried (upsert by version), so the screen
    /// shows the acknowledged state before the matching event arrives.
    ///
    /// # Errors
    /// On database failure.
    pub fn apply_ticket(&mut self, ticket: &Ticket) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let channel: Option<String> = tx
            .query_row(
                "SELECT channel FROM tickets WHERE id = ?1",
                [&ticket.id],
                |row| row.get(0),
            )
            .optional()?;
        let channel = channel
            .unwrap_or_else(|| rail_protocol::Channel::Kds(ticket.station.clone()).to_string());
        upsert(&tx, &channel, ticket)?;
        tx.commit()?;
        Ok(())
    }

    /// Tickets not on the rail yet: a course the POS holds, or a scheduled order's
    /// fire time.
    ///
    /// # Errors
    /// On database failure or undecodable cached rows.
    pub fn held(&self) -> Result<Vec<Ticket>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT body FROM tickets WHERE status = 'held' ORDER BY id")?;
        let held = stmt
            .query_map([], |row| row.get::<_, String>(0))?
            .map(|body| Ok(serde_json::from_str(&body?)?))
            .collect::<Result<_, StoreError>>()?;
        Ok(held)
    }

    /// Tickets of scheduled orders waiting for their fire time, soonest first.
    ///
    /// # Errors
    /// On database failure or undecodable cached rows.
    pub fn scheduled(&self) -> Result<Vec<Ticket>, StoreError> {
        let held = self.held()?;
        let mut scheduled: Vec<Ticket> = held
            .into_iter()
            .filter(|t| t.scheduled_fire().is_some())
            .collect();
        scheduled.sort_by_key(|t| (t.fire_at_ms, t.id.clone()));
        Ok(scheduled)
    }

    /// The screen's view: open tickets oldest first and the recall list newest first,
    /// with undelivered actions applied on top of what the hub last said.
    ///
    /// # Errors
    /// On database failure or undecodable cached rows.
    pub fn view(&self) -> Result<(Vec<Ticket>, Vec<Ticket>), StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT body FROM tickets WHERE status IN ('open', 'bumped') ORDER BY created_at_ms, id",
        )?;
        let mut tickets: Vec<Ticket> = stmt
            .query_map([], |row| row.get::<_, String>(0))?
            .map(|body| Ok(serde_json::from_str(&body?)?))
            .collect::<Result<_, StoreError>>()?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT ticket_id, action, item_id, created_at_ms FROM outbox WHERE state = 'pending' ORDER BY seq",
        )?;
        let pending: Vec<(String, String, Option<String>, i64)> = stmt
            .query_map([], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })?
            .collect::<Result<_, _>>()?;
        for (ticket_id, action, item_id, at) in pending {
            if let Some(ticket) = tickets.iter_mut().find(|t| t.id == ticket_id) {
                if let Some(action) = Action::parse(&action) {
                    overlay(ticket, action, item_id.as_deref(), at);
                }
            }
        }
        let (open, mut bumped): (Vec<Ticket>, Vec<Ticket>) =
            tickets.into_iter().partition(Ticket::is_open);
        bumped.sort_by_key(|t| std::cmp::Reverse(t.bumped_at_ms.unwrap_or(0)));
        bumped.truncate(RECALL_DEPTH as usize);
        Ok((open, bumped))
    }

    /// One cached ticket.
    ///
    /// # Errors
    /// On database failure.
    pub fn ticket(&self, id: &str) -> Result<Option<Ticket>, StoreError> {
        let body: Option<String> = self
            .conn
            .query_row("SELECT body FROM tickets WHERE id = ?1", [id], |row| {
                row.get(0)
            })
            .optional()?;
        Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
    }
}

/// Shows an undelivered action on the ticket as the hub will apply it, by the same
/// rules (`rail_protocol::Ticket`'s methods, which the hub uses too): a bump closes
/// the ticket, a recall reopens it, an item bump finishes the item (and the ticket
/// with its last item to cook), an item recall takes that back, an acknowledgement
/// confirms the ticket's changes.
fn overlay(ticket: &mut Ticket, action: Action, item_id: Option<&str>, at_ms: i64) {
    match (action, item_id) {
        (Action::Bump, _) => {
            ticket.bump(at_ms);
        }
        (Action::Recall, _) => {
            ticket.recall();
        }
        (Action::BumpItem, Some(item_id)) => {
            ticket.bump_item(item_id, at_ms);
        }
        (Action::RecallItem, Some(item_id)) => {
            ticket.recall_item(item_id);
        }
        (Action::Acknowledge, _) => {
            ticket.acknowledge_changes();
        }
        // Actions on whole orders change no ticket until the hub's events say so.
        (Action::BumpItem | Action::RecallItem, None)
        | (Action::Serve | Action::Unserve | Action::Rush | Action::Fire, _) => {}
    }
}

/// What a kitchen event means for the rail, given whether its ticket was and is on it.
fn classify(event: &Event, was_open: bool, is_open: bool) -> Change {
    match event {
        Event::TicketNew(_) | Event::TicketFired(_) if is_open && !was_open => Change::Arrived,
        Event::TicketVoided(_) if was_open => Change::Voided,
        Event::TicketPriority(e) if is_open && e.ticket.rush => Change::Rushed,
        Event::TicketUpdated(_) | Event::TicketPriority(_) if is_open => Change::Modified,
        _ => Change::Quiet,
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Upsert {
    Inserted,
    Updated,
    Stale,
}

/// Writes `ticket` unless a newer version is already cached.
fn upsert(tx: &Transaction<'_>, channel: &str, ticket: &Ticket) -> Result<Upsert, StoreError> {
    write_ticket(tx, channel, ticket, false)
}

/// Writes `ticket`; unless `force`, only over an older cached version.
fn write_ticket(
    tx: &Transaction<'_>,
    channel: &str,
    ticket: &Ticket,
    force: bool,
) -> Result<Upsert, StoreError> {
    let cached: Option<u64> = tx
        .query_row(
            "SELECT version FROM tickets WHERE id = ?1",
            [&ticket.id],
            |row| row.get(0),
        )
        .optional()?;
    if !force && cached.is_some_and(|version| version >= ticket.version) {
        return Ok(Upsert::Stale);
    }
    tx.execute(
        "INSERT INTO tickets (id, channel, station, status, version, created_at_ms, bumped_at_ms, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, version = excluded.version,
             bumped_at_ms = excluded.bumped_at_ms, body = excluded.body",
        (
            &ticket.id,
            channel,
            &ticket.station,
            ticket.status.as_str(),
            ticket.version,
            ticket.created_at_ms,
            ticket.bumped_at_ms,
            serde_json::to_string(ticket)?,
        ),
    )?;
    Ok(if cached.is_some() {
        Upsert::Updated
    } else {
        Upsert::Inserted
    })
}

/// Keeps the cache from growing through a long service: closed tickets beyond the
/// recall depth (and voided ones) are dropped; waiting ones (held) stay, since they
/// come to the rail later.
fn prune_bumped(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM tickets WHERE status NOT IN ('open', 'held') AND id NOT IN (
             SELECT id FROM tickets WHERE status = 'bumped' ORDER BY bumped_at_ms DESC LIMIT ?1)",
        [RECALL_DEPTH * 5],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use rail_protocol::{Cursor, ItemStatus, OrderType, TicketEvent, TicketItem, TicketStatus};

    use super::*;

    fn ticket(id: &str, version: u64, status: TicketStatus) -> Ticket {
        Ticket {
            changes_acknowledged: false,
            id: id.into(),
            order_id: id.into(),
            order_number: id.into(),
            location_id: "loc".into(),
            station: "grill".into(),
            table: None,
            guest: None,
            order_type: OrderType::DineIn,
            server: None,
            notes: None,
            created_at_ms: version as i64,
            rush: false,
            status,
            version,
            bumped_at_ms: (status == TicketStatus::Bumped).then_some(99),
            items: vec![TicketItem {
                seat: None,
                id: "1".into(),
                name: "Burger".into(),
                qty: 1,
                modifiers: vec![],
                notes: None,
                allergens: vec![],
                course: 1,
                status: ItemStatus::Pending,
                held: false,
                added: false,
            }],
            due_at_ms: None,
            fire_at_ms: None,
            source: None,
        }
    }

    fn envelope(seq: u64, event: Event) -> Envelope {
        Envelope {
            channel: "kds:grill".into(),
            seq,
            id: format!("e{seq}"),
            ts: 0,
            event,
        }
    }

    fn new(seq: u64, id: &str) -> Envelope {
        envelope(
            seq,
            Event::TicketNew(TicketEvent {
                ticket: ticket(id, 1, TicketStatus::Open),
                item_id: None,
                by: None,
            }),
        )
    }

    fn bumped(seq: u64, id: &str) -> Envelope {
        envelope(
            seq,
            Event::TicketBumped(TicketEvent {
                ticket: ticket(id, 2, TicketStatus::Bumped),
                item_id: None,
                by: None,
            }),
        )
    }

    fn open_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&dir.path().join("cache.sqlite3")).expect("store");
        store
            .apply_subscribed(
                "kds:grill",
                "epoch",
                0,
                Recovery::Fresh,
                Some(&Snapshot::default()),
            )
            .expect("subscribed");
        (dir, store)
    }

    /// The platform may announce an order the kitchen already served: that announcement
    /// must not bring the order back to the pass.
    #[test]
    fn an_order_announced_after_its_serve_stays_served() {
        let (_dir, mut store) = open_store();
        let served = Event::OrderStatus(rail_protocol::OrderStatusChanged {
            order_id: "o1".into(),
            status: rail_protocol::OrderStatus::Served,
            previous_status: rail_protocol::OrderStatus::Ready,
        });
        let announced = Event::OrderCreated(rail_protocol::OrderCreated {
            order_id: "o1".into(),
            tickets: Vec::new(),
            table_id: Some("T4".into()),
            employee_id: None,
            total: Some(42.5),
        });
        store.apply_event(&envelope(1, served)).expect("served");
        store
            .apply_event(&envelope(2, announced))
            .expect("announced");
        let status: String = store
            .conn
            .query_row("SELECT status FROM orders WHERE id = 'o1'", [], |row| {
                row.get(0)
            })
            .expect("status");
        assert_eq!(status, "served");
    }

    fn open_ids(store: &Store) -> Vec<String> {
        store
            .view()
            .expect("view")
            .0
            .into_iter()
            .map(|t| t.id)
            .collect()
    }

    /// Found by the `screen_wire` fuzz target: a fresh (or reset) answer without its
    /// snapshot used to trip a debug assertion, and in release builds took the hub's
    /// position without the tickets before it.
    #[test]
    fn an_answer_that_should_carry_a_snapshot_but_does_not_is_refused() {
        let (_dir, mut store) = open_store();
        store.apply_event(&new(1, "a")).expect("apply");
        for recovery in [Recovery::Fresh, Recovery::Reset] {
            let refused = store.apply_subscribed("kds:grill", "other", 9, recovery, None);
            assert!(matches!(refused, Err(StoreError::MissingSnapshot { .. })));
        }
        let cursor = store.cursor("kds:grill").expect("cursor").expect("kept");
        assert_eq!((cursor.epoch.as_str(), cursor.seq), ("epoch", 1));
        assert_eq!(open_ids(&store), ["a"]);
    }

    #[test]
    fn duplicated_and_reordered_events_end_where_the_ordered_stream_ends() {
        let stream = [new(1, "a"), new(2, "b"), bumped(3, "a"), new(4, "c")];
        let (_ordered_dir, mut ordered) = open_store();
        for event in &stream {
            assert_eq!(
                ordered.apply_event(event).expect("apply"),
                Applied::Applied(match event.seq {
                    3 => Change::Quiet,
                    _ => Change::Arrived,
                })
            );
        }

        let (_dir, mut store) = open_store();
        // Duplicates, a reordering and a skipped event, as a flaky link might deliver them.
        let outcomes: Vec<Applied> = [
            &stream[0], &stream[1], &stream[1], &stream[3], &stream[0], &stream[2],
        ]
        .iter()
        .map(|event| store.apply_event(event).expect("apply"))
        .collect();
        assert_eq!(outcomes[2], Applied::Duplicate);
        assert_eq!(
            outcomes[3],
            Applied::Gap {
                expected: 3,
                got: 4
            },
            "an event from the future is not applied"
        );
        assert_eq!(outcomes[4], Applied::Duplicate);
        assert_eq!(outcomes[5], Applied::Applied(Change::Quiet));
        // The resubscription replays from the cursor: 4 again, now in order.
        assert_eq!(
            store.apply_event(&stream[3]).expect("apply"),
            Applied::Applied(Change::Arrived)
        );
        assert_eq!(
            store.cursor("kds:grill").expect("cursor").map(|c| c.seq),
            Some(4)
        );
        assert_eq!(open_ids(&store), open_ids(&ordered));
        assert_eq!(open_ids(&store), vec!["b".to_owned(), "c".to_owned()]);
    }

    #[test]
    fn an_older_ticket_version_never_overwrites_a_newer_one() {
        let (_dir, mut store) = open_store();
        store.apply_event(&new(1, "a")).expect("new");
        store
            .apply_ticket(&ticket("a", 2, TicketStatus::Bumped))
            .expect("response of a bump");
        store
            .apply_ticket(&ticket("a", 1, TicketStatus::Open))
            .expect("a late, older answer");
        assert!(
            open_ids(&store).is_empty(),
            "the bumped ticket does not come back"
        );
    }

    #[test]
    fn a_reset_takes_the_snapshot_as_truth_even_with_lower_versions() {
        let (_dir, mut store) = open_store();
        store.apply_event(&new(1, "a")).expect("new");
        store.apply_event(&bumped(2, "a")).expect("bumped");
        store.apply_event(&new(3, "gone")).expect("new");
        // A replaced hub: a new history where "a" is open at version 1 and "gone" never was.
        let fresh = Snapshot {
            orders: Vec::new(),
            board: Vec::new(),
            order: None,
            alerts: Vec::new(),
            tickets: vec![ticket("a", 1, TicketStatus::Open)],
        };
        store
            .apply_subscribed("kds:grill", "other-epoch", 1, Recovery::Reset, Some(&fresh))
            .expect("reset");
        assert_eq!(open_ids(&store), vec!["a".to_owned()]);
        assert_eq!(
            store.cursor("kds:grill").expect("cursor"),
            Some(Cursor {
                epoch: "other-epoch".into(),
                seq: 1
            })
        );
        // The history continues from the snapshot's position.
        assert_eq!(
            store.apply_event(&bumped(2, "a")).expect("bump"),
            Applied::Applied(Change::Quiet)
        );
        assert!(open_ids(&store).is_empty());
    }

    #[test]
    fn pending_actions_show_at_once_and_survive_a_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cache.sqlite3");
        {
            let mut store = Store::open(&path).expect("store");
            store
                .apply_subscribed(
                    "kds:grill",
                    "epoch",
                    0,
                    Recovery::Fresh,
                    Some(&Snapshot::default()),
                )
                .expect("subscribed");
            store.apply_event(&new(1, "a")).expect("new");
            store.enqueue("a", Action::Bump, None, 5).expect("enqueue");
            assert!(open_ids(&store).is_empty());
        }
        let store = Store::open(&path).expect("reopen");
        assert_eq!(store.pending_count().expect("count"), 1);
        assert!(
            open_ids(&store).is_empty(),
            "still bumped after a power cut"
        );
        assert_eq!(
            store.view().expect("view").1[0].id,
            "a",
            "and in the recall list"
        );
        assert_eq!(
            store.next_pending().expect("next").map(|a| a.ticket_id),
            Some("a".to_owned())
        );
    }

    #[test]
    fn an_item_recall_and_an_acknowledgement_show_before_the_hub_answers() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&dir.path().join("cache.sqlite3")).expect("store");
        let mut changed = ticket("a", 1, TicketStatus::Open);
        changed.items[0].added = true;
        store
            .apply_subscribed(
                "kds:grill",
                "epoch",
                0,
                Recovery::Fresh,
                Some(&Snapshot {
                    orders: Vec::new(),
                    board: Vec::new(),
                    order: None,
                    alerts: Vec::new(),
                    tickets: vec![changed],
                }),
            )
            .expect("subscribed");
        store
            .enqueue("a", Action::BumpItem, Some("1"), 5)
            .expect("bump item");
        assert!(
            open_ids(&store).is_empty(),
            "its only item took the ticket off"
        );
        store
            .enqueue("a", Action::RecallItem, Some("1"), 6)
            .expect("recall item");
        assert_eq!(
            open_ids(&store),
            ["a"],
            "taking the item back brings it back"
        );
        let shown = &store.view().expect("view").0[0];
        assert!(shown.flags_changes());
        store
            .enqueue("a", Action::Acknowledge, None, 7)
            .expect("ack");
        let shown = &store.view().expect("view").0[0];
        assert!(!shown.flags_changes(), "confirmed at once, offline too");
    }

    fn scheduled_ticket(id: &str, version: u64, fire_at_ms: i64) -> Ticket {
        Ticket {
            fire_at_ms: Some(fire_at_ms),
            due_at_ms: Some(fire_at_ms + 600_000),
            ..ticket(id, version, TicketStatus::Held)
        }
    }

    #[test]
    fn scheduled_tickets_wait_off_the_rail_silently_and_arrive_when_fired() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&dir.path().join("cache.sqlite3")).expect("store");
        let snapshot = Snapshot {
            orders: Vec::new(),
            board: Vec::new(),
            order: None,
            alerts: Vec::new(),
            tickets: vec![
                ticket("now", 1, TicketStatus::Open),
                scheduled_ticket("later", 1, 9_000),
                scheduled_ticket("sooner", 1, 5_000),
            ],
        };
        let new_tickets = store
            .apply_subscribed("kds:grill", "epoch", 3, Recovery::Fresh, Some(&snapshot))
            .expect("subscribed");
        assert_eq!(
            new_tickets, 1,
            "only the ticket on the rail calls for a cue"
        );
        assert_eq!(open_ids(&store), ["now"]);
        let waiting: Vec<String> = store
            .scheduled()
            .expect("scheduled")
            .into_iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(waiting, ["sooner", "later"], "soonest first");

        // Kept through the pruning every event does, then fired onto the rail.
        store.apply_event(&new(4, "other")).expect("apply");
        let fired = envelope(
            5,
            Event::TicketFired(TicketEvent {
                ticket: ticket("sooner", 2, TicketStatus::Open),
                item_id: None,
                by: None,
            }),
        );
        assert_eq!(
            store.apply_event(&fired).expect("apply"),
            Applied::Applied(Change::Arrived)
        );
        let waiting: Vec<String> = store
            .scheduled()
            .expect("scheduled")
            .into_iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(waiting, ["later"]);

        // A reset without it (the order was cancelled while away) drops it.
        store
            .apply_subscribed(
                "kds:grill",
                "epoch2",
                1,
                Recovery::Reset,
                Some(&Snapshot::default()),
            )
            .expect("reset");
        assert!(store.scheduled().expect("scheduled").is_empty());
    }
}
