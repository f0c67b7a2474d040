//! The screen's configuration file: `<config dir>/rail/screen.toml` (on Linux
//! `~/.config/rail/screen.toml`), overridden by environment variables and flags.
//!
//! It holds what an installer sets once: the hub, the token, the stations (or expo),
//! timer colours, sound, the bump-bar key map, and the settings PIN — stored only as an
//! Argon2 hash, so reading the file does not reveal it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Every bump-bar action, and the key it has unless the file maps it elsewhere. Keys
/// are DOM `KeyboardEvent.key` names; common bump bars (Logic Controls KB9000 and the
/// like) send digits for positions, arrows, Enter and a few letters.
pub const DEFAULT_KEYMAP: &[(&str, &str)] = &[
    ("select_next", "ArrowRight"),
    ("select_previous", "ArrowLeft"),
    ("bump", "Enter"),
    ("bump_first", "b"),
    ("recall", "r"),
    ("page_next", "PageDown"),
    ("page_previous", "PageUp"),
    ("all_day", "a"),
    ("undo", "u"),
    ("expo_view", "e"),
    ("select_1", "1"),
    ("select_2", "2"),
    ("select_3", "3"),
    ("select_4", "4"),
    ("select_5", "5"),
    ("select_6", "6"),
    ("select_7", "7"),
    ("select_8", "8"),
    ("select_9", "9"),
];

/// Timer colour thresholds, in minutes: green under 5, yellow under 10, red beyond.
/// The same names in `screen.toml`'s `[timers]` (snake_case) and for the UI (camelCase).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all(serialize = "camelCase"), deny_unknown_fields)]
#[ts(export, rename_all = "camelCase")]
pub struct Thresholds {
    /// `warn_after_min` in TOML, `warnAfterMin` from the UI.
    #[serde(alias = "warnAfterMin")]
    pub warn_after_min: f64,
    #[serde(alias = "lateAfterMin")]
    pub late_after_min: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            warn_after_min: 5.0,
            late_after_min: 10.0,
        }
    }
}

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
    #[serde(default)]
    pub stations: Vec<String>,
    /// Follow every station of the token's location (an expo screen).
    #[serde(default)]
    pub expo: bool,
    pub db: Option<PathBuf>,
    pub timers: Option<Thresholds>,
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
}

/// Languages the screen speaks.
pub const LANGUAGES: &[&str] = &["en", "es"];
/// Looks the screen can take.
pub const THEMES: &[&str] = &["dark", "high-contrast"];

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
        if let Some(t) = self.timers {
            if !(t.warn_after_min > 0.0 && t.late_after_min > t.warn_after_min) {
                return Err(SettingsError::Invalid(
                    "timers: need 0 < warn_after_min < late_after_min".into(),
                ));
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
            if !DEFAULT_KEYMAP.iter().any(|(known, _)| known == action) {
                let known: Vec<&str> = DEFAULT_KEYMAP.iter().map(|(a, _)| *a).collect();
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
            if !(0.8..=1.6).contains(&scale) {
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
            .map(|(a, k)| ((*a).to_owned(), (*k).to_owned()))
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

/// Hashes a settings PIN for `settings_pin_hash`.
///
/// # Errors
/// When the PIN is not 4-12 digits, or hashing fails.
pub fn hash_pin(pin: &str) -> Result<String, SettingsError> {
    if !(4..=12).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SettingsError::Invalid("a PIN is 4 to 12 digits".into()));
    }
    Argon2::default()
        .hash_password(pin.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| SettingsError::Invalid(format!("could not hash the PIN: {e}")))
}

/// True when `pin` matches `hash`.
pub fn verify_pin(hash: &str, pin: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(pin.as_bytes(), &parsed)
            .is_ok()
    })
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
                "warn_after_min",
            ),
            ("[sound]\nvolume = 3.0", "volume"),
            ("[keymap]\nexplode = \"x\"", "explode"),
            ("[keymap]\nbump = \"r\"", "both"),
            ("settings_pin_hash = \"1234\"", "Argon2"),
            ("[sound]\nmuted_cues = [\"boom\"]", "boom"),
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
        let json = r#"{"hubUrl":"http://h:7070","stations":["grill"],"expo":false,"thresholds":{"warnAfterMin":2,"lateAfterMin":4},"soundEnabled":true,"volume":0.5,"mutedCues":["modified"],"keymap":{"bump":"Enter"},"language":"es","theme":"dark","fontScale":1.2}"#;
        let form: SettingsForm = serde_json::from_str(json).expect("the UI's JSON");
        assert_eq!(
            form.thresholds,
            Thresholds {
                warn_after_min: 2.0,
                late_after_min: 4.0
            }
        );
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

/// What the command line (or environment) says, laid over the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub hub_url: Option<String>,
    pub token: Option<String>,
    pub stations: Vec<String>,
    pub channels: Vec<String>,
    pub expo: bool,
    pub db: Option<PathBuf>,
    /// `Some(false)` silences the screen whatever the file says.
    pub sound: Option<bool>,
}

