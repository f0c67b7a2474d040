//! Driving the real app window: tauri-driver (with Debian's WebKitWebDriver) and a
//! WebDriver session opened with fantoccini.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::Context;
use fantoccini::{Client, ClientBuilder, Locator};

use crate::eventually::{eventually, eventually_blocking, holds};

/// A running tauri-driver. Dropping it stops it with SIGTERM: a SIGKILLed driver
/// orphans WebKitWebDriver, which then holds its port and the test's stderr.
pub struct TauriDriver {
    child: Child,
    pub port: u16,
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn accepts(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok()
}

impl TauriDriver {
    /// Starts tauri-driver (from `RAIL_TAURI_DRIVER`, else `PATH`) and waits until it
    /// and its native driver accept connections.
    pub fn start() -> anyhow::Result<Self> {
        let program = std::env::var_os("RAIL_TAURI_DRIVER")
            .map(PathBuf::from)
            .unwrap_or_else(|| "tauri-driver".into());
        let port = free_port()?;
        let native_port = free_port()?;
        let child = Command::new(&program)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", program.display()))?;
        let driver = TauriDriver { child, port };
        eventually_blocking(
            &format!("tauri-driver on ports {port}/{native_port}"),
            Duration::from_secs(20),
            || holds(accepts(port) && accepts(native_port)),
        )?;
        Ok(driver)
    }

    /// Opens a session on `app` started with `args`.
    pub async fn session(&self, app: &Path, args: &[String]) -> anyhow::Result<Client> {
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app, "args": args }),
        );
        let client = ClientBuilder::native()
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .context("opening a WebDriver session on the app")?;
        // After an interaction the driver may wait for a page load that never comes
        // (the app never navigates); its default of five minutes would turn a stalled
        // click into a stalled test run, so every wait is bounded to seconds.
        client
            .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
                Some(Duration::from_secs(5)),
                Some(Duration::from_secs(5)),
                Some(Duration::ZERO),
            ))
            .await
            .context("setting the WebDriver session's timeouts")?;
        Ok(client)
    }
}

impl Drop for TauriDriver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let exited = eventually_blocking("tauri-driver to exit", Duration::from_secs(5), || {
            holds(matches!(self.child.try_wait(), Ok(Some(_))))
        });
        if exited.is_err() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Waits until `css` matches an element; returns it.
pub async fn wait_for_element(
    client: &Client,
    css: &str,
    timeout: Duration,
) -> anyhow::Result<fantoccini::elements::Element> {
    eventually(&format!("an element matching {css:?}"), timeout, || {
        client.find(Locator::Css(css))
    })
    .await
}

/// Waits until nothing matches `css`.
pub async fn wait_for_absence(client: &Client, css: &str, timeout: Duration) -> anyhow::Result<()> {
    eventually(&format!("{css:?} to leave the screen"), timeout, || async {
        let found = client.find_all(Locator::Css(css)).await?;
        holds(found.is_empty()).map_err(anyhow::Error::msg)
    })
    .await
}

/// Saves a PNG screenshot of the window under `target/e2e/`.
pub async fn screenshot(client: &Client, name: &str) -> anyhow::Result<PathBuf> {
    let dir = crate::target_dir()
        .parent()
        .map(|t| t.join("e2e"))
        .context("no target dir")?;
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{name}.png"));
    // An element can be in the DOM before it is painted: wait two frames.
    client
        .execute_async(
            "requestAnimationFrame(() => requestAnimationFrame(() => arguments[0]()))",
            vec![],
        )
        .await?;
    std::fs::write(&path, client.screenshot().await?)?;
    Ok(path)
}

/// Clicks the element matching `css`, waiting for it and retrying while the driver
/// refuses the click (the element is still moving: a banner appeared, a page slid).
pub async fn click(client: &Client, css: &str, timeout: Duration) -> anyhow::Result<()> {
    let stalled = std::sync::atomic::AtomicBool::new(false);
    eventually(&format!("a click on {css:?}"), timeout, || async {
        // WebKitWebDriver can sit on a click sent while the page redraws, or on one
        // whose handler removes the element clicked (a bump takes its card away); a
        // bounded attempt turns that into one more try instead of a test that never
        // ends. After a stalled attempt, an element that is gone was clicked: what the
        // click did is for the caller's next check to prove.
        let element = match client.find(Locator::Css(css)).await {
            Ok(element) => element,
            Err(_) if stalled.load(std::sync::atomic::Ordering::Relaxed) => return Ok(()),
            Err(error) => return Err(error.to_string()),
        };
        // The driver scrolls an element only just into view, where a pinned bar (the
        // settings panel's Save row) can cover it; centred, nothing does.
        let _ = client
            .execute(
                "arguments[0].scrollIntoView({block: 'center', inline: 'nearest'})",
                vec![serde_json::to_value(&element).map_err(|e| e.to_string())?],
            )
            .await;
        match tokio::time::timeout(CLICK_ATTEMPT, element.click()).await {
            Ok(clicked) => clicked.map_err(|e| e.to_string()),
            Err(_) => {
                stalled.store(true, std::sync::atomic::Ordering::Relaxed);
                Err(format!("no answer to the click in {CLICK_ATTEMPT:?}"))
            }
        }
    })
    .await
}

