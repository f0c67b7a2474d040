//! The Rail app: a thin Tauri shell. It reads the settings, starts the engine (and, in
//! demo mode, an embedded hub with a simulated POS), forwards every new board (the
//! tickets) as a patch in the `screen-board` event and every new status (link, clock,
//! pending actions) as `screen-status`, and exposes the engine's actions as commands.
//! Everything else lives in `rail-engine`.

mod board_feed;
mod commands;
mod demo;
mod pairing;
mod settings;
mod webview;

use std::time::Duration;

use anyhow::Context;
use rail_engine::settings::{ScreenFile, SettingsError};
use rail_engine::{Engine, EngineConfig};
use tauri::{AppHandle, Emitter, Manager};

pub use settings::Settings;

/// The event carrying each new board to the UI, as a `BoardPatch`.
const BOARD_EVENT: &str = "screen-board";
/// The event carrying each new `Status` to the UI.
const STATUS_EVENT: &str = "screen-status";
/// Sent when someone tries to close the kiosk window: the UI asks for the PIN.
const EXIT_REQUEST_EVENT: &str = "exit-requested";

/// What the app starts with: a running engine, or a screen that must be paired first.
enum Start {
    Engine(Engine),
    Pairing(Box<pairing::PairingSetup>),
}

async fn start_engine(
    settings: &Settings,
    file: &ScreenFile,
    data_dir: std::path::PathBuf,
) -> anyhow::Result<Start> {
    let default_db = data_dir.join("rail-screen.sqlite3");
    let config = if settings.demo {
        let embedded = demo::start(
            &data_dir,
            Duration::from_millis(settings.demo_every_ms.max(200)),
        )
        .await?;
        let mut config = EngineConfig::new(
            embedded.hub_url,
            embedded.screen_token,
            embedded.channels,
            settings.screen.db.clone().unwrap_or(default_db),
        );
        config.sound.enabled = !settings.no_sound;
        config
    } else {
        match file.engine_config(settings.overrides(), default_db.clone()) {
            Ok(config) => config,
            Err(SettingsError::NotPaired { device_file }) => {
                let device_file = device_file
                    .context("this platform has no configuration directory: pass --device-file")?;
                return Ok(Start::Pairing(Box::new(pairing::PairingSetup {
                    device_file,
                    file: file.clone(),
                    overrides: settings.overrides(),
                    default_db,
                })));
            }
            Err(other) => return Err(other.into()),
        }
    };
    Ok(Start::Engine(launch(config)?))
}

/// Starts an engine, making its cache's directory first. Must run inside the async
/// runtime.
fn launch(config: EngineConfig) -> anyhow::Result<Engine> {
    if let Some(parent) = config
        .db_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    Ok(Engine::start(config)?)
}

/// Sends every new board and every new status to the window, each on its own: a
/// heartbeat sends a few hundred bytes of status, never the tickets, and a new board
/// only the tickets that changed.
fn forward_states(app: AppHandle, engine: &Engine) {
    board_feed::forward(app.clone(), engine.watch_board(), BOARD_EVENT);
    forward(app, engine.watch_status(), STATUS_EVENT);
}

fn forward<T>(app: AppHandle, mut values: tokio::sync::watch::Receiver<T>, event: &'static str)
where
    T: serde::Serialize + Clone + Send + Sync + 'static,
{
    tauri::async_runtime::spawn(async move {
        loop {
            let value = values.borrow_and_update().clone();
            if let Err(error) = app.emit(event, value) {
                tracing::warn!(%error, event, "could not send to the window");
            }
            if values.changed().await.is_err() {
                return;
            }
        }
    });
}

/// Full screen without chrome. A kiosk session often has no window manager to honour
/// "fullscreen", so the window is also placed over its whole monitor.
fn enter_kiosk(window: &tauri::WebviewWindow) -> tauri::Result<()> {
    window.set_decorations(false)?;
    window.set_fullscreen(true)?;
    if let Some(monitor) = window.current_monitor()? {
        window.set_position(*monitor.position())?;
        window.set_size(*monitor.size())?;
    }
    Ok(())
}

/// Builds and runs the app until its window closes.
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let settings = Settings::from_args();
    // A misconfigured kiosk says why before any window opens.
    let file = match settings
        .file()
        .and_then(|file| file.ui_settings().map(|_| file))
    {
        Ok(file) => file,
        Err(error) => {
            tracing::error!(%error, "cannot start");
            eprintln!("rail: {error}");
            std::process::exit(2);
        }
    };
    let config = commands::ConfigFile {
        path: settings
            .screen
            .config
            .clone()
            .or_else(ScreenFile::default_path),
        file: std::sync::Mutex::new(file.clone()),
    };
    let kiosk = settings.kiosk;
    let result = tauri::Builder::default()
        // One screen app per display: a second launch (a double-tapped icon, a
        // restarting session) brings the running one forward instead.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.set_focus();
            }
        }))
        .manage(config)
        .manage(board_feed::BoardFeed::default())
        .on_window_event(move |window, event| {
            // In kiosk mode the window closes only through the PIN (exit_app).
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                if kiosk {
                    api.prevent_close();
                    let _ = window.emit(EXIT_REQUEST_EVENT, ());
                }
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::screen_state,
            commands::board_now,
            commands::ui_settings,
            commands::verify_pin,
            commands::save_settings,
            commands::restart_app,
            commands::exit_app,
            commands::bump,
            commands::bump_item,
            commands::recall_item,
            commands::acknowledge_changes,
            commands::serve,
            commands::unserve,
            commands::set_rush,
            commands::fire_course,
            commands::recall,
            commands::app_mode,
            commands::pair_start,
            commands::discover_hubs,
            commands::waiting_pairings,
            commands::approve_pairing
        ])
        .setup(move |app| {
            let data_dir = app.path().app_data_dir().context("no app data directory")?;
            let hub_hint = settings.screen.hub.clone().or_else(|| file.hub_url.clone());
            app.manage(commands::StartInfo {
                kiosk: settings.kiosk,
                hub_hint,
                mdns: settings.screen.mdns,
            });
            match tauri::async_runtime::block_on(start_engine(&settings, &file, data_dir))? {
                Start::Engine(engine) => {
                    forward_states(app.handle().clone(), &engine);
                    app.manage(pairing::EngineSlot::with(engine));
                }
                Start::Pairing(setup) => {
                    tracing::info!(file = %setup.device_file.display(), "not paired: showing the pairing screen");
                    app.manage(*setup);
                    app.manage(pairing::EngineSlot::default());
                }
            }
            if let Some(window) = app.get_webview_window("main") {
                webview::tune(&window, settings.gpu_compositing);
            }
            if settings.kiosk {
                if let Some(window) = app.get_webview_window("main") {
                    enter_kiosk(&window)?;
                }
            }
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(error) = result {
        tracing::error!(%error, "Rail stopped");
        std::process::exit(1);
    }
}