/// Settings the UI needs to draw, and the editable ones for the settings screen.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UiSettings {
    pub thresholds: Thresholds,
    /// Action → `KeyboardEvent.key`.
    pub keymap: BTreeMap<String, String>,
    /// A settings PIN is set (the UI asks for it before settings or exit).
    pub pin_set: bool,
    pub language: String,
    pub theme: String,
    pub font_scale: f64,
    /// What the settings screen edits.
    pub form: SettingsForm,
}

/// The settings a manager may change on the screen (behind the PIN). Saving writes them
/// into `screen.toml`, keeping everything else in the file, comments included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct SettingsForm {
    pub hub_url: String,
    pub stations: Vec<String>,
    pub expo: bool,
    pub thresholds: Thresholds,
    pub sound_enabled: bool,
    pub volume: f32,
    /// Cues not to play (see `[sound] muted_cues`).
    pub muted_cues: Vec<String>,
    /// The whole bump-bar map, action → key.
    pub keymap: BTreeMap<String, String>,
    pub language: String,
    pub theme: String,
    pub font_scale: f64,
}

impl ScreenFile {
    /// The engine configuration: flags over file over defaults.
    ///
    /// # Errors
    /// When no hub, token or channel is given anywhere.
    pub fn engine_config(
        &self,
        overrides: Overrides,
        default_db: PathBuf,
    ) -> Result<crate::EngineConfig, SettingsError> {
        let hub_url = overrides
            .hub_url
            .or_else(|| self.hub_url.clone())
            .ok_or_else(|| {
                SettingsError::Invalid("no hub: set hub_url in screen.toml or pass --hub".into())
            })?;
        let token = overrides
            .token
            .or_else(|| self.token.clone())
            .ok_or_else(|| {
                SettingsError::Invalid("no token: set token in screen.toml or RAIL_TOKEN".into())
            })?;
        let stations = if overrides.stations.is_empty() {
            self.stations.clone()
        } else {
            overrides.stations
        };
        let mut channels: Vec<String> = stations
            .iter()
            .map(|s| format!("kds:{}", s.trim()))
            .collect();
        channels.extend(overrides.channels);
        let expo = overrides.expo || self.expo;
        if channels.is_empty() && !expo {
            return Err(SettingsError::Invalid(
                "no stations: set stations (or expo = true) in screen.toml, or pass --station"
                    .into(),
            ));
        }
        let mut config = crate::EngineConfig::new(
            hub_url,
            token,
            channels,
            overrides
                .db
                .or_else(|| self.db.clone())
                .unwrap_or(default_db),
        );
        config.expo = expo;
        config.sound = crate::SoundConfig {
            enabled: overrides
                .sound
                .unwrap_or(self.sound.enabled.unwrap_or(true)),
            volume: self.sound.volume.unwrap_or(1.0),
            muted: self
                .sound
                .muted_cues
                .iter()
                .filter_map(|name| crate::sound::Cue::parse(name))
                .collect(),
        };
        Ok(config)
    }

    /// What the UI needs from the file.
    ///
    /// # Errors
    /// When the key map is inconsistent (caught by `load` already).
    pub fn ui_settings(&self) -> Result<UiSettings, SettingsError> {
        let language = self.language.clone().unwrap_or_else(|| "en".into());
        let theme = self.theme.clone().unwrap_or_else(|| "dark".into());
        let font_scale = self.font_scale.unwrap_or(1.0);
        Ok(UiSettings {
            thresholds: self.timers.unwrap_or_default(),
            keymap: self.keymap()?,
            pin_set: self.settings_pin_hash.is_some(),
            language: language.clone(),
            theme: theme.clone(),
            font_scale,
            form: SettingsForm {
                hub_url: self.hub_url.clone().unwrap_or_default(),
                stations: self.stations.clone(),
                expo: self.expo,
                thresholds: self.timers.unwrap_or_default(),
                sound_enabled: self.sound.enabled.unwrap_or(true),
                volume: self.sound.volume.unwrap_or(1.0),
                muted_cues: self.sound.muted_cues.clone(),
                keymap: self.keymap()?,
                language,
                theme,
                font_scale,
            },
        })
    }

    /// Checks a PIN against the stored hash; with no PIN set, any PIN is refused.
    pub fn pin_matches(&self, pin: &str) -> bool {
        self.settings_pin_hash
            .as_deref()
            .is_some_and(|hash| verify_pin(hash, pin))
    }
}