/// Clicks a button whose handler takes it off the page (a serve sends its card away,
/// firing the last held course removes the fire button) through the page's own DOM
/// (`element.click()`): the app's handler runs exactly as for a tap, and the driver is
/// not left waiting on an element that is gone — WebKitWebDriver's native click can
/// stall for seconds there, long enough for a six-second undo offer to pass.
pub async fn click_leaving(client: &Client, css: &str, timeout: Duration) -> anyhow::Result<()> {
    let element = wait_for_element(client, css, timeout).await?;
    client
        .execute(
            "arguments[0].click()",
            vec![serde_json::to_value(&element)?],
        )
        .await?;
    Ok(())
}

/// How long one click may take before it is tried again.
const CLICK_ATTEMPT: Duration = Duration::from_secs(3);

/// Replaces the text of the field matching `css` with `text`, as typed.
pub async fn type_into(client: &Client, css: &str, text: &str) -> anyhow::Result<()> {
    let field = wait_for_element(client, css, Duration::from_secs(20)).await?;
    field.clear().await?;
    field.send_keys(text).await?;
    Ok(())
}

/// The text of the element matching `css`, looked up afresh on each try: the screen
/// redraws whenever its state changes, and an element held across a redraw is stale.
pub async fn text_of(client: &Client, css: &str, timeout: Duration) -> anyhow::Result<String> {
    eventually(&format!("the text of {css:?}"), timeout, || async {
        client.find(Locator::Css(css)).await?.text().await
    })
    .await
}

/// The real app, started through tauri-driver with a WebDriver session on it.
pub struct AppSession {
    pub client: Client,
    driver: TauriDriver,
}

impl AppSession {
    /// Starts the built app (`target/debug/rail`) with `args`.
    pub async fn open(args: &[String]) -> anyhow::Result<Self> {
        let app = crate::target_dir().join("rail");
        anyhow::ensure!(
            app.exists(),
            "{} is missing: build it with `cargo xtask test`",
            app.display()
        );
        let driver = TauriDriver::start()?;
        let client = driver.session(&app, args).await?;
        Ok(AppSession { client, driver })
    }

    /// Ends the session and stops the driver (SIGTERM), whatever the test's outcome.
    pub async fn close(self) {
        let _ = self.client.close().await;
        drop(self.driver);
    }
}

/// Arguments for a station screen on `hub_url`, silent, with its cache at `db`.
pub fn station_args(
    hub_url: &str,
    token: &str,
    station: &str,
    db: &std::path::Path,
) -> Vec<String> {
    let mut args: Vec<String> = ["--hub", hub_url, "--token", token]
        .map(String::from)
        .to_vec();
    if !station.is_empty() {
        args.extend(["--station".to_owned(), station.to_owned()]);
    }
    args.extend([
        "--db".to_owned(),
        db.display().to_string(),
        "--no-sound".to_owned(),
    ]);
    args
}

/// Arguments for a kiosk with no credentials, offered `hub_url` on its pairing screen,
/// keeping what pairing gives it in `device_file` and its cache in `dir`. mDNS stays
/// off: a test does not listen on the machine's network.
pub fn pairing_args(hub_url: &str, device_file: &Path, dir: &Path) -> Vec<String> {
    vec![
        "--hub".into(),
        hub_url.into(),
        "--mdns".into(),
        "off".into(),
        "--device-file".into(),
        device_file.display().to_string(),
        "--db".into(),
        dir.join("screen.sqlite3").display().to_string(),
        "--no-sound".into(),
        "--kiosk".into(),
    ]
}

/// Arguments for an expo screen of `hub_url` with `token`, silent, its cache in `dir`.
pub fn expo_args(hub_url: &str, token: &str, dir: &Path) -> Vec<String> {
    vec![
        "--hub".into(),
        hub_url.into(),
        "--token".into(),
        token.into(),
        "--expo".into(),
        "--db".into(),
        dir.join("expo.sqlite3").display().to_string(),
        "--no-sound".into(),
    ]
}

/// The settings PIN of the screens `pin_screen_args` configures.
pub const SETTINGS_PIN: &str = "2468";

/// Arguments for a screen configured by a `screen.toml` in `dir`: the hash of
/// [`SETTINGS_PIN`], then `settings` (hub, token, stations or expo…, tables last);
/// silent, with its cache in `dir`.
pub fn pin_screen_args(dir: &Path, settings: &str) -> anyhow::Result<Vec<String>> {
    let hash = Command::new(crate::binary("rail-headless"))
        .args(["--hash-pin", SETTINGS_PIN])
        .output()
        .context("hashing the settings PIN")?;
    let hash = String::from_utf8_lossy(&hash.stdout).trim().to_owned();
    let config = dir.join("screen.toml");
    std::fs::write(
        &config,
        format!("settings_pin_hash = \"{hash}\"\n{settings}"),
    )?;
    Ok(vec![
        "--config".into(),
        config.display().to_string(),
        "--db".into(),
        dir.join("screen.sqlite3").display().to_string(),
        "--no-sound".into(),
    ])
}

/// [`pin_screen_args`] for an expo screen of `hub_url` holding `token`.
pub fn expo_pin_screen_args(dir: &Path, hub_url: &str, token: &str) -> anyhow::Result<Vec<String>> {
    pin_screen_args(
        dir,
        &format!("hub_url = \"{hub_url}\"\ntoken = \"{token}\"\nexpo = true\n"),
    )
}

/// Presses keys as a bump bar (a USB keyboard) does.
pub async fn press(client: &Client, keys: &str) -> anyhow::Result<()> {
    client
        .find(Locator::Css("body"))
        .await?
        .send_keys(keys)
        .await?;
    Ok(())
}
