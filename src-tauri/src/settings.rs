//! How this screen was started: command-line flags, with environment fallbacks, so a
//! kiosk session file, a systemd unit or a WebDriver test can all configure it.

use std::path::PathBuf;

use clap::Parser;
use rail_engine::settings::{Overrides, ScreenFile};

/// Rail's kitchen screen.
#[derive(Debug, Clone, Parser)]
#[command(name = "rail", version, about)]
pub struct Settings {
    /// Screen configuration file [default: <config dir>/rail/screen.toml].
    #[arg(long, env = "RAIL_CONFIG")]
    pub config: Option<PathBuf>,
    /// The hub's base URL. With none here or in the file, Rail runs its own demo hub
    /// and simulated POS.
    #[arg(long, env = "RAIL_HUB_URL")]
    pub hub: Option<String>,
    /// This screen's device token (`rail-hub token --role kds --station grill`).
    #[arg(long, env = "RAIL_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Station to show (repeat, or comma-separate in RAIL_STATIONS).
    #[arg(long = "station", env = "RAIL_STATIONS", value_delimiter = ',')]
    pub stations: Vec<String>,
    /// Other channels, e.g. `order:<id>`.
    #[arg(long = "channel")]
    pub channels: Vec<String>,
    /// Follow every station of the token's location (expo).
    #[arg(long)]
    pub expo: bool,
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

    /// The configuration file: `--config` (must exist) or the default path (optional).
    ///
    /// # Errors
    /// When the file is missing (if named), unreadable or invalid.
    pub fn file(&self) -> Result<ScreenFile, rail_engine::settings::SettingsError> {
        match (&self.config, ScreenFile::default_path()) {
            (Some(path), _) => ScreenFile::load(path, true),
            (None, Some(path)) => ScreenFile::load(&path, false),
            (None, None) => Ok(ScreenFile::default()),
        }
    }

    /// True when Rail should run its own hub: asked for, or no hub configured anywhere.
    pub fn is_demo(&self, file: &ScreenFile) -> bool {
        self.demo || (self.hub.is_none() && file.hub_url.is_none())
    }

    /// What the flags say, to lay over the file.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            hub_url: self.hub.clone(),
            token: self.token.clone(),
            stations: self.stations.clone(),
            channels: self.channels.clone(),
            expo: self.expo,
            db: self.db.clone(),
            sound: self.no_sound.then_some(false),
        }
    }
}
