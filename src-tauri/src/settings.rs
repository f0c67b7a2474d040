//! How this screen was started: command-line flags, with environment fallbacks, so a
//! kiosk session file, a systemd unit or a WebDriver test can all configure it.

use clap::Parser;
use rail_engine::settings::{Overrides, ScreenArgs, ScreenFile};

/// Rail's kitchen screen.
#[derive(Debug, Clone, Parser)]
#[command(name = "rail", version, about)]
pub struct Settings {
    #[command(flatten)]
    pub screen: ScreenArgs,
    /// Run the embedded demo hub with a simulated POS. Without it, a screen with no token
    /// and no pairing shows the pairing screen.
    #[arg(long, env = "RAIL_DEMO", value_parser = clap::builder::BoolishValueParser::new())]
    pub demo: bool,
    /// Milliseconds between simulated orders in demo mode.
    #[arg(long, default_value_t = 4000)]
    pub demo_every_ms: u64,
    /// Full screen, no window chrome.
    #[arg(long, env = "RAIL_KIOSK", value_parser = clap::builder::BoolishValueParser::new())]
    pub kiosk: bool,
    /// No sound cues.
    #[arg(long, env = "RAIL_NO_SOUND", value_parser = clap::builder::BoolishValueParser::new())]
    pub no_sound: bool,
    /// Let WebKit composite with the GPU. Off by default: with software rendering it
    /// costs CPU and memory and draws no faster.
    #[arg(long, env = "RAIL_GPU_COMPOSITING", value_parser = clap::builder::BoolishValueParser::new())]
    pub gpu_compositing: bool,
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
        self.screen.file()
    }

    /// What the flags say, to lay over the file.
    pub fn overrides(&self) -> Overrides {
        self.screen.overrides(self.no_sound.then_some(false))
    }
}
