//! The hub's shared state: the store and the live fan-out behind one lock, and the
//! operations the REST API and the sockets perform on them.
//!
//! One `std::sync::Mutex` guards both the SQLite connection and the registry: an event
//! is committed and handed to subscribers under the same lock, and a subscription reads
//! its snapshot or replay and registers under it too, so no event can slip between a
//! snapshot and the live stream or reach subscribers out of order. The lock is never
//! held across an `.await`; the work under it is a short SQLite transaction (WAL,
//! synchronous=NORMAL) plus non-blocking queue pushes, so a std mutex is cheaper and
//! simpler than tokio's (the same choice as mini-redis `db.rs`).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::ws::Utf8Bytes;
use rail_protocol::{Channel, Cursor, NewOrder, Order, Recovery, Ticket};

use crate::auth::{Authority, Claims, Role};
use crate::clock::now_ms;
use crate::config::HubConfig;
use crate::delivery::{ArrivalKey, Deliveries, ScreenProof};
use crate::fanout::{HandOut, Outbound, Registry, Subscriber};
use crate::metrics::Metrics;
use crate::replay;
use crate::store::kitchen_ops::Escalated;
use crate::store::{
    self, IdempotencyKey, Mutation, OrderCommand, StationFilter, Store, StoreError,
};

/// Errors of hub operations, as the API layer sees them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HubError {
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    BadChannel(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("the connection's queue is full")]
    Overloaded,
    #[error("could not encode a response: {0}")]
    Encode(#[from] serde_json::Error),
}

pub(crate) struct State {
    pub(crate) store: Store,
    pub(crate) registry: Registry,
    /// Mutations written in the open batch, waiting for its commit (group commit).
    pub(crate) batch: Vec<crate::group_commit::Member>,
    /// Each location's routing rules as last read from the store: every order needs
    /// them, and they change only through `set_kitchen`, which replaces the entry.
    pub(crate) routes: std::collections::HashMap<String, Arc<crate::routing::Routes>>,
}

/// One running hub.
pub struct Hub {
    state: Mutex<State>,
    pub config: HubConfig,
    pub authority: Authority,
    pub metrics: Metrics,
    /// Revoked devices and the sockets each device holds open.
    pub devices: crate::devices::DeviceWatch,
    /// Failed admin sign-ins per address.
    pub(crate) login_limiter: crate::admin::LoginLimiter,
    /// The one-time code of a hub with no admin account yet.
    pub(crate) setup: crate::admin::setup::SetupCode,
    /// Woken by every change to orders, so the scheduler looks at fire times again.
    pub(crate) schedule_changed: tokio::sync::Notify,
    /// Which screens have which ticket, as they report.
    pub delivery: Deliveries,
    next_connection: AtomicU64,
    /// Mutations waiting for the lock: while there are some, a batch stays open for them.
    pub(crate) mutators_waiting: std::sync::atomic::AtomicUsize,
    /// The queue of the thread that writes the REST API's mutations in batches.
    pub(crate) writer: crate::group_commit::Writer,
    /// Sockets whose writer is still running: a shutting-down hub waits for these to
    /// have sent their close frames.
    pub(crate) writers_running: AtomicU64,
    /// The other hubs sharing this one's store, when it is one of several.
    pub(crate) cluster: std::sync::OnceLock<crate::cluster::Link>,
}

/// How far back a starting hub reads the tickets put on the rail, to go on proving
/// and escalating them: a long service.
const RESTORED_SPAN_MS: i64 = 12 * 3600 * 1000;

impl Hub {
    /// Opens the database at `path` and builds a hub around it. With no `secret`, the
    /// one stored in the database is used (created on first start).
    ///
    /// # Errors
    /// When the database cannot be opened.
    pub fn open(
        path: &Path,
        config: HubConfig,
        secret: Option<String>,
    ) -> Result<Arc<Self>, StoreError> {
        let store = Store::open_checkpointing_every(path, config.checkpoint_interval)?;
        Self::with_store(store, config, secret)
    }

