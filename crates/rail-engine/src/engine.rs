//! The engine handle: starts the sync and outbox tasks around one local store, takes
//! the cook's actions, and lets the embedder watch the [`Board`] and the [`Status`].

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::EngineConfig;
use crate::shared::Shared;
use crate::sound::SoundPlayer;
use crate::store::{Action, Store, StoreError};
use crate::view::{Board, ScreenState, Status};

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

/// A running engine. Clone it freely; [`Engine::shutdown`] stops it.
#[derive(Clone)]
pub struct Engine {
    pub(crate) shared: Arc<Shared>,
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
        let shared = Arc::new(Shared::new(config, store, sound));
        let (stop, stopped) = watch::channel(false);
        let tasks = vec![
            tokio::spawn(crate::sync::run(shared.clone(), stopped.clone())),
            tokio::spawn(crate::outbox::run(shared.clone(), stopped.clone())),
            tokio::spawn(crate::today::run(shared.clone(), stopped)),
        ];
        Ok(Engine {
            shared,
            stop,
            tasks: Arc::new(Mutex::new(tasks)),
        })
    }

    /// The current screen state (board and status).
    pub fn state(&self) -> ScreenState {
        ScreenState {
            board: self.shared.watch_board().borrow().clone(),
            status: self.shared.watch_status().borrow().clone(),
        }
    }

    /// Sees every new board: the tickets, the recall list, the orders at the pass.
    pub fn watch_board(&self) -> watch::Receiver<Arc<Board>> {
        self.shared.watch_board()
    }

    /// Sees every new status: the link, pending actions, the hub's clock.
    pub fn watch_status(&self) -> watch::Receiver<Status> {
        self.shared.watch_status()
    }

    /// Sees every change of either, as whole screen states.
    pub fn watch(&self) -> StateWatch {
        StateWatch {
            board: self.watch_board(),
            status: self.watch_status(),
        }
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
        self.shared
            .enqueue(ticket_id, Action::BumpItem, Some(item_id))
    }

    /// Takes back an item bump: the item is to cook again (and its ticket back on the
    /// rail if the bump had closed it).
    ///
    /// # Errors
    /// When the ticket or item is unknown, or the cache fails.
    pub fn recall_item(&self, ticket_id: &str, item_id: &str) -> Result<ActionKey, EngineError> {
        self.shared
            .enqueue(ticket_id, Action::RecallItem, Some(item_id))
    }

    /// Confirms the POS's changes to a ticket, for every screen of the station.
    ///
    /// # Errors
    /// When the ticket is unknown or the cache fails.
    pub fn acknowledge_changes(&self, ticket_id: &str) -> Result<ActionKey, EngineError> {
        self.act(ticket_id, Action::Acknowledge)
    }

    /// Expo: the order leaves the pass (status `served` at the hub).
    ///
    /// # Errors
    /// When the cache fails.
    pub fn serve(&self, order_id: &str) -> Result<ActionKey, EngineError> {
        self.shared.enqueue(order_id, Action::Serve, None)
    }

    /// Expo: takes a serve back (undo); the order is at the pass again.
    ///
    /// # Errors
    /// When the cache fails.
    pub fn unserve(&self, order_id: &str) -> Result<ActionKey, EngineError> {
        self.shared.enqueue(order_id, Action::Unserve, None)
    }

    /// Expo: marks an order rush, or not.
    ///
    /// # Errors
    /// When the cache fails.
    pub fn set_rush(&self, order_id: &str, rush: bool) -> Result<ActionKey, EngineError> {
        let flag = if rush { "on" } else { "off" };
        self.shared.enqueue(order_id, Action::Rush, Some(flag))
    }

    /// Expo: fires a course the POS held.
    ///
    /// # Errors
    /// When the cache fails.
    pub fn fire_course(&self, order_id: &str, course: u32) -> Result<ActionKey, EngineError> {
        self.shared
            .enqueue(order_id, Action::Fire, Some(&course.to_string()))
    }

    fn act(&self, ticket_id: &str, action: Action) -> Result<ActionKey, EngineError> {
        self.shared.enqueue(ticket_id, action, None)
    }

    /// Cues played so far (for diagnostics and tests).
    pub fn cues_played(&self) -> u64 {
        self.shared.sound.played()
    }

    /// Reachability probes sent so far while the hub was unreachable.
    pub fn probes_sent(&self) -> u64 {
        self.shared.probes.load(Ordering::Relaxed)
    }

    /// Times the tickets were read from the cache to publish a board (a heartbeat
    /// must never cause one).
    pub fn board_reads(&self) -> u64 {
        self.shared.board_reads()
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

/// Both of an engine's streams, seen as whole screen states.
pub struct StateWatch {
    board: watch::Receiver<Arc<Board>>,
    status: watch::Receiver<Status>,
}

impl StateWatch {
    /// The current state; both streams count as seen.
    pub fn current(&mut self) -> ScreenState {
        ScreenState {
            board: self.board.borrow_and_update().clone(),
            status: self.status.borrow_and_update().clone(),
        }
    }

    /// Waits for the board or the status to change.
    ///
    /// # Errors
    /// When the engine is gone.
    pub async fn changed(&mut self) -> Result<(), watch::error::RecvError> {
        tokio::select! {
            changed = self.board.changed() => changed,
            changed = self.status.changed() => changed,
        }
    }
}
