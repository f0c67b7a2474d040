//! The engine handle: starts the sync and outbox tasks around one local store and
//! publishes a fresh [`ScreenState`] after every visible change.
//!
//! The store sits behind a `std::sync::Mutex`: every use is a short SQLite call and
//! never spans an `.await`, so a blocking mutex is simpler and cheaper than tokio's.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use crate::config::EngineConfig;
use crate::sound::SoundPlayer;
use crate::store::{Action, Store, StoreError};
use crate::view::{Connection, LinkState, Rejection, ScreenState};

/// Errors the engine reports to its embedder.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    #[error("local cache: {0}")]
    Store(#[from] StoreError),
    #[error("no ticket {0:?} on this screen")]
    UnknownTicket(String),
    #[error("ticket {0:?} has no item {1:?}")]
    UnknownItem(String, String),
}

/// The idempotency key an action was recorded under: the hub stores it with the
/// change, so it names the action in the hub's records too.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ActionKey(pub String);

impl std::fmt::Display for ActionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Local wall-clock time in ms since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// State shared by the engine's tasks.
pub(crate) struct Shared {
    pub config: EngineConfig,
    /// The channels followed: the configured ones, plus `location:<id>` for expo once
    /// the hub has said which location the token is in.
    channels: Mutex<Vec<String>>,
    store: Mutex<Store>,
    link: Mutex<Connection>,
    last_sync_ms: AtomicI64,
    pub clock_offset_ms: AtomicI64,
    state: watch::Sender<ScreenState>,
    /// Wakes the outbox: a new action, or the link came back.
    pub outbox_wake: Notify,
    pub sound: SoundPlayer,
    /// Reachability probes sent while the hub was down.
    pub probes: AtomicU64,
}

impl Shared {
    pub fn store(&self) -> MutexGuard<'_, Store> {
        // SQLite rolls back an unfinished transaction on drop, so the data behind a
        // poisoned lock is consistent and safe to keep using.
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn set_link(&self, state: LinkState, detail: Option<String>) {
        {
            let mut link = self.link.lock().unwrap_or_else(|p| p.into_inner());
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
            *link = Connection {
                state,
                since_ms,
                detail,
            };
        }
        self.refresh();
    }