    /// Connects to the PostgreSQL database at `url` (several hubs may share it) and
    /// builds a hub around it.
    ///
    /// # Errors
    /// When the server cannot be reached or the schema cannot be migrated.
    pub fn open_postgres(
        url: &str,
        config: HubConfig,
        secret: Option<String>,
    ) -> Result<Arc<Self>, StoreError> {
        Self::with_store(Store::open_postgres(url)?, config, secret)
    }

    /// A hub around an already-open store.
    ///
    /// # Errors
    /// When the signing secret cannot be read or stored.
    pub fn with_store(
        mut store: Store,
        config: HubConfig,
        secret: Option<String>,
    ) -> Result<Arc<Self>, StoreError> {
        let secret = match secret {
            Some(secret) => secret,
            None => store.signing_secret()?,
        };
        let devices = crate::devices::DeviceWatch::new(store.revoked_devices()?);
        let started = now_ms();
        let delivery = Deliveries::default();
        delivery.restore(
            store.kept_arrivals(started.saturating_sub(RESTORED_SPAN_MS))?,
            started,
        );
        Ok(Arc::new(Hub {
            state: Mutex::new(State {
                store,
                registry: Registry::default(),
                batch: Vec::new(),
                routes: std::collections::HashMap::new(),
            }),
            config,
            authority: Authority::new(&secret),
            metrics: Metrics::default(),
            devices,
            login_limiter: crate::admin::LoginLimiter::default(),
            setup: crate::admin::setup::SetupCode::default(),
            schedule_changed: tokio::sync::Notify::new(),
            delivery,
            next_connection: AtomicU64::new(1),
            mutators_waiting: std::sync::atomic::AtomicUsize::new(0),
            writer: crate::group_commit::start_writer().map_err(|source| {
                StoreError::CommitFailed(format!("no writer thread: {source}"))
            })?,
            writers_running: AtomicU64::new(0),
            cluster: std::sync::OnceLock::new(),
        }))
    }

