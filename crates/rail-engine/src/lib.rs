//! rail-engine: everything a kitchen screen does except drawing.
//!
//! - [`access`]: the screen's credential and the bearer token it gives each call;
//!   [`pairing`]: getting a credential by code; [`discovery`]: finding hubs by mDNS;
//! - [`tls`]: whom the screen trusts to be its hub;
//! - [`sync`]: the reconnecting WebSocket subscription and resume logic;
//! - [`reachability`]: the cheap probe that ends a backoff once the hub is back;
//! - [`store`]: the SQLite cache (tickets, cursors, outbox);
//! - [`outbox`]: exactly-once delivery of bumps and recalls;
//! - [`sound`]: cues on their own thread; [`keys`]: the bump-bar actions and their keys;
//! - [`view`]: the [`ScreenState`] the UI draws;
//! - [`engine`]: the handle that ties them together, over the shared state whose every
//!   change is one step (`shared`).
//!
//! No Tauri in here: the app, the headless binary and the tests all drive this crate.

pub mod access;
mod applied;
mod approve;
pub mod config;
pub mod discovery;
pub mod engine;
pub mod keys;
mod outbox;
pub mod pairing;
mod reachability;
pub mod settings;
mod shared;
pub mod sound;
pub mod store;
mod sync;
pub mod tls;
mod today;
pub mod view;

pub use access::{Credential, PairedDevice};
pub use config::{Backoff, EngineConfig, SoundConfig};
pub use engine::{ActionKey, Engine, EngineError, StateWatch};
pub use view::{Board, BoardPatch, Connection, LinkState, Rejection, ScreenState, Status};