/// Writes `form` into the file at `path` (created if missing), keeping its other keys
/// and comments. The result is validated before it replaces the file, atomically, so a
/// bad value or a power cut never leaves a broken configuration.
///
/// # Errors
/// When the values are invalid or the file cannot be read or written.
pub fn save_settings(path: &Path, form: &SettingsForm) -> Result<ScreenFile, SettingsError> {
    use toml_edit::{value, Array, DocumentMut, Item, Table};
    let io_error = |target: &Path| {
        let path = target.display().to_string();
        move |source| SettingsError::Read { path, source }
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => return Err(io_error(path)(source)),
    };
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        SettingsError::Invalid(format!("{}: {e}", path.display()))
    })?;
    let url = form.hub_url.trim();
    if url.is_empty() {
        doc.remove("hub_url");
    } else {
        doc["hub_url"] = value(url);
    }
    let stations: Array = form
        .stations
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    doc["stations"] = value(stations);
    doc["expo"] = value(form.expo);
    doc["language"] = value(form.language.as_str());
    doc["theme"] = value(form.theme.as_str());
    doc["font_scale"] = value(form.font_scale);
    for (table, key, item) in [
        (
            "timers",
            "warn_after_min",
            value(form.thresholds.warn_after_min),
        ),
        (
            "timers",
            "late_after_min",
            value(form.thresholds.late_after_min),
        ),
        ("sound", "enabled", value(form.sound_enabled)),
        ("sound", "volume", value(f64::from(form.volume))),
        (
            "sound",
            "muted_cues",
            value(
                form.muted_cues
                    .iter()
                    .map(String::as_str)
                    .collect::<Array>(),
            ),
        ),
    ] {
        if !doc.contains_table(table) {
            doc[table] = Item::Table(Table::new());
        }
        doc[table][key] = item;
    }
    if !doc.contains_table("keymap") {
        doc["keymap"] = Item::Table(Table::new());
    }
    // Touch only what changed, so the installer's lines and comments stay as they were;
    // a default left at its default is not written at all.
    for (action, key) in &form.keymap {
        let current = doc["keymap"]
            .get(action.as_str())
            .and_then(Item::as_str)
            .map(str::to_owned);
        let default = DEFAULT_KEYMAP
            .iter()
            .find(|(a, _)| a == action)
            .map(|(_, k)| *k);
        let unchanged = match &current {
            Some(current) => current == key,
            None => default == Some(key.as_str()),
        };
        if !unchanged {
            doc["keymap"][action.as_str()] = value(key.as_str());
        }
    }
    let updated = doc.to_string();
    let parsed: ScreenFile = toml::from_str(&updated).map_err(|source| SettingsError::Parse {
        path: path.display().to_string(),
        source: Box::new(source),
    })?;
    parsed.validate()?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    }
    let temporary = path.with_extension("toml.new");
    std::fs::write(&temporary, &updated).map_err(io_error(&temporary))?;
    std::fs::rename(&temporary, path).map_err(io_error(path))?;
    Ok(parsed)
}

#[cfg(test)]
mod save_tests {
    use super::*;

    #[test]
    fn saving_settings_keeps_the_rest_of_the_file_and_its_comments() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("screen.toml");
        let original = "# installed by Ana\ntoken = \"secret-token\"\nstations = [\"grill\"]\n\n[keymap]\nbump = \"F1\" # the big red key\n";
        std::fs::write(&path, original).expect("write");
        let mut form = ScreenFile::load(&path, true)
            .expect("load")
            .ui_settings()
            .expect("ui")
            .form;
        form.hub_url = "http://10.0.0.5:7070".into();
        form.stations = vec!["grill".into(), " fry ".into(), "".into()];
        form.language = "es".into();
        form.thresholds = Thresholds {
            warn_after_min: 3.0,
            late_after_min: 6.0,
        };
        form.volume = 0.5;
        form.muted_cues = vec!["link-lost".into()];
        form.keymap.insert("recall".into(), "F2".into());
        let saved = save_settings(&path, &form).expect("save");
        assert_eq!(saved.keymap().expect("keymap")["recall"], "F2");
        assert_eq!(
            saved.keymap().expect("keymap")["bump"],
            "F1",
            "the installer's key stays"
        );
        assert_eq!(saved.sound.muted_cues, vec!["link-lost".to_owned()]);
        assert_eq!(saved.stations, vec!["grill".to_owned(), "fry".to_owned()]);
        let text = std::fs::read_to_string(&path).expect("read");
        for kept in [
            "# installed by Ana",
            "token = \"secret-token\"",
            "bump = \"F1\" # the big red key",
        ] {
            assert!(text.contains(kept), "{kept:?} lost:\n{text}");
        }
        let reloaded = ScreenFile::load(&path, true).expect("reload");
        assert_eq!(reloaded.hub_url.as_deref(), Some("http://10.0.0.5:7070"));
        assert_eq!(reloaded.language.as_deref(), Some("es"));
        assert_eq!(
            reloaded.timers,
            Some(Thresholds {
                warn_after_min: 3.0,
                late_after_min: 6.0
            })
        );
        assert_eq!(reloaded.sound.volume, Some(0.5));
    }

    #[test]
    fn invalid_settings_are_refused_and_the_file_is_untouched() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("screen.toml");
        std::fs::write(&path, "stations = [\"grill\"]\n").expect("write");
        let mut form = ScreenFile::default().ui_settings().expect("ui").form;
        form.thresholds = Thresholds {
            warn_after_min: 9.0,
            late_after_min: 2.0,
        };
        assert!(save_settings(&path, &form).is_err());
        form = ScreenFile::default().ui_settings().expect("ui").form;
        form.language = "fr".into();
        assert!(save_settings(&path, &form)
            .expect_err("fr")
            .to_string()
            .contains("language"));
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "stations = [\"grill\"]\n"
        );
    }
}
