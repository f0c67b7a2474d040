//! Tauri commands: the UI's only way into the engine.

use std::path::PathBuf;
use std::sync::Mutex;

use rail_engine::settings::{
    save_settings as save_settings_file, ScreenFile, SettingsError, SettingsForm, UiSettings,
};
use rail_engine::{EngineError, ScreenState};
use serde::Serialize;
use tauri::AppHandle;
use tauri::State;

use crate::pairing::EngineSlot;
use rail_engine::pairing::{AppMode, PairCode};

/// A command failure, sent to the UI as a readable message.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("wrong PIN")]
    WrongPin,
    #[error("this screen is not paired yet")]
    NotPaired,
    #[error("{0}")]
    Pairing(String),
    #[error("set a settings PIN on this screen first: pairing other screens needs one")]
    NoPin,
}

/// The screen's configuration file and what it holds now.
pub struct ConfigFile {
    /// Where settings are saved: `--config`, else the platform default.
    pub path: Option<PathBuf>,
    pub file: Mutex<ScreenFile>,
}

impl ConfigFile {
    fn current(&self) -> ScreenFile {
        self.file.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn check_pin(&self, pin: &str) -> Result<(), CommandError> {
        let file = self.current();
        // With no PIN set (a new install) settings are open, so the PIN can be set up.
        if file.settings_pin_hash.is_none() || file.pin_matches(pin) {
            Ok(())
        } else {
            Err(CommandError::WrongPin)
        }
    }
}

impl ConfigFile {
    /// Stricter than [`ConfigFile::check_pin`]: a PIN must be set, since pairing a
    /// screen hands out the kitchen's tickets.
    fn check_set_pin(&self, pin: &str) -> Result<(), CommandError> {
        let file = self.current();
        if file.settings_pin_hash.is_none() {
            return Err(CommandError::NoPin);
        }
        if file.pin_matches(pin) {
            Ok(())
        } else {
            Err(CommandError::WrongPin)
        }
    }
}

impl Serialize for CommandError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

/// The current screen state (cached tickets are there before the hub answers).
#[tauri::command]
pub fn screen_state(engine: State<'_, EngineSlot>) -> Result<ScreenState, CommandError> {
    engine.get().map(|engine| engine.state())
}

/// The last board sent to the window, whole: for a window that missed a patch.
#[tauri::command]
pub fn board_now(feed: State<'_, crate::board_feed::BoardFeed>) -> rail_engine::BoardPatch {
    feed.whole()
}

/// Timer colours, the bump-bar key map, language, theme and the settings form.
#[tauri::command]
pub fn ui_settings(config: State<'_, ConfigFile>) -> Result<UiSettings, CommandError> {
    Ok(config.current().ui_settings()?)
}

/// Checks the settings PIN (true when no PIN is set).
#[tauri::command]
pub fn verify_pin(config: State<'_, ConfigFile>, pin: String) -> bool {
    config.check_pin(&pin).is_ok()
}

/// Saves the settings (PIN required) and returns what the UI applies at once; the hub,
/// stations and sound take effect after a restart.
#[tauri::command]
pub fn save_settings(
    config: State<'_, ConfigFile>,
    pin: String,
    form: SettingsForm,
) -> Result<UiSettings, CommandError> {
    config.check_pin(&pin)?;
    let path = config.path.clone().ok_or_else(|| {
        SettingsError::Invalid(
            "this platform has no configuration directory; start with --config".into(),
        )
    })?;
    let saved = save_settings_file(&path, &form)?;
    let ui = saved.ui_settings()?;
    *config.file.lock().unwrap_or_else(|p| p.into_inner()) = saved;
    Ok(ui)
}

/// Restarts the app (to apply a new hub or stations); PIN required.
#[tauri::command]
pub fn restart_app(
    app: AppHandle,
    config: State<'_, ConfigFile>,
    pin: String,
) -> Result<(), CommandError> {
    config.check_pin(&pin)?;
    app.restart()
}

/// Closes the app; in kiosk mode this is the only way out, and it takes the PIN.
#[tauri::command]
pub fn exit_app(
    app: AppHandle,
    config: State<'_, ConfigFile>,
    pin: String,
) -> Result<(), CommandError> {
    config.check_pin(&pin)?;
    app.exit(0);
    Ok(())
}

/// Bumps a ticket; it leaves the screen at once and reaches the hub via the outbox.
#[tauri::command]
pub fn bump(engine: State<'_, EngineSlot>, ticket_id: String) -> Result<(), CommandError> {
    engine.get()?.bump(&ticket_id)?;
    Ok(())
}

/// Bumps one item; the last pending item takes the ticket off.
#[tauri::command]
pub fn bump_item(
    engine: State<'_, EngineSlot>,
    ticket_id: String,
    item_id: String,
) -> Result<(), CommandError> {
    engine.get()?.bump_item(&ticket_id, &item_id)?;
    Ok(())
}

/// Takes back an item bump: the item is to cook again.
#[tauri::command]
pub fn recall_item(
    engine: State<'_, EngineSlot>,
    ticket_id: String,
    item_id: String,
) -> Result<(), CommandError> {
    engine.get()?.recall_item(&ticket_id, &item_id)?;
    Ok(())
}

/// Confirms the POS's changes to a ticket for the whole station.
#[tauri::command]
pub fn acknowledge_changes(
    engine: State<'_, EngineSlot>,
    ticket_id: String,
) -> Result<(), CommandError> {
    engine.get()?.acknowledge_changes(&ticket_id)?;
    Ok(())
}

/// Expo: the order leaves the pass.
#[tauri::command]
pub fn serve(engine: State<'_, EngineSlot>, order_id: String) -> Result<(), CommandError> {
    engine.get()?.serve(&order_id)?;
    Ok(())
}

/// Recalls a bumped ticket.
#[tauri::command]
pub fn recall(engine: State<'_, EngineSlot>, ticket_id: String) -> Result<(), CommandError> {
    engine.get()?.recall(&ticket_id)?;
    Ok(())
}

/// Expo: takes a serve back (the undo after serving).
#[tauri::command]
pub fn unserve(engine: State<'_, EngineSlot>, order_id: String) -> Result<(), CommandError> {
    engine.get()?.unserve(&order_id)?;
    Ok(())
}

/// Expo: marks an order rush, or not.
#[tauri::command]
pub fn set_rush(
    engine: State<'_, EngineSlot>,
    order_id: String,
    rush: bool,
) -> Result<(), CommandError> {
    engine.get()?.set_rush(&order_id, rush)?;
    Ok(())
}

/// Expo: fires a course the POS held.
#[tauri::command]
pub fn fire_course(
    engine: State<'_, EngineSlot>,
    order_id: String,
    course: u32,
) -> Result<(), CommandError> {
    engine.get()?.fire_course(&order_id, course)?;
    Ok(())
}

/// How the app started, and what the pairing screen offers.
pub struct StartInfo {
    pub kiosk: bool,
    pub hub_hint: Option<String>,
    /// Where to listen for hubs' announcements.
    pub mdns: rail_protocol::discovery::MdnsScope,
}

/// Hubs heard on the network (mDNS) in two seconds of listening.
#[tauri::command]
pub async fn discover_hubs(
    start: State<'_, StartInfo>,
) -> Result<Vec<rail_engine::discovery::FoundHub>, CommandError> {
    let scope = start.mdns;
    tauri::async_runtime::spawn_blocking(move || {
        rail_engine::discovery::find_hubs(scope, std::time::Duration::from_secs(2))
    })
    .await
    .map_err(|e| CommandError::Pairing(e.to_string()))?
    .map_err(|e| CommandError::Pairing(e.to_string()))
}

/// Paired (the engine runs) or not; the hub address to offer; kiosk or not.
#[tauri::command]
pub fn app_mode(engine: State<'_, EngineSlot>, start: State<'_, StartInfo>) -> AppMode {
    AppMode {
        paired: engine.get().is_ok(),
        hub_url: start.hub_hint.clone(),
        name: crate::pairing::host_name(),
        kiosk: start.kiosk,
    }
}

/// Asks `hub_url` for a pairing code; the `paired` event follows the manager's
/// approval, `pairing-failed` an expiry or refusal.
#[tauri::command]
pub async fn pair_start(
    app: AppHandle,
    hub_url: String,
    name: String,
) -> Result<PairCode, CommandError> {
    crate::pairing::start(app, hub_url, name).await
}

/// Expo: the codes of screens waiting to be paired at the hub (settings PIN required).
#[tauri::command]
pub async fn waiting_pairings(
    engine: State<'_, EngineSlot>,
    config: State<'_, ConfigFile>,
    pin: String,
) -> Result<Vec<rail_protocol::PendingPair>, CommandError> {
    config.check_set_pin(&pin)?;
    let engine = engine.get()?;
    engine
        .waiting_pairings()
        .await
        .map_err(|e| CommandError::Pairing(e.to_string()))
}

/// Expo: approves another kitchen screen's code (settings PIN required).
#[tauri::command]
pub async fn approve_pairing(
    engine: State<'_, EngineSlot>,
    config: State<'_, ConfigFile>,
    pin: String,
    approval: rail_protocol::PairApproval,
) -> Result<rail_protocol::Device, CommandError> {
    config.check_set_pin(&pin)?;
    let engine = engine.get()?;
    engine
        .approve_pairing(&approval)
        .await
        .map_err(|e| CommandError::Pairing(e.to_string()))
}
