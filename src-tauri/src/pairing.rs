//! A screen started with no credentials: it asks a hub for a pairing code, shows it,
//! and starts its engine the moment the manager approves — no restart, no token typed.

use std::path::PathBuf;
use std::sync::Mutex;

use rail_engine::pairing::{self, PairCode};
use rail_engine::settings::{Overrides, ScreenFile};
use rail_engine::Engine;
use tauri::{AppHandle, Emitter, Manager};

use crate::commands::CommandError;

/// Sent when the screen is paired and its engine runs: the UI switches to the rail.
pub const PAIRED_EVENT: &str = "paired";
/// Sent when a pairing cannot finish (the code expired, the hub refused); carries the
/// reason in words.
pub const PAIRING_FAILED_EVENT: &str = "pairing-failed";

/// The engine, once there is one: at start for a configured or paired screen, after
/// approval for one that pairs now.
#[derive(Default)]
pub struct EngineSlot(Mutex<Option<Engine>>);

impl EngineSlot {
    pub fn with(engine: Engine) -> Self {
        EngineSlot(Mutex::new(Some(engine)))
    }

    /// The running engine.
    ///
    /// # Errors
    /// [`CommandError::NotPaired`] while the screen waits to be paired.
    pub fn get(&self) -> Result<Engine, CommandError> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or(CommandError::NotPaired)
    }

    fn set(&self, engine: Engine) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(engine);
    }
}

/// What a screen that is not paired yet needs to pair.
pub struct PairingSetup {
    /// Where the credentials go.
    pub device_file: PathBuf,
    pub file: ScreenFile,
    pub overrides: Overrides,
    pub default_db: PathBuf,
}

/// The machine's host name, the name a new screen asks under.
pub fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|name| name.trim().to_owned())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "kitchen screen".to_owned())
}

/// Asks `hub_url` for a code and waits for approval in the background; on approval the
/// credentials are saved, the engine starts and the window hears [`PAIRED_EVENT`].
///
/// # Errors
/// When the hub cannot be reached or refuses the request.
pub async fn start(
    app: AppHandle,
    hub_url: String,
    name: String,
) -> Result<PairCode, CommandError> {
    let hub_url = normalise_hub_url(&hub_url)?;
    let ticket = pairing::request(&hub_url, &name)
        .await
        .map_err(|e| CommandError::Pairing(e.to_string()))?;
    let client = pairing::client_for(&ticket).map_err(|e| CommandError::Pairing(e.to_string()))?;
    let code = PairCode {
        code: ticket.code.clone(),
        expires_at_ms: ticket.expires_at_ms,
        hub_fingerprint: ticket.hub_fingerprint.clone(),
    };
    tauri::async_runtime::spawn(async move {
        let outcome = async {
            let device = pairing::wait(&client, &hub_url, &ticket)
                .await
                .map_err(|e| e.to_string())?;
            finish(&app, device).map_err(|e| e.to_string())
        }
        .await;
        if let Err(reason) = outcome {
            tracing::warn!(%reason, "pairing did not finish");
            let _ = app.emit(PAIRING_FAILED_EVENT, reason);
        }
    });
    Ok(code)
}

/// Saves the credentials and starts the engine.
fn finish(app: &AppHandle, device: rail_engine::PairedDevice) -> anyhow::Result<()> {
    let setup = app.state::<PairingSetup>();
    rail_engine::access::save_paired(&setup.device_file, &device)?;
    tracing::info!(name = %device.credentials.name, "paired");
    let config = setup
        .file
        .paired_config(device, &setup.overrides, setup.default_db.clone());
    let engine = crate::launch(config)?;
    crate::forward_states(app.clone(), &engine);
    app.state::<EngineSlot>().set(engine);
    app.emit(PAIRED_EVENT, ())?;
    Ok(())
}

/// An address as typed on a touch screen: `192.168.1.10:7070` gets `https://` (hubs
/// serve HTTPS unless started for development), and a trailing slash goes.
fn normalise_hub_url(typed: &str) -> Result<String, CommandError> {
    let typed = typed.trim().trim_end_matches('/');
    if typed.is_empty() {
        return Err(CommandError::Pairing("type the hub's address".into()));
    }
    let url = if typed.contains("://") {
        typed.to_owned()
    } else {
        format!("https://{typed}")
    };
    if !(url.starts_with("http://") || url.starts_with("https://")) || url.contains(' ') {
        return Err(CommandError::Pairing(format!(
            "{typed:?} is not a hub address; it looks like 192.168.1.10:7070"
        )));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_addresses_become_urls() {
        assert_eq!(
            normalise_hub_url(" 192.168.1.10:7070/ ").expect("url"),
            "https://192.168.1.10:7070"
        );
        assert_eq!(
            normalise_hub_url("http://127.0.0.1:7070").expect("url"),
            "http://127.0.0.1:7070"
        );
        assert_eq!(
            normalise_hub_url("https://hub.local").expect("url"),
            "https://hub.local"
        );
        assert!(normalise_hub_url("").is_err());
        assert!(normalise_hub_url("ftp://x").is_err());
        assert!(normalise_hub_url("hub local").is_err());
    }
}
