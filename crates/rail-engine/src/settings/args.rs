//! The command-line flags (and environment variables) every screen binary takes — the
//! app and `rail-headless` alike — laid over `screen.toml`. Each binary flattens these
//! into its own parser and adds what is only its own (kiosk, demo, JSON output…).

use std::path::PathBuf;

use super::{Overrides, ScreenFile, SettingsError};

/// Where the hub is, who this screen is, what it follows, where it keeps its cache.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ScreenArgs {
    /// Screen configuration file [default: <config dir>/rail/screen.toml].
    #[arg(long, env = "RAIL_CONFIG")]
    pub config: Option<PathBuf>,
    /// The hub's base URL (overrides the file); for a kitchen served by several hubs,
    /// their URLs with commas between, tried in turn when one is gone.
    #[arg(long, env = "RAIL_HUB_URL")]
    pub hub: Option<String>,
    /// This screen's device token (`rail-hub token --role kds --station grill`).
    #[arg(long, env = "RAIL_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Station to follow (repeat, or comma-separate in RAIL_STATIONS; overrides the file).
    #[arg(long = "station", env = "RAIL_STATIONS", value_delimiter = ',')]
    pub stations: Vec<String>,
    /// Other channels to follow, e.g. `order:<id>`.
    #[arg(long = "channel")]
    pub channels: Vec<String>,
    /// Follow every station of the token's location (expo).
    #[arg(long)]
    pub expo: bool,
    /// The local cache file (overrides the file).
    #[arg(long, env = "RAIL_DB")]
    pub db: Option<PathBuf>,
    /// The hub's CA certificate (PEM) for an `https://` hub with its own CA, when the
    /// screen is configured with a token rather than paired (overrides the file).
    #[arg(long, env = "RAIL_HUB_CA")]
    pub hub_ca: Option<PathBuf>,
    /// Where to listen for hubs' mDNS announcements when pairing: all, loopback or off.
    #[arg(long, env = "RAIL_MDNS", default_value = "all")]
    pub mdns: rail_protocol::discovery::MdnsScope,
    /// Where a paired screen keeps its credentials [default: <config dir>/rail/device.json].
    /// Used when no token is given.
    #[arg(long, env = "RAIL_DEVICE_FILE")]
    pub device_file: Option<PathBuf>,
}

impl ScreenArgs {
    /// The configuration file: `--config` (must exist) or the default path (optional).
    ///
    /// # Errors
    /// When the file is missing (if named), unreadable or invalid.
    pub fn file(&self) -> Result<ScreenFile, SettingsError> {
        match (&self.config, ScreenFile::default_path()) {
            (Some(path), _) => ScreenFile::load(path, true),
            (None, Some(path)) => ScreenFile::load(&path, false),
            (None, None) => Ok(ScreenFile::default()),
        }
    }

    /// What the flags say, to lay over the file; `sound: Some(false)` silences it.
    pub fn overrides(&self, sound: Option<bool>) -> Overrides {
        Overrides {
            hub_url: self.hub.clone(),
            token: self.token.clone(),
            stations: self.stations.clone(),
            channels: self.channels.clone(),
            expo: self.expo,
            db: self.db.clone(),
            device_file: self.device_file.clone(),
            hub_ca: self.hub_ca.clone(),
            sound,
        }
    }
}
