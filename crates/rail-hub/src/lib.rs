//! rail-hub: the realtime server the POS posts orders to and every kitchen screen
//! subscribes to.
//!
//! Layers, one module each (after mini-redis): [`store`] (SQLite: orders, tickets,
//! event log), [`fanout`] (live subscribers), [`replay`] (snapshot / resume / reset),
//! [`hub`] (the shared state tying them together), [`auth`] and [`access`] (tokens and
//! the role × channel matrix), [`connection`] (one WebSocket),
//! [`api`] (the route table and REST handlers), [`server`] (`run(listener, hub,
//! shutdown)`). [`printer`] serves printer ports, turning printed kitchen chits into
//! orders. [`demo`] is a simulated POS.

pub mod access;
pub mod admin;
pub mod api;
pub mod auth;
pub mod clock;
pub mod cluster;
pub mod config;
pub mod connection;
pub mod delivery;
pub mod demo;
pub mod devices;
pub mod discovery;
pub mod escalation;
pub mod fanout;
pub mod group_commit;
pub mod guest;
pub mod hub;
pub mod kitchen_setup;
pub mod metrics;
pub mod openapi;
pub mod outlet;
pub mod pages;
pub mod platform;
pub mod printer;
pub mod profiles;
pub mod recorder;
pub mod replay;
pub mod report;
pub mod routing;
pub mod schedule;
pub mod server;
pub mod socketio;
pub mod store;
pub mod testing;
pub mod tls;
pub mod trust;

pub use config::HubConfig;
pub use hub::{Hub, HubError};
pub use server::run;
