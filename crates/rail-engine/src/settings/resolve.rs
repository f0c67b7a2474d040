//! From the file and the flags to what runs: the engine's configuration (flags over
//! file over defaults) and the settings the UI draws and edits.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rail_protocol::Channel;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{verify_pin, ScreenFile, SettingsError, Thresholds};

/// What the command line (or environment) says, laid over the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub hub_url: Option<String>,
    pub token: Option<String>,
    pub stations: Vec<String>,
    pub channels: Vec<String>,
    pub expo: bool,
    pub db: Option<PathBuf>,
    /// A paired device's credentials file, instead of the default path.
    pub device_file: Option<PathBuf>,
    /// The hub's CA certificate file, for a screen with a token.
    pub hub_ca: Option<PathBuf>,
    /// `Some(false)` silences the screen whatever the file says.
    pub sound: Option<bool>,
}

/// Settings the UI needs to draw, and the editable ones for the settings screen.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UiSettings {
    pub thresholds: Thresholds,
    /// Timer colours for some order types instead of `thresholds`.
    pub timers_by_order_type: BTreeMap<rail_protocol::OrderType, Thresholds>,
    /// Timer colours for some stations instead; the stricter wins when both apply.
    pub timers_by_station: BTreeMap<String, Thresholds>,
    /// Action → `KeyboardEvent.key`.
    pub keymap: BTreeMap<String, String>,
    /// A settings PIN is set (the UI asks for it before settings or exit).
    pub pin_set: bool,
    pub language: String,
    pub theme: String,
    pub font_scale: f64,
    /// First tap selects, second tap bumps.
    pub select_before_bump: bool,
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
    /// Timer colours for some order types (`[timers_by_order_type.*]`).
    pub timers_by_order_type: BTreeMap<rail_protocol::OrderType, Thresholds>,
    /// Timer colours for some stations (`[timers_by_station.*]`).
    pub timers_by_station: BTreeMap<String, Thresholds>,
    pub sound_enabled: bool,
    pub volume: f32,
    /// Cues not to play (see `[sound] muted_cues`).
    pub muted_cues: Vec<String>,
    /// The whole bump-bar map, action → key.
    pub keymap: BTreeMap<String, String>,
    pub language: String,
    pub theme: String,
    pub font_scale: f64,
    pub select_before_bump: bool,
}

/// Where a paired screen keeps its credentials unless told otherwise.
pub fn device_file_default() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| dir.join("rail").join("device.json"))
}

impl ScreenFile {
    fn db_path(&self, overrides: &Overrides, default_db: PathBuf) -> PathBuf {
        overrides
            .db
            .clone()
            .or_else(|| self.db.clone())
            .unwrap_or(default_db)
    }

    fn sound_config(&self, overrides: &Overrides) -> crate::SoundConfig {
        crate::SoundConfig {
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
        }
    }

    /// The engine configuration of a paired screen: hub and stations from pairing,
    /// cache and sound from the file and flags.
    pub fn paired_config(
        &self,
        device: crate::PairedDevice,
        overrides: &Overrides,
        default_db: PathBuf,
    ) -> crate::EngineConfig {
        let mut config = crate::EngineConfig::paired(device, self.db_path(overrides, default_db));
        config.sound = self.sound_config(overrides);
        // A kitchen served by several hubs: the one it paired with first, then the
        // others given as the hub list (the device's credentials work on every hub).
        if let Some(hubs) = overrides.hub_url.as_ref().or(self.hub_url.as_ref()) {
            let own = config.hub_url.trim_end_matches('/').to_owned();
            config.more_hubs = crate::config::hub_list(hubs)
                .into_iter()
                .filter(|hub| hub.trim_end_matches('/') != own)
                .collect();
        }
        config
    }