    /// The hub's state with no batch of changes open: whoever reads or writes outside a
    /// batch sees only committed data (an open batch is committed first).
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        let mut state = self.lock_for_batch();
        self.finish_batch(&mut state);
        state
    }

    /// The hub's state as it is, an open batch and all: for mutations joining it.
    pub(crate) fn lock_for_batch(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves SQLite consistent (a mutation's
        // savepoint rolls back on unwind), so a poisoned lock is safe to keep using.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A fresh connection id.
    pub fn connection_id(&self) -> u64 {
        self.next_connection.fetch_add(1, Ordering::Relaxed)
    }

    /// Notes the tickets committed events put on a station's rail, whose arrival the
    /// screens will prove, and hands the events to their subscribers: an arrival is
    /// noted before any screen can report having applied it.
    ///
    /// Of several hubs, the others hear of the events from this one, and watch the
    /// arrivals too.
    pub(crate) fn announce(&self, state: &mut State, published: &[store::Published], now: i64) {
        self.announce_commits(state, &[(published, now)]);
    }

    /// [`Hub::announce`] for the members of a batch, in the order they were written.
    pub(crate) fn announce_commits(
        &self,
        state: &mut State,
        commits: &[(&[store::Published], i64)],
    ) {
        self.hand_out_commits(state, commits);
        if let Some(cluster) = self.cluster.get() {
            for (published, _) in commits {
                cluster.forward(published);
            }
        }
    }

    /// Hands events to this hub's subscribers, in sequence per channel, a gap filled
    /// from the store first. Other hubs' events come in here. The tickets the events
    /// (and a gap's) put on a station's rail are noted as arrivals first, whatever path
    /// brought them: a screen's report must never pass an arrival not yet noted.
    pub(crate) fn hand_out(&self, state: &mut State, published: &[store::Published], now: i64) {
        self.hand_out_commits(state, &[(published, now)]);
    }

    /// [`Hub::hand_out`] for several commits' events, in order. A lone commit's events
    /// are written to their first subscribers from here (see `crate::outlet`).
    fn hand_out_commits(&self, state: &mut State, commits: &[(&[store::Published], i64)]) {
        let mut how = if commits.len() == 1 {
            HandOut::direct()
        } else {
            HandOut::queued()
        };
        let State {
            store, registry, ..
        } = state;
        for &(published, now) in commits {
            self.delivery.arrived_with(published, now);
            let mut fill = |location_id: &str, channel: &str, after: u64, before: u64| {
                match store.events_between(location_id, channel, after, before) {
                    Ok(events) => {
                        for (seq, frame) in &events {
                            if let Some(ticket_id) = store::arrival_in_frame(channel, frame) {
                                self.delivery
                                    .arrived(location_id, channel, *seq, &ticket_id, now);
                            }
                        }
                        events
                    }
                    Err(error) => {
                        // The screens notice the gap themselves and resume from their cursor.
                        tracing::error!(%error, %channel, "reading the events before a gap failed");
                        Vec::new()
                    }
                }
            };
            registry.publish(published, &mut fill, &mut how);
        }
        self.metrics
            .frames_written_directly
            .fetch_add(how.frames_written() as u64, Ordering::Relaxed);
    }

    /// A screen has applied `channel` up to `seq`; the other hubs hear of it too, for
    /// the tickets whose arrival they prove.
    pub(crate) fn applied(&self, location: &str, screen: &str, channel: &str, seq: u64) {
        let now = now_ms();
        self.delivery
            .applied(location, screen, channel, seq, now, true);
        if let Some(cluster) = self.cluster.get() {
            cluster.forward_applied(location, screen, channel, seq, now);
        }
    }

    /// Creates an order from the POS.
    ///
    /// # Errors
    /// `Forbidden` for tokens that may not post orders; store errors otherwise.
    pub fn create_order(
        &self,
        who: &Claims,
        idem: Option<&IdempotencyKey>,
        order: &NewOrder,
    ) -> Result<Mutation, HubError> {
        if !who.may_post_orders() {
            return Err(HubError::Forbidden(format!(
                "a {} token may not post orders",
                who.role.as_str()
            )));
        }
        let routes = &self.routes_for(&who.loc)?;
        let mut order = order.clone();
        self.config.prep_times.fill(&mut order.items);
        let created = self.mutate(&who.loc, idem, |tx, now| {
            let (created, published) =
                store::kitchen_ops::create_order(tx, &who.loc, &order, routes, &who.sub, now)?;
            Ok((201, serde_json::to_string(&created)?, published))
        })?;
        // Only an order for later gives the scheduler a new fire time.
        if order.due_at_ms.is_some() {
            self.schedule_changed.notify_one();
        }
        Ok(created)
    }

    /// Changes an order (POS; expo may also fire courses and set the status).
    ///
    /// # Errors
    /// `Forbidden` for tokens that may not make this change; store errors otherwise.
    pub fn change_order(
        &self,
        who: &Claims,
        idem: Option<&IdempotencyKey>,
        order_id: &str,
        command: &OrderCommand,
    ) -> Result<Mutation, HubError> {
        // Expo runs the pass: it fires courses, sets the status (serve, and undo a
        // serve) and marks rush — nothing else about an order.
        let rush_only = |patch: &rail_protocol::OrderPatch| {
            patch.rush.is_some()
                && *patch
                    == rail_protocol::OrderPatch {
                        rush: patch.rush,
                        ..Default::default()
                    }
        };
        let expo_may = who.role == Role::Expo
            && match command {
                OrderCommand::Fire(_) | OrderCommand::Status(_) => true,
                OrderCommand::Patch(patch) => rush_only(patch),
                _ => false,
            };
        if !who.may_post_orders() && !expo_may {
            return Err(HubError::Forbidden(format!(
                "a {} token may not make this change",
                who.role.as_str()
            )));
        }
        let routes = &self.routes_for(&who.loc)?;
        let mut command = command.clone();
        if let OrderCommand::AddItems(items) = &mut command {
            self.config.prep_times.fill(items);
        }
        let changed = self.mutate(&who.loc, idem, |tx, now| {
            let (order, published) = store::kitchen_ops::change_order(
                tx, &who.loc, order_id, &command, routes, &who.sub, now,
            )?;
            Ok((200, serde_json::to_string(&order)?, published))
        })?;
        // A new due time, items or a fired course may move a fire time.
        self.schedule_changed.notify_one();
        Ok(changed)
    }

    /// One order of the token's location.
    ///
    /// # Errors
    /// `NotFound`, or `Forbidden` for station screens (they read tickets, not orders).
    pub fn order(&self, who: &Claims, id: &str) -> Result<Order, HubError> {
        if !who.may_read_orders() {
            return Err(HubError::Forbidden(format!(
                "a {} token may not read orders",
                who.role.as_str()
            )));
        }
        Ok(self.lock().store.order(&who.loc, id)?)
    }

    fn check_station(&self, who: &Claims, ticket_id: &str) -> Result<(), HubError> {
        // A ticket's station never changes, so the open batch's rows will do (see
        // `routes_for`).
        let ticket = self.lock_for_batch().store.ticket(&who.loc, ticket_id)?;
        if !who.may_work_station(&ticket.station) {
            return Err(HubError::Forbidden(format!(
                "this token may not act on station {:?}",
                ticket.station
            )));
        }
        Ok(())
    }

    /// Runs one screen action on a ticket of the token's stations and answers the
    /// outcome with the ticket as it now is (`ActionResult`).
    fn ticket_action(
        &self,
        who: &Claims,
        idem: Option<&IdempotencyKey>,
        ticket_id: &str,
        action: impl FnOnce(
            &store::Db,
            i64,
        ) -> Result<
            (rail_protocol::ActionOutcome, Ticket, Vec<store::Published>),
            StoreError,
        >,
    ) -> Result<Mutation, HubError> {
        self.check_station(who, ticket_id)?;
        self.mutate(&who.loc, idem, |tx, now| {
            let (outcome, ticket, published) = action(tx, now)?;
            let body = serde_json::to_string(&rail_protocol::ActionResult { outcome, ticket })?;
            Ok((200, body, published))
        })
    }

    /// Bumps (or recalls, with `recall`) a ticket on behalf of a screen.
    ///
    /// # Errors
    /// `Forbidden` when the ticket's station is not the token's; store errors otherwise.
    pub fn bump(
        &self,
        who: &Claims,
        idem: Option<&IdempotencyKey>,
        ticket_id: &str,
        recall: bool,
    ) -> Result<Mutation, HubError> {
        self.ticket_action(who, idem, ticket_id, |tx, now| {
            store::kitchen_ops::bump_ticket(tx, &who.loc, ticket_id, &who.sub, recall, now)
        })
    }

    /// Bumps one item of a ticket; the last pending item bumps the ticket.
    ///
    /// # Errors
    /// `Forbidden` when the ticket's station is not the token's; store errors otherwise.
    pub fn bump_item(
        &self,
        who: &Claims,
        idem: Option<&IdempotencyKey>,
        ticket_id: &str,
        item_id: &str,
    ) -> Result<Mutation, HubError> {
        self.ticket_action(who, idem, ticket_id, |tx, now| {
            store::kitchen_ops::bump_item(tx, &who.loc, ticket_id, item_id, &who.sub, now)
        })
    }

    /// Takes back an item bump; a ticket the item's bump had closed comes back.
    ///
    /// # Errors
    /// `Forbidden` when the ticket's station is not the token's; store errors otherwise.
    pub fn recall_item(
        &self,
        who: &Claims,
        idem: Option<&IdempotencyKey>,
        ticket_id: &str,
        item_id: &str,
    ) -> Result<Mutation, HubError> {
        self.ticket_action(who, idem, ticket_id, |tx, now| {
            store::kitchen_ops::recall_item(tx, &who.loc, ticket_id, item_id, &who.sub, now)
        })
    }

    /// Confirms the POS's changes to a ticket for every screen of its station.
    ///
    /// # Errors
    /// `Forbidden` when the ticket's station is not the token's; store errors otherwise.
    pub fn acknowledge_changes(
        &self,
        who: &Claims,
        idem: Option<&IdempotencyKey>,
        ticket_id: &str,
    ) -> Result<Mutation, HubError> {
        self.ticket_action(who, idem, ticket_id, |tx, now| {
            store::kitchen_ops::acknowledge_changes(tx, &who.loc, ticket_id, &who.sub, now)
        })
    }

    /// Tickets of a station, as a token may see them.
    ///
    /// # Errors
    /// `Forbidden` when the station is not the token's.
    pub fn tickets(
        &self,
        who: &Claims,
        station: &str,
        filter: StationFilter,
    ) -> Result<Vec<Ticket>, HubError> {
        if !who.may_work_station(station) {
            return Err(HubError::Forbidden(format!(
                "this token may not see station {station:?}"
            )));
        }
        Ok(self.lock().store.tickets(&who.loc, Some(station), filter)?)
    }

    /// One ticket of the token's location.
    ///
    /// # Errors
    /// `NotFound` or `Forbidden`.
    pub fn ticket(&self, who: &Claims, id: &str) -> Result<Ticket, HubError> {
        let ticket = self.lock().store.ticket(&who.loc, id)?;
        if !who.may_work_station(&ticket.station) && !who.may_post_orders() {
            return Err(HubError::Forbidden(format!(
                "this token may not see station {:?}",
                ticket.station
            )));
        }
        Ok(ticket)
    }

    /// Which screens of its station have a ticket, and since when, as they reported.
    ///
    /// # Errors
    /// `NotFound` for an unknown ticket or one with no record in the history read back;
    /// `Forbidden` as for reading the ticket.
    pub fn delivery(
        &self,
        who: &Claims,
        id: &str,
    ) -> Result<rail_protocol::TicketDelivery, HubError> {
        self.ticket(who, id)?;
        let mut delivery = self.delivery.of(&who.loc, id).ok_or_else(|| {
            HubError::Store(StoreError::NotFound(format!(
                "no record of ticket {id} reaching a station in the last 12 hours of history"
            )))
        })?;
        let state = self.lock();
        for receipt in &mut delivery.screens {
            if let Ok(Some(record)) = state.store.device(&who.loc, &receipt.screen) {
                receipt.name = Some(record.device.name);
            }
        }
        Ok(delivery)
    }

    /// The delivery alerts raised in `location` and not cleared, as expo is told them
    /// (by whichever hub of the group raised them).
    fn raised_alerts(
        &self,
        store: &store::Store,
        location: &str,
    ) -> Vec<rail_protocol::DeliveryAlert> {
        let standing = store.standing_alerts(location).unwrap_or_else(|error| {
            tracing::error!(%error, "cannot read the standing delivery alerts");
            Vec::new()
        });
        standing
            .into_iter()
            .filter_map(|(ticket_id, posted_at_ms)| {
                let ticket = store.ticket(location, &ticket_id).ok()?;
                Some(rail_protocol::DeliveryAlert {
                    ticket_id: ticket.id,
                    order_id: ticket.order_id,
                    order_number: ticket.order_number,
                    printer: self.config.fallback_printers.get(&ticket.station).cloned(),
                    station: ticket.station,
                    posted_at_ms,
                })
            })
            .collect()
    }

    /// Keeps the proofs screens connected here gave since the last call, with the
    /// all-clear for alerted tickets they answer; raises an alert for every ticket on
    /// no screen of its station for longer than the configured delay. Answers the
    /// tickets to print on their station's fallback printer, with it.
    ///
    /// What the store could not be given (logged) is tried again at the next call.
    pub fn escalate(&self, now: i64) -> Vec<(String, Ticket)> {
        let after = i64::try_from(self.config.delivery_alert.as_millis()).unwrap_or(i64::MAX);
        let printers = &self.config.fallback_printers;
        let mut work: BTreeMap<String, (Vec<ScreenProof>, Vec<ArrivalKey>)> = BTreeMap::new();
        for proof in self.delivery.take_proofs() {
            work.entry(proof.arrival.location.clone())
                .or_default()
                .0
                .push(proof);
        }
        for arrival in self.delivery.overdue(now, after) {
            work.entry(arrival.location.clone())
                .or_default()
                .1
                .push(arrival);
        }
        let mut to_print = Vec::new();
        // One transaction per location for the whole sweep, not one per ticket; and not
        // in a batch of orders: a batch holds its rows until it commits, and hubs
        // proving the same arrivals would each hold what the other's next order waits
        // for.
        for (location, (proofs, overdue)) in work {
            let now = now_ms();
            let mut state = self.lock();
            let settled = match state
                .store
                .settle_deliveries(&location, &proofs, &overdue, printers, now)
            {
                Ok((settled, published)) => {
                    self.announce(&mut state, &published, now);
                    self.metrics
                        .events_published
                        .fetch_add(published.len() as u64, Ordering::Relaxed);
                    settled
                }
                Err(error) => {
                    drop(state);
                    // Nothing of it was written (another hub's change in the way,
                    // the store gone): the next sweep tries these again.
                    tracing::warn!(%error, location, "delivery proofs and alerts not written yet");
                    self.delivery.retry(&proofs, &overdue);
                    continue;
                }
            };
            drop(state);
            if settled.cleared > 0 {
                tracing::info!(
                    location,
                    tickets = settled.cleared,
                    "a screen has the alerted tickets now"
                );
            }
            for (arrival, outcome) in overdue.iter().zip(settled.escalated) {
                match outcome {
                    Escalated::Raised(ticket) => {
                        tracing::warn!(ticket = %ticket.id, station = %ticket.station, "no screen of the station has the ticket");
                        if let Some(printer) = printers.get(&ticket.station) {
                            to_print.push((printer.clone(), *ticket));
                        }
                    }
                    Escalated::Proven { screen, at_ms } => {
                        self.delivery.proven_elsewhere(arrival, &screen, at_ms);
                    }
                    Escalated::OffTheRail | Escalated::RaisedBefore => {}
                }
            }
        }
        to_print
    }

    /// Starts a subscription: queues its snapshot or replay, then registers the
    /// subscriber for live events, atomically with respect to publishing.
    ///
    /// # Errors
    /// `BadChannel`, `Forbidden`, `Overloaded` (queue full) or store errors.
    pub fn subscribe(
        &self,
        who: &Claims,
        channel_name: &str,
        since: Option<&Cursor>,
        subscriber: Subscriber,
    ) -> Result<Recovery, HubError> {
        let channel: Channel = channel_name
            .parse()
            .map_err(|e: rail_protocol::ChannelError| HubError::BadChannel(e.to_string()))?;
        who.may_subscribe(&channel).map_err(HubError::Forbidden)?;
        self.check_guest(who, now_ms())?;
        let name = channel.to_string();
        let mut state = self.lock();
        let plan = state.store.consistent_read(|store| {
            replay::plan(store, &who.loc, &channel, since, || {
                self.raised_alerts(store, &who.loc)
            })
        })?;
        subscriber.positions.note(&name, plan.seq);
        let frames = plan.frames.into_iter().map(Utf8Bytes::from).collect();
        subscriber
            .queue
            .try_send(Outbound::batch(frames))
            .map_err(|_| HubError::Overloaded)?;
        state.registry.add(&who.loc, &name, subscriber, plan.seq);
        drop(state);
        if plan.recovery != Recovery::Fresh {
            self.metrics.replays.fetch_add(1, Ordering::Relaxed);
        }
        Ok(plan.recovery)
    }

    /// Ends one subscription; false if the connection did not hold it.
    pub fn unsubscribe(&self, who: &Claims, channel_name: &str, connection_id: u64) -> bool {
        self.lock()
            .registry
            .remove(&who.loc, channel_name, connection_id)
    }

    /// Forgets a closed connection.
    pub fn disconnect(&self, connection_id: u64) {
        self.lock().registry.remove_connection(connection_id);
    }

    /// Subscriptions per channel, for `/metrics`.
    pub fn subscription_counts(&self) -> Vec<(String, String, usize)> {
        self.lock()
            .registry
            .counts()
            .map(|(loc, ch, n)| (loc.to_owned(), ch.to_owned(), n))
            .collect()
    }

    /// Drops replay history past the configured age and count, and the service record
    /// past its age.
    ///
    /// # Errors
    /// On database failure.
    pub fn prune_history(&self) -> Result<usize, StoreError> {
        let max_age_ms = i64::try_from(self.config.history_max_age.as_millis()).unwrap_or(i64::MAX);
        let cutoff = now_ms().saturating_sub(max_age_ms);
        let record_age_ms =
            i64::try_from(self.config.record_max_age.as_millis()).unwrap_or(i64::MAX);
        let record_cutoff = now_ms().saturating_sub(record_age_ms);
        let mut state = self.lock();
        let removed = state
            .store
            .prune_history(cutoff, self.config.history_per_channel)?;
        Ok(removed + state.store.prune_record(record_cutoff)?)
    }

    /// Runs a read of the service record on a connection of its own, so a long report
    /// never holds the lock the kitchen's writes take (SQLite's WAL and PostgreSQL
    /// both let it read beside them); a database in memory is read under the lock.
    ///
    /// # Errors
    /// What `read` returns, or a failure to open the reader.
    pub(crate) fn read_record<T>(
        &self,
        read: impl FnOnce(&store::Db) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let state = self.lock();
        match state.store.reader()? {
            Some(reader) => {
                drop(state);
                read(&reader)
            }
            None => read(state.store.conn()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::claims;

    /// One hub of two sharing a store hears of the second of two orders first (the
    /// first's notice is late): the first is read from the store to fill the gap and
    /// handed to its screen in sequence — and noted as an arrival before, or the
    /// screen's report would pass it by and it would be alerted though the screen has it.
    #[test]
    fn tickets_a_gap_held_are_noted_before_they_are_handed_out() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("hub.sqlite3");
        let open = || Hub::open(&path, HubConfig::default(), Some("secret".into())).expect("hub");
        let (writer, reader) = (open(), open());
        let (queue, received) = crate::fanout::queue(16);
        let screen = Subscriber {
            connection_id: reader.connection_id(),
            queue,
            overflow: Arc::new(tokio::sync::Notify::new()),
            positions: Arc::default(),
        };
        let kds = claims("loc", Role::Kds, &["grill".to_owned()], "grill-1", 60);
        reader
            .subscribe(&kds, "kds:grill", None, screen)
            .expect("subscribed");
        let pos = claims("loc", Role::Pos, &[], "till", 60);
        let tickets: Vec<String> = ["1", "2"]
            .into_iter()
            .map(|number| {
                let order = serde_json::from_value(serde_json::json!({
                    "number": number, "items": [{ "name": "Burger", "station": "grill" }]
                }))
                .expect("order");
                let created = writer.create_order(&pos, None, &order).expect("order");
                let body: serde_json::Value = serde_json::from_str(&created.body).expect("answer");
                body["tickets"][0]["id"]
                    .as_str()
                    .expect("ticket")
                    .to_owned()
            })
            .collect();
        let second: Vec<store::Published> = {
            let state = reader.lock();
            let events = state
                .store
                .events_between("loc", "kds:grill", 1, 3)
                .expect("events");
            events
                .into_iter()
                .filter(|(seq, _)| *seq == 2)
                .map(|(seq, frame)| store::Published {
                    location_id: "loc".into(),
                    arrival: store::arrival_in_frame("kds:grill", &frame),
                    channel: "kds:grill".into(),
                    seq,
                    frame,
                })
                .collect()
        };
        reader.hand_out(&mut reader.lock(), &second, now_ms());

        let handed = received.drain().count();
        assert_eq!(handed, 3, "the subscribe answer, then events 1 and 2");
        for ticket in &tickets {
            assert!(
                reader.delivery.of("loc", ticket).is_some(),
                "{ticket} noted before it was handed out"
            );
        }
    }
}
