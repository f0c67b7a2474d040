//! The screen's configuration file: `<config dir>/rail/screen.toml` (on Linux
//! `~/.config/rail/screen.toml`), overridden by environment variables and flags.
//!
//! It holds what an installer sets once: the hub, the token, the stations (or expo),
//! timer colours, sound, the bump-bar key map, and the settings PIN — stored only as an
//! Argon2 hash, so reading the file does not reveal it.
//!
//! One job a file: the file's format and checks (here), resolving file + flags into
//! an engine configuration and what the UI draws (`resolve`), saving the settings
//! screen's changes (`save`), the PIN (`pin`) and the command-line flags the app and
//! `rail-headless` share (`args`).

mod args;
mod pin;
mod resolve;
mod save;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use argon2::password_hash::phc::PasswordHash;
use serde::Deserialize;

pub use args::ScreenArgs;
pub use pin::{hash_pin, verify_pin};
pub use resolve::{device_file_default, Overrides, SettingsForm, UiSettings};
pub use save::save_settings;

pub use crate::keys::{KeyAction, DEFAULT_KEYMAP};
pub use rail_protocol::profile::{LANGUAGES, THEMES};
pub use rail_protocol::Thresholds;

/// `[sound]`
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SoundSection {
    pub enabled: Option<bool>,
    pub volume: Option<f32>,
    /// Cues not to play: `new-ticket`, `rush`, `modified`, `voided`, `link-lost`,
    /// `link-restored`.
    #[serde(default)]
    pub muted_cues: Vec<String>,
}

/// `screen.toml`. Every key is optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreenFile {
    pub hub_url: Option<String>,
    pub token: Option<String>,
    /// The hub's CA certificate (PEM file) for an `https://` hub with its own CA; a
    /// paired screen has it from pairing instead.
    pub hub_ca_file: Option<PathBuf>,
    #[serde(default)]
    pub stations: Vec<String>,
    /// Follow every station of the token's location (an expo screen).
    #[serde(default)]
    pub expo: bool,
    pub db: Option<PathBuf>,
    pub timers: Option<Thresholds>,
    /// `[timers_by_order_type.drive-thru]`: timer colours for an order type instead
    /// of `[timers]`.
    #[serde(default)]
    pub timers_by_order_type: BTreeMap<rail_protocol::OrderType, Thresholds>,
    /// `[timers_by_station.salad]`: timer colours for a station instead of `[timers]`;
    /// with both, the stricter of each threshold wins.
    #[serde(default)]
    pub timers_by_station: BTreeMap<String, Thresholds>,
    #[serde(default)]
    pub sound: SoundSection,
    /// Action → key; actions not listed keep their default key.
    #[serde(default)]
    pub keymap: BTreeMap<String, String>,
    /// Argon2 PHC string of the settings PIN (`rail-headless --hash-pin`).
    pub settings_pin_hash: Option<String>,
    /// `en` or `es`.
    pub language: Option<String>,
    /// `dark` or `high-contrast`.
    pub theme: Option<String>,
    /// Text size relative to the default, 0.8 to 1.6.
    pub font_scale: Option<f64>,
    /// A tap selects a ticket (or item) and a second tap on it bumps, so a brush of
    /// the screen never bumps; off, one tap bumps.
    pub select_before_bump: Option<bool>,
}

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a valid screen configuration: {source}")]
    Parse {
        path: String,
        source: Box<toml::de::Error>,
    },
    #[error("{0}")]
    Invalid(String),
    /// No token anywhere and no paired device's credentials at `device_file`.
    #[error(
        "this screen is not paired and has no token: pair it (the app's pairing screen, or \
         rail-headless --pair), or set token in screen.toml or RAIL_TOKEN"
    )]
    NotPaired { device_file: Option<PathBuf> },
}