    /// The engine configuration: flags over file over defaults.
    ///
    /// # Errors
    /// When no hub, token or channel is given anywhere.
    pub fn engine_config(
        &self,
        overrides: Overrides,
        default_db: PathBuf,
    ) -> Result<crate::EngineConfig, SettingsError> {
        // No token anywhere: a paired screen's credentials, if it has them.
        if overrides.token.is_none() && self.token.is_none() {
            let path = overrides.device_file.clone().or_else(device_file_default);
            let not_paired = || SettingsError::NotPaired {
                device_file: path.clone(),
            };
            let file = path.as_deref().ok_or_else(not_paired)?;
            let device = crate::access::load_paired(file)
                .map_err(|source| SettingsError::Read {
                    path: file.display().to_string(),
                    source,
                })?
                .ok_or_else(not_paired)?;
            return Ok(self.paired_config(device, &overrides, default_db));
        }
        let db = self.db_path(&overrides, default_db);
        let sound = self.sound_config(&overrides);
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
            .map(|s| Channel::Kds(s.trim().to_owned()).to_string())
            .collect();
        channels.extend(overrides.channels);
        let expo = overrides.expo || self.expo;
        if channels.is_empty() && !expo {
            return Err(SettingsError::Invalid(
                "no stations: set stations (or expo = true) in screen.toml, or pass --station"
                    .into(),
            ));
        }
        let mut config = crate::EngineConfig::new(hub_url, token, channels, db);
        if let Some(path) = overrides.hub_ca.as_ref().or(self.hub_ca_file.as_ref()) {
            let pem = std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
                path: path.display().to_string(),
                source,
            })?;
            crate::tls::http_client(Some(&pem))
                .map_err(|error| SettingsError::Invalid(format!("{}: {error}", path.display())))?;
            config.hub_ca = Some(pem);
        }
        config.expo = expo;
        config.sound = sound;
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
            timers_by_order_type: self.timers_by_order_type.clone(),
            timers_by_station: self.timers_by_station.clone(),
            keymap: self.keymap()?,
            pin_set: self.settings_pin_hash.is_some(),
            language: language.clone(),
            theme: theme.clone(),
            font_scale,
            select_before_bump: self.select_before_bump.unwrap_or(false),
            form: SettingsForm {
                hub_url: self.hub_url.clone().unwrap_or_default(),
                stations: self.stations.clone(),
                expo: self.expo,
                thresholds: self.timers.unwrap_or_default(),
                timers_by_order_type: self.timers_by_order_type.clone(),
                timers_by_station: self.timers_by_station.clone(),
                sound_enabled: self.sound.enabled.unwrap_or(true),
                volume: self.sound.volume.unwrap_or(1.0),
                muted_cues: self.sound.muted_cues.clone(),
                keymap: self.keymap()?,
                language,
                theme,
                font_scale,
                select_before_bump: self.select_before_bump.unwrap_or(false),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paired_screen_starts_on_its_own_hub_and_knows_the_others_from_the_hub_list() {
        let device = crate::PairedDevice {
            hub_url: "https://hub-b:7070".into(),
            ca_pem: None,
            credentials: rail_protocol::DeviceCredentials {
                device_id: "d1".into(),
                secret: "s".into(),
                location_id: "l".into(),
                name: "grill".into(),
                role: rail_protocol::Role::Kds,
                stations: vec!["grill".into()],
            },
        };
        let overrides = Overrides {
            hub_url: Some("https://hub-a:7070, https://hub-b:7070/, https://hub-c:7070".into()),
            ..Overrides::default()
        };
        let config = ScreenFile::default().paired_config(device.clone(), &overrides, "x.db".into());
        assert_eq!(
            config.hubs().collect::<Vec<_>>(),
            [
                "https://hub-b:7070",
                "https://hub-a:7070",
                "https://hub-c:7070"
            ]
        );
        let alone =
            ScreenFile::default().paired_config(device, &Overrides::default(), "x.db".into());
        assert_eq!(alone.hubs().collect::<Vec<_>>(), ["https://hub-b:7070"]);
    }
}