    pub fn channels(&self) -> Vec<String> {
        self.channels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Learns the location (from `ready`) and returns the channels to subscribe to.
    pub fn channels_for(&self, location_id: &str) -> Vec<String> {
        let mut channels = self.config.channels.clone();
        if self.config.expo {
            channels.push(format!("location:{location_id}"));
        }
        *self.channels.lock().unwrap_or_else(|p| p.into_inner()) = channels.clone();
        channels
    }

    pub fn link_state(&self) -> LinkState {
        self.link.lock().unwrap_or_else(|p| p.into_inner()).state
    }

    pub fn heard_from_hub(&self, server_time_ms: Option<i64>) {
        let now = now_ms();
        self.last_sync_ms.store(now, Ordering::Relaxed);
        if let Some(server) = server_time_ms {
            self.clock_offset_ms.store(server - now, Ordering::Relaxed);
        }
    }

    /// Rebuilds the screen state from the store and publishes it if it changed.
    pub fn refresh(&self) {
        match self.snapshot_state() {
            Ok(state) => {
                self.state.send_if_modified(|current| {
                    if *current == state {
                        false
                    } else {
                        *current = state;
                        true
                    }
                });
            }
            Err(error) => tracing::error!(%error, "could not read the local cache"),
        }
    }

    fn snapshot_state(&self) -> Result<ScreenState, StoreError> {
        let store = self.store();
        let (tickets, recent) = store.view()?;
        let pending_actions = store.pending_count()?;
        let orders =
            if self.config.expo || self.channels().iter().any(|c| c.starts_with("location:")) {
                store.expo_orders(&tickets, &recent)?
            } else {
                Vec::new()
            };
        let rejections = store
            .rejections(5)?
            .into_iter()
            .map(|(ticket_id, reason)| Rejection { ticket_id, reason })
            .collect();
        drop(store);
        let last_sync = self.last_sync_ms.load(Ordering::Relaxed);
        Ok(ScreenState {
            channels: self.channels(),
            tickets,
            recent,
            connection: self.link.lock().unwrap_or_else(|p| p.into_inner()).clone(),
            pending_actions,
            rejections,
            orders,
            clock_offset_ms: self.clock_offset_ms.load(Ordering::Relaxed),
            last_sync_ms: (last_sync > 0).then_some(last_sync),
        })
    }
}

/// A running engine. Clone it freely; [`Engine::shutdown`] stops it.
#[derive(Clone)]
pub struct Engine {
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Engine {
    /// Opens the cache and starts syncing. The cached tickets are in the state at
    /// once, before the hub answers. Must be called inside a tokio runtime.
    ///
    /// # Errors
    /// When the cache cannot be opened.
    pub fn start(config: EngineConfig) -> Result<Self, EngineError> {
        let store = Store::open(&config.db_path)?;
        let sound = SoundPlayer::start(config.sound.clone());
        let initial = ScreenState {
            channels: config.channels.clone(),
            tickets: Vec::new(),
            recent: Vec::new(),
            connection: Connection {
                state: LinkState::Connecting,
                since_ms: now_ms(),
                detail: None,
            },
            pending_actions: 0,
            rejections: Vec::new(),
            orders: Vec::new(),
            clock_offset_ms: 0,
            last_sync_ms: None,
        };
        let (state, _) = watch::channel(initial.clone());
        let shared = Arc::new(Shared {
            channels: Mutex::new(config.channels.clone()),
            config,
            store: Mutex::new(store),
            link: Mutex::new(initial.connection),
            last_sync_ms: AtomicI64::new(0),
            clock_offset_ms: AtomicI64::new(0),
            state,
            outbox_wake: Notify::new(),
            sound,
            probes: AtomicU64::new(0),
        });
        shared.refresh();
        let (stop, stopped) = watch::channel(false);
        let tasks = vec![
            tokio::spawn(crate::sync::run(shared.clone(), stopped.clone())),
            tokio::spawn(crate::outbox::run(shared.clone(), stopped)),
        ];
        Ok(Engine {
            shared,
            stop,
            tasks: Arc::new(Mutex::new(tasks)),
        })
    }

    /// The current screen state.
    pub fn state(&self) -> ScreenState {
        self.shared.state.borrow().clone()
    }

    /// A receiver that sees every new screen state.
    pub fn watch(&self) -> watch::Receiver<ScreenState> {
        self.shared.state.subscribe()
    }

    /// Bumps a ticket: the screen shows it at once; the outbox delivers it. Returns the
    /// action's idempotency key once the action is durably in the outbox.
    ///
    /// # Errors
    /// When the ticket is unknown or the cache fails.
    pub fn bump(&self, ticket_id: &str) -> Result<ActionKey, EngineError> {
        self.act(ticket_id, Action::Bump)
    }

    /// Brings a bumped ticket back.
    ///
    /// # Errors
    /// When the ticket is unknown or the cache fails.
    pub fn recall(&self, ticket_id: &str) -> Result<ActionKey, EngineError> {
        self.act(ticket_id, Action::Recall)
    }

    /// Bumps one item of a ticket; the last pending item takes the ticket off too.
    ///
    /// # Errors
    /// When the ticket or item is unknown, or the cache fails.
    pub fn bump_item(&self, ticket_id: &str, item_id: &str) -> Result<ActionKey, EngineError> {
        self.act_on(ticket_id, Action::BumpItem, Some(item_id))
    }

    /// Expo: the order leaves the pass (status `served` at the hub).
    ///
    /// # Errors
    /// When the cache fails.
    pub fn serve(&self, order_id: &str) -> Result<ActionKey, EngineError> {
        let key = self
            .shared
            .store()
            .enqueue(order_id, Action::Serve, None, now_ms())?;
        self.shared.refresh();
        self.shared.outbox_wake.notify_one();
        Ok(ActionKey(key))
    }

    fn act(&self, ticket_id: &str, action: Action) -> Result<ActionKey, EngineError> {
        self.act_on(ticket_id, action, None)
    }

    fn act_on(
        &self,
        ticket_id: &str,
        action: Action,
        item_id: Option<&str>,
    ) -> Result<ActionKey, EngineError> {
        let key = {
            let mut store = self.shared.store();
            let ticket = store
                .ticket(ticket_id)?
                .ok_or_else(|| EngineError::UnknownTicket(ticket_id.to_owned()))?;
            if let Some(item_id) = item_id {
                if !ticket.items.iter().any(|i| i.id == item_id) {
                    return Err(EngineError::UnknownItem(
                        ticket_id.to_owned(),
                        item_id.to_owned(),
                    ));
                }
            }
            store.enqueue(ticket_id, action, item_id, now_ms())?
        };
        self.shared.refresh();
        self.shared.outbox_wake.notify_one();
        Ok(ActionKey(key))
    }

    /// Cues played so far (for diagnostics and tests).
    pub fn cues_played(&self) -> u64 {
        self.shared.sound.played()
    }

    /// Reachability probes sent so far while the hub was unreachable.
    pub fn probes_sent(&self) -> u64 {
        self.shared.probes.load(Ordering::Relaxed)
    }

    /// Stops syncing and delivering; what is queued stays in the cache for next time.
    pub async fn shutdown(&self) {
        let _ = self.stop.send(true);
        let tasks: Vec<JoinHandle<()>> =
            std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|p| p.into_inner()));
        for task in tasks {
            let _ = task.await;
        }
    }
}
