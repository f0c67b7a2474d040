//! Tauri commands: the UI's only way into the engine.

use rail_engine::settings::UiSettings;
use rail_engine::{Engine, EngineError, ScreenState};
use serde::Serialize;
use tauri::State;

/// A command failure, sent to the UI as a readable message.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl Serialize for CommandError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

/// The current screen state (cached tickets are there before the hub answers).
#[tauri::command]
pub fn screen_state(engine: State<'_, Engine>) -> ScreenState {
    engine.state()
}

/// Timer colours, the bump-bar key map, whether a PIN guards settings.
#[tauri::command]
pub fn ui_settings(settings: State<'_, UiSettings>) -> UiSettings {
    settings.inner().clone()
}

/// Bumps a ticket; it leaves the screen at once and reaches the hub via the outbox.
#[tauri::command]
pub fn bump(engine: State<'_, Engine>, ticket_id: String) -> Result<(), CommandError> {
    Ok(engine.bump(&ticket_id)?)
}

/// Bumps one item; the last pending item takes the ticket off.
#[tauri::command]
pub fn bump_item(
    engine: State<'_, Engine>,
    ticket_id: String,
    item_id: String,
) -> Result<(), CommandError> {
    Ok(engine.bump_item(&ticket_id, &item_id)?)
}

/// Expo: the order leaves the pass.
#[tauri::command]
pub fn serve(engine: State<'_, Engine>, order_id: String) -> Result<(), CommandError> {
    Ok(engine.serve(&order_id)?)
}

/// Recalls a bumped ticket.
#[tauri::command]
pub fn recall(engine: State<'_, Engine>, ticket_id: String) -> Result<(), CommandError> {
    Ok(engine.recall(&ticket_id)?)
}
