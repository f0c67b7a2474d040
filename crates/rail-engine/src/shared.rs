//! The state the engine's tasks share, and every change to it as one step.
//!
//! Sync, the outbox and the engine handle never write the store and then remember to
//! republish the screen and wake the outbox: they call one method here that does all
//! three, so imports run one way (tasks → shared state → store). Changes to the
//! tickets publish a new [`Board`]; the link, the clock and the outbox's count publish
//! a new [`Status`], and a heartbeat never reads a ticket.
//!
//! The store sits behind a `std::sync::Mutex`: every use is a short SQLite call and
//! never spans an `.await`, so a blocking mutex is simpler and cheaper than tokio's.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rail_protocol::{Channel, Cursor, Envelope, Recovery, Snapshot, Ticket};
use tokio::sync::{watch, Notify};

use crate::config::EngineConfig;
use crate::engine::{now_ms, ActionKey, EngineError};
use crate::sound::SoundPlayer;
use crate::store::{Action, Applied, PendingAction, Store, StoreError};
use crate::view::{Board, Connection, LinkState, Rejection, Status};

/// How an action the outbox sent was settled.
pub(crate) enum Settled<'a> {
    /// The hub applied it and answered with the ticket as it now is.
    Applied(&'a Ticket),
    /// The hub changed the order (served it, took a serve back, rushed, fired).
    OrderChanged,
    /// The hub refused it for good, with its reason.
    Rejected(&'a str),
}

pub(crate) struct Shared {
    pub config: EngineConfig,
    /// One HTTP client for the outbox and the token exchange (one connection pool).
    pub http: reqwest::Client,
    /// The screen's credential and its current access token.
    pub access: crate::access::Access,
    /// The channels followed: the configured ones, plus `location:<id>` for expo once
    /// the hub has said which location the token is in.
    channels: Mutex<Vec<String>>,
    store: Mutex<Store>,
    board: watch::Sender<Arc<Board>>,
    status: watch::Sender<Status>,
    /// Wakes the outbox: a new action, or the link came back.
    pub outbox_wake: Notify,
    pub sound: SoundPlayer,
    /// Reachability probes sent while the hub was down.
    pub probes: AtomicU64,
    /// Times the tickets were read from the store to publish a board.
    board_reads: AtomicU64,
    /// Which of the kitchen's hubs is in use (an index into `config.hubs()`).
    hub: std::sync::atomic::AtomicUsize,
}

impl Shared {
    /// The base URL of the hub in use.
    pub fn hub_url(&self) -> String {
        let index = self.hub.load(Ordering::Relaxed);
        self.config
            .hubs()
            .nth(index)
            .unwrap_or(&self.config.hub_url)
            .to_owned()
    }

    /// Moves to the kitchen's next hub (back to the first after the last); false when
    /// there is only one.
    pub fn next_hub(&self) -> bool {
        let count = self.config.hubs().count();
        if count < 2 {
            return false;
        }
        let next = (self.hub.load(Ordering::Relaxed) + 1) % count;
        self.hub.store(next, Ordering::Relaxed);
        tracing::info!(hub = %self.hub_url(), "moving to the kitchen's next hub");
        true
    }

    /// Shared state around an open store; the board holds the cached tickets at once.
    pub fn new(config: EngineConfig, store: Store, sound: SoundPlayer) -> Self {
        let status = Status {
            connection: Connection {
                state: LinkState::Connecting,
                since_ms: now_ms(),
                detail: None,
            },
            pending_actions: 0,
            rejections: Vec::new(),
            clock_offset_ms: 0,
            last_sync_ms: None,
            profile: None,
            today: None,
        };
        let http = crate::tls::http_client(config.hub_ca.as_deref()).unwrap_or_else(|error| {
            // A screen that cannot trust its hub cannot reach it either: its calls fail
            // and say so, and its cache stays on the screen.
            tracing::error!(%error, "no HTTP client for the hub");
            reqwest::Client::new()
        });
        let shared = Shared {
            http,
            access: crate::access::Access::new(config.credential.clone()),
            channels: Mutex::new(config.channels.clone()),
            config,
            store: Mutex::new(store),
            board: watch::channel(Arc::new(Board::default())).0,
            status: watch::channel(status).0,
            outbox_wake: Notify::new(),
            sound,
            probes: AtomicU64::new(0),
            board_reads: AtomicU64::new(0),
            hub: std::sync::atomic::AtomicUsize::new(0),
        };
        shared.publish_board();
        // The profile kept from the last time the hub was heard, until it speaks again.
        match shared.store().profile() {
            Ok(profile) => shared.show_profile(profile),
            Err(error) => tracing::warn!(%error, "the kept screen profile is unreadable"),
        }
        shared
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // SQLite rolls back an unfinished transaction on drop, so the data behind a
        // poisoned lock is consistent and safe to keep using.
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn watch_board(&self) -> watch::Receiver<Arc<Board>> {
        self.board.subscribe()
    }

    pub fn watch_status(&self) -> watch::Receiver<Status> {
        self.status.subscribe()
    }

    pub fn board_reads(&self) -> u64 {
        self.board_reads.load(Ordering::Relaxed)
    }

    // --- Reads -------------------------------------------------------------------

    pub fn cursor(&self, channel: &str) -> Result<Option<Cursor>, StoreError> {
        self.store().cursor(channel)
    }

    pub fn next_pending(&self) -> Result<Option<PendingAction>, StoreError> {
        self.store().next_pending()
    }

    pub fn link_state(&self) -> LinkState {
        self.status.borrow().connection.state
    }

    // --- Changes to the tickets: store, then board ---------------------------------

    /// Learns the location (from `ready`) and returns the channels to subscribe to.
    pub fn channels_for(&self, location_id: &str) -> Vec<String> {
        // A paired device follows what the hub assigned it last, which the manager may
        // have changed since pairing; a configured screen follows its configuration.
        let assigned = self.access.assigned();
        let (mut channels, expo) = match &assigned {
            Some(token) => (
                token
                    .stations
                    .iter()
                    .filter(|s| *s != "*")
                    .map(|s| Channel::Kds(s.clone()).to_string())
                    .collect(),
                token.role == rail_protocol::Role::Expo,
            ),
            None => (self.config.channels.clone(), self.config.expo),
        };
        if expo {
            channels.push(Channel::Location(location_id.to_owned()).to_string());
        }
        *self.channels.lock().unwrap_or_else(|p| p.into_inner()) = channels.clone();
        self.publish_board();
        channels
    }

    /// Applies a `subscribed` answer; returns how many tickets are new to this screen.
    pub fn apply_subscribed(
        &self,
        channel: &str,
        epoch: &str,
        seq: u64,
        recovery: Recovery,
        snapshot: Option<&Snapshot>,
    ) -> Result<usize, StoreError> {
        let new_tickets = self
            .store()
            .apply_subscribed(channel, epoch, seq, recovery, snapshot)?;
        self.publish_board();
        Ok(new_tickets)
    }

    /// Applies one event; the board is republished only when it was applied.
    pub fn apply_event(&self, envelope: &Envelope) -> Result<Applied, StoreError> {
        let applied = self.store().apply_event(envelope)?;
        if matches!(applied, Applied::Applied(_)) {
            self.publish_board();
        }
        Ok(applied)
    }

    /// Records a cook's action on a ticket (or, for `Serve`, an order): shown at once,
    /// delivered by the outbox, which is woken.
    pub fn enqueue(
        &self,
        target_id: &str,
        action: Action,
        item_id: Option<&str>,
    ) -> Result<ActionKey, EngineError> {
        let key = {
            let mut store = self.store();
            if !action.is_on_order() {
                let ticket = store
                    .ticket(target_id)?
                    .ok_or_else(|| EngineError::UnknownTicket(target_id.to_owned()))?;
                if let Some(item_id) = item_id {
                    if !ticket.items.iter().any(|i| i.id == item_id) {
                        return Err(EngineError::UnknownItem(
                            target_id.to_owned(),
                            item_id.to_owned(),
                        ));
                    }
                }
            }
            store.enqueue(target_id, action, item_id, now_ms())?
        };
        self.publish_board();
        self.outbox_wake.notify_one();
        Ok(ActionKey(key))
    }

    /// Settles a delivered (or refused) action.
    pub fn settle(&self, action: &PendingAction, settled: Settled<'_>) -> Result<(), StoreError> {
        {
            let mut store = self.store();
            let now = now_ms();
            match settled {
                Settled::Applied(ticket) => store
                    .settle(&action.key, true, None, now)
                    .and_then(|()| store.apply_ticket(ticket))?,
                // Only a serve takes the order off the pass before the hub's event
                // says so; an undo, a rush or a fire leaves it there (recording those
                // as served hid the order whenever the answer overtook the event).
                Settled::OrderChanged => {
                    store.settle(&action.key, true, None, now)?;
                    if action.action == Action::Serve {
                        store.record_served(&action.ticket_id)?;
                    }
                }
                Settled::Rejected(reason) => store.settle(&action.key, false, Some(reason), now)?,
            }
        }
        self.publish_board();
        Ok(())
    }

    /// Counts a failed delivery attempt (nothing on screen changes).
    pub fn record_attempt(&self, key: &str, reason: &str) -> Result<(), StoreError> {
        self.store().record_attempt(key, reason)
    }

    // --- Changes to the status only ------------------------------------------------

    /// The hub said which screen profile this device follows (none: its own
    /// settings): kept for restarts, shown, and heard in the next cue.
    pub fn apply_profile(&self, profile: Option<rail_protocol::ScreenProfile>) {
        if self.status.borrow().profile == profile {
            return;
        }
        if let Err(error) = self.store().set_profile(profile.as_ref()) {
            tracing::warn!(%error, "could not keep the screen profile");
        }
        tracing::info!(profile = ?profile.as_ref().map(|p| &p.name), "screen profile");
        self.show_profile(profile);
    }

    fn show_profile(&self, profile: Option<rail_protocol::ScreenProfile>) {
        self.sound.set(match &profile {
            Some(profile) => crate::config::SoundConfig::from_profile(profile),
            None => self.config.sound.clone(),
        });
        self.status.send_if_modified(|status| {
            if status.profile == profile {
                return false;
            }
            status.profile = profile;
            true
        });
    }

    /// The hub said something: note when, and its clock when it says the time.
    pub fn heard_from_hub(&self, server_time_ms: Option<i64>) {
        let now = now_ms();
        self.status.send_modify(|status| {
            status.last_sync_ms = Some(now);
            if let Some(server) = server_time_ms {
                status.clock_offset_ms = server - now;
            }
        });
    }

    /// Shows the day's figures the hub sent.
    pub fn set_today(&self, today: rail_protocol::TodaySummary) {
        self.status.send_if_modified(|status| {
            if status.today.as_ref() == Some(&today) {
                return false;
            }
            status.today = Some(today);
            true
        });
    }

    pub fn set_link(&self, state: LinkState, detail: Option<String>) {
        self.status.send_if_modified(|status| {
            let link = &status.connection;
            // Offline keeps the time the link was lost, not the time retries started failing.
            let keep_since = matches!(
                (link.state, state),
                (LinkState::Reconnecting, LinkState::Offline)
                    | (LinkState::Offline, LinkState::Offline)
                    | (LinkState::Connecting, LinkState::Offline)
            );
            let since_ms = if keep_since || link.state == state {
                link.since_ms
            } else {
                now_ms()
            };
            let connection = Connection {
                state,
                since_ms,
                detail,
            };
            if status.connection == connection {
                return false;
            }
            status.connection = connection;
            true
        });
    }

    /// Reads the tickets and the outbox's count and publishes what changed. The store
    /// stays locked until both are sent, so publications happen in the order of the
    /// reads: a board read before a change can never be sent after one read after it.
    fn publish_board(&self) {
        let store = self.store();
        let read = self.read_board(&store);
        match read {
            Ok((board, pending_actions, rejections)) => {
                self.board.send_if_modified(|current| {
                    if **current == board {
                        return false;
                    }
                    *current = Arc::new(board);
                    true
                });
                self.status.send_if_modified(|status| {
                    if status.pending_actions == pending_actions && status.rejections == rejections
                    {
                        return false;
                    }
                    status.pending_actions = pending_actions;
                    status.rejections = rejections;
                    true
                });
            }
            Err(error) => tracing::error!(%error, "could not read the local cache"),
        }
        drop(store);
    }

    fn read_board(&self, store: &Store) -> Result<(Board, u32, Vec<Rejection>), StoreError> {
        self.board_reads.fetch_add(1, Ordering::Relaxed);
        let channels = self
            .channels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let expo = self.config.expo
            || channels
                .iter()
                .any(|c| matches!(c.parse::<Channel>(), Ok(Channel::Location(_))));
        let (tickets, recent) = store.view()?;
        let (orders, alerts) = if expo {
            (store.expo_orders(&tickets, &recent)?, store.alerts()?)
        } else {
            (Vec::new(), Vec::new())
        };
        let scheduled = store.scheduled()?;
        let pending = store.pending_count()?;
        let rejections = store
            .rejections(5)?
            .into_iter()
            .map(|(ticket_id, reason)| Rejection { ticket_id, reason })
            .collect();
        Ok((
            Board {
                channels,
                expo,
                tickets,
                recent,
                orders,
                scheduled,
                alerts,
            },
            pending,
            rejections,
        ))
    }
}