impl ScreenFile {
    /// `<config dir>/rail/screen.toml`, if the platform has a config directory.
    pub fn default_path() -> Option<PathBuf> {
        dirs::config_dir().map(|dir| dir.join("rail").join("screen.toml"))
    }

    /// Reads `path`; a missing file at the default path is an empty configuration.
    ///
    /// # Errors
    /// When the file exists but cannot be read, parsed or validated.
    pub fn load(path: &Path, required: bool) -> Result<Self, SettingsError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if !required && error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Self::default())
            }
            Err(source) => {
                return Err(SettingsError::Read {
                    path: path.display().to_string(),
                    source,
                })
            }
        };
        let file: ScreenFile = toml::from_str(&text).map_err(|source| SettingsError::Parse {
            path: path.display().to_string(),
            source: Box::new(source),
        })?;
        file.validate()?;
        Ok(file)
    }

    fn validate(&self) -> Result<(), SettingsError> {
        if let Some(problem) = self.timers.and_then(|t| t.problem()) {
            return Err(SettingsError::Invalid(problem));
        }
        for (order_type, timers) in &self.timers_by_order_type {
            if let Some(problem) = timers.problem() {
                return Err(SettingsError::Invalid(format!(
                    "timers_by_order_type.{}: {problem}",
                    order_type.as_str()
                )));
            }
        }
        for (station, timers) in &self.timers_by_station {
            if let Some(problem) = timers.problem() {
                return Err(SettingsError::Invalid(format!(
                    "timers_by_station.{station}: {problem}"
                )));
            }
        }
        for cue in &self.sound.muted_cues {
            if crate::sound::Cue::parse(cue).is_none() {
                let names: Vec<&str> = crate::sound::Cue::ALL.iter().map(|c| c.name()).collect();
                return Err(SettingsError::Invalid(format!(
                    "sound.muted_cues: unknown cue {cue:?}; cues are {}",
                    names.join(", ")
                )));
            }
        }
        if let Some(volume) = self.sound.volume {
            if !(0.0..=1.0).contains(&volume) {
                return Err(SettingsError::Invalid(format!(
                    "sound.volume {volume} is not between 0 and 1"
                )));
            }
        }
        for action in self.keymap.keys() {
            if KeyAction::parse(action).is_none() {
                let known: Vec<String> = DEFAULT_KEYMAP.iter().map(|(a, _)| a.name()).collect();
                return Err(SettingsError::Invalid(format!(
                    "keymap: unknown action {action:?}; actions are {}",
                    known.join(", ")
                )));
            }
        }
        self.keymap()?;
        if let Some(language) = &self.language {
            if !LANGUAGES.contains(&language.as_str()) {
                return Err(SettingsError::Invalid(format!(
                    "language {language:?}: use one of {}",
                    LANGUAGES.join(", ")
                )));
            }
        }
        if let Some(theme) = &self.theme {
            if !THEMES.contains(&theme.as_str()) {
                return Err(SettingsError::Invalid(format!(
                    "theme {theme:?}: use one of {}",
                    THEMES.join(", ")
                )));
            }
        }
        if let Some(scale) = self.font_scale {
            if !rail_protocol::profile::FONT_SCALE_RANGE.contains(&scale) {
                return Err(SettingsError::Invalid(format!(
                    "font_scale {scale} is not between 0.8 and 1.6"
                )));
            }
        }
        if let Some(hash) = &self.settings_pin_hash {
            PasswordHash::new(hash).map_err(|e| {
                SettingsError::Invalid(format!("settings_pin_hash is not an Argon2 hash: {e}"))
            })?;
        }
        Ok(())
    }

    /// The full key map: defaults with the file's entries laid over them. One key
    /// cannot do two things.
    ///
    /// # Errors
    /// When two actions share a key.
    pub fn keymap(&self) -> Result<BTreeMap<String, String>, SettingsError> {
        let mut map: BTreeMap<String, String> = DEFAULT_KEYMAP
            .iter()
            .map(|(a, k)| (a.name(), (*k).to_owned()))
            .collect();
        map.extend(self.keymap.clone());
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for (action, key) in &map {
            if let Some(other) = seen.insert(key.as_str(), action.as_str()) {
                return Err(SettingsError::Invalid(format!(
                    "keymap: key {key:?} is mapped to both {other} and {action}"
                )));
            }
        }
        Ok(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_sample_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packaging/screen.toml");
        let file = ScreenFile::load(&path, true).expect("packaging/screen.toml");
        assert_eq!(file.stations, vec!["grill".to_owned()]);
        assert_eq!(file.keymap().expect("keymap")["bump"], "Enter");
        assert!(verify_pin(
            file.settings_pin_hash.as_deref().expect("hash"),
            "2468"
        ));
    }

    #[test]
    fn a_missing_default_file_is_empty_but_a_named_one_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("screen.toml");
        assert_eq!(
            ScreenFile::load(&path, false).expect("optional"),
            ScreenFile::default()
        );
        assert!(matches!(
            ScreenFile::load(&path, true),
            Err(SettingsError::Read { .. })
        ));
    }

    #[test]
    fn mistakes_are_named() {
        let cases = [
            ("colour = 1", "colour"),
            (
                "[timers]\nwarn_after_min = 9\nlate_after_min = 3",
                "timers:",
            ),
            ("[sound]\nvolume = 3.0", "volume"),
            ("[keymap]\nexplode = \"x\"", "explode"),
            ("[keymap]\nbump = \"r\"", "both"),
            ("settings_pin_hash = \"1234\"", "Argon2"),
            ("[sound]\nmuted_cues = [\"boom\"]", "boom"),
            (
                "[timers_by_order_type.drive-thru]\nwarn_after_min = 4\nlate_after_min = 2",
                "timers_by_order_type.drive-thru",
            ),
            (
                "[timers_by_order_type.boat]\nwarn_after_min = 1\nlate_after_min = 2",
                "boat",
            ),
            (
                "[timers_by_station.salad]\nwarn_after_min = 0\nlate_after_min = 2",
                "timers_by_station.salad",
            ),
        ];
        for (text, expected) in cases {
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join("screen.toml");
            std::fs::write(&path, text).expect("write");
            let error = ScreenFile::load(&path, true).expect_err(text).to_string();
            assert!(error.contains(expected), "{text:?} → {error}");
        }
    }

    #[test]
    fn the_settings_form_from_the_ui_is_understood() {
        let json = r#"{"hubUrl":"http://h:7070","stations":["grill"],"expo":false,"thresholds":{"warnAfterMin":2,"lateAfterMin":4},"soundEnabled":true,"volume":0.5,"mutedCues":["modified"],"keymap":{"bump":"Enter"},"language":"es","theme":"dark","fontScale":1.2,"timersByOrderType":{"drive-thru":{"warnAfterMin":3,"lateAfterMin":5}},"timersByStation":{},"selectBeforeBump":true}"#;
        let form: SettingsForm = serde_json::from_str(json).expect("the UI's JSON");
        assert_eq!(
            form.thresholds,
            Thresholds {
                warn_after_min: 2.0,
                late_after_min: 4.0
            }
        );
        assert_eq!(
            form.timers_by_order_type[&rail_protocol::OrderType::DriveThru].late_after_min,
            5.0
        );
        assert!(form.select_before_bump);
        let round_trip: SettingsForm =
            serde_json::from_str(&serde_json::to_string(&form).expect("encode")).expect("decode");
        assert_eq!(round_trip, form);
    }

    #[test]
    fn pins_are_stored_hashed_and_checked() {
        let hash = hash_pin("1234").expect("hash");
        assert!(!hash.contains("1234"));
        assert!(verify_pin(&hash, "1234"));
        assert!(!verify_pin(&hash, "4321"));
        assert!(hash_pin("12a4").is_err());
        assert!(hash_pin("12").is_err());
    }
}
