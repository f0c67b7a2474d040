//! Fuzz harnesses: what each fuzz target does with its bytes.
//!
//! The targets in `fuzz/fuzz_targets/` (cargo-fuzz, libFuzzer) are one line each and call
//! these functions; `tests/regressions.rs` replays every saved input through the same
//! functions in the normal test suite, so a crash once found stays fixed. A harness
//! panics when the code under test breaks a promise, not only when it crashes:
//!
//! - [`hub_rest`]: request sequences through the hub's real router: no 5xx, every error
//!   is problem JSON, a refused request publishes nothing;
//! - [`hub_socket`]: client frames to the hub's connection logic: every reply is a
//!   valid server message, nothing panics;
//! - [`screen_wire`]: hub frames to the screen's cache: the cursor moves only as the
//!   protocol says and the cache always reads back;
//! - [`printer_chit`]: bytes to a printer port: chits independent of how reads split
//!   the stream, no control characters in text, every chit accepted by a hub.

pub mod hub_rest;
pub mod hub_socket;
pub mod printer_chit;
pub mod screen_wire;

use std::sync::Arc;

use rail_hub::auth::{claims, Role};
use rail_hub::store::Store;
use rail_hub::{Hub, HubConfig};

/// A fresh hub on an in-memory database (each input starts from the same state, so a
/// crash replays).
///
/// # Panics
/// When the in-memory database cannot be created (not an input's fault).
pub fn fresh_hub() -> Arc<Hub> {
    let store = Store::open_in_memory().expect("in-memory store");
    Hub::with_store(store, HubConfig::default(), Some("fuzz-secret".into())).expect("hub")
}

/// Claims of a device of `role` at the fuzz location, allowed on `stations`.
pub fn device(role: Role, stations: &[&str]) -> rail_hub::auth::Claims {
    let stations: Vec<String> = stations.iter().map(|s| (*s).to_owned()).collect();
    claims("fuzz", role, &stations, "fuzz-device", 600)
}

/// Splits an input into its parts at lines holding only `---` (how the seed and
/// regression files write sequences).
pub fn parts(data: &[u8]) -> Vec<&str> {
    let Ok(text) = std::str::from_utf8(data) else {
        return Vec::new();
    };
    text.split("\n---\n").collect()
}
