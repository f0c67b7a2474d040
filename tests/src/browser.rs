//! A real browser for the hub's admin page: Debian's Chromium, headless, driven through
//! chromedriver with a WebDriver session (fantoccini), as a manager's browser would
//! load the page. The hub's own CA is not in Chromium's trust store, so the session
//! accepts the hub's certificate as a manager does the first time.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::Context;
use fantoccini::{Client, ClientBuilder};

use crate::eventually::{eventually_blocking, holds};

/// A chromedriver process and a session on a fresh Chromium profile. Closing (or
/// dropping) it ends the browser and stops the driver.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl Browser {
    /// Starts chromedriver and headless Chromium (1280×900).
    pub async fn open() -> anyhow::Result<Self> {
        Self::open_sized(1280, 900).await
    }

    /// Starts chromedriver and headless Chromium with a window of `width`×`height`
    /// (a phone's 390×844, a dining-room TV's 1920×1080).
    pub async fn open_sized(width: u32, height: u32) -> anyhow::Result<Self> {
        let port = free_port()?;
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting chromedriver (Debian's chromium-driver)")?;
        let mut browser_driver = DriverGuard(Some(driver));
        eventually_blocking(
            &format!("chromedriver on port {port}"),
            Duration::from_secs(20),
            || holds(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()),
        )?;
        let profile = tempfile::tempdir()?;
        let mut capabilities = serde_json::Map::new();
        let mut options = serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--ignore-certificate-errors",
                format!("--window-size={width},{height}"),
                format!("--user-data-dir={}", profile.path().display()),
            ],
        });
        // The page sees exactly this viewport (a headless window's would be smaller by
        // the browser's own chrome); narrower than 500 px is a phone, with touch.
        let phone = width < 500;
        options["mobileEmulation"] = serde_json::json!({
            "deviceMetrics": { "width": width, "height": height, "pixelRatio": 1.0,
                               "mobile": phone, "touch": phone }
        });
        capabilities.insert("goog:chromeOptions".into(), options);
        capabilities.insert("acceptInsecureCerts".into(), serde_json::json!(true));
        let client = ClientBuilder::native()
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .context("opening a Chromium session")?;
        Ok(Browser {
            client,
            driver: browser_driver.0.take().context("driver")?,
            _profile: profile,
        })
    }

    /// Ends the session and stops chromedriver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Stops chromedriver if opening the session fails half way.
struct DriverGuard(Option<Child>);

impl Drop for DriverGuard {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
