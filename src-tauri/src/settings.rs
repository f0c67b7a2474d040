//! How this screen was started: command-line flags, with environment fallbacks, so a
//! kiosk session file, a systemd unit or a WebDriver test can all configure it.

use std::path::PathBuf;

use clap::Parser;

/// Rail's kitchen screen.
#[derive(Debug, Clone, Parser)]
#[command(name = "rail", version, about)]
pub struct Settings {
    /// The hub's base URL. Without it, Rail runs its own demo hub and simulated POS.
    #[arg(long, env = "RAIL_HUB_URL")]
    pub hub: Option<String>,
    /// This screen's device token (`rail-hub token --role kds --station grill`).
    #[arg(long, env = "RAIL_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Station to show (repeat, or comma-separate in RAIL_STATIONS).
    #[arg(long = "station", env = "RAIL_STATIONS", value_delimiter = ',')]
    pub stations: Vec<String>,
    /// Other channels, e.g. `location:<id>` for an expo screen.
    #[arg(long = "channel")]
    pub channels: Vec<String>,
    /// The local cache file (default: in the app's data directory).
    #[arg(long, env = "RAIL_DB")]
    pub db: Option<PathBuf>,
    /// Run the embedded demo hub with a simulated POS (the default without --hub).
    #[arg(long, env = "RAIL_DEMO")]
    pub demo: bool,
    /// Milliseconds between simulated orders in demo mode.
    #[arg(long, default_value_t = 4000)]
    pub demo_every_ms: u64,
    /// Full screen, no window chrome.
    #[arg(long, env = "RAIL_KIOSK")]
    pub kiosk: bool,
    /// No sound cues.
    #[arg(long, env = "RAIL_NO_SOUND")]
    pub no_sound: bool,
}

impl Settings {
    /// Parses the process arguments. Unknown flags are an error printed to stderr, and
    /// the process exits, before any window opens.
    pub fn from_args() -> Self {
        Settings::parse()
    }

    /// True when Rail should run its own hub.
    pub fn is_demo(&self) -> bool {
        self.demo || self.hub.is_none()
    }

    /// The channels to follow, from stations and explicit channels.
    pub fn channel_names(&self) -> Vec<String> {
        let mut channels: Vec<String> = self
            .stations
            .iter()
            .map(|s| format!("kds:{}", s.trim()))
            .collect();
        channels.extend(self.channels.iter().cloned());
        channels
    }
}
