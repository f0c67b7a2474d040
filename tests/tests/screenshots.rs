//! Screenshots of every view for `docs/screenshots/`, made by the real app in kiosk
//! mode (filling whatever screen Xvfb has). Run by `cargo xtask screenshots`, which
//! runs it at 1280×800 and 1920×1080; not part of the test suite.

use std::time::Duration;

use rail_tests::window::{
    click, pairing_args, pin_screen_args, press, screenshot, wait_for_element, AppSession,
    SETTINGS_PIN,
};
use rail_tests::{binary, HubProcess};

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "makes documentation screenshots: run through `cargo xtask screenshots`"]
async fn screenshots_of_every_view() {
    let size = std::env::var("RAIL_SCREEN_SIZE").unwrap_or_else(|_| "1280x800".into());
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = HubProcess::start(dir.path()).expect("hub");
    let pos = hub.token("pos", &[]);
    // A believable service: the simulated POS, quickly.
    let status = std::process::Command::new(binary("rail-hub"))
        .args([
            "demo",
            "--hub",
            &hub.url,
            "--token",
            &pos,
            "--every-ms",
            "30",
            "--count",
            "22",
        ])
        .env("RUST_LOG", "warn")
        .status()
        .expect("demo POS");
    assert!(status.success());
    let mut args = pin_screen_args(
        dir.path(),
        &format!(
            "hub_url = \"{}\"\ntoken = \"{}\"\nexpo = true\n",
            hub.url,
            hub.token("expo", &[]),
        ),
    )
    .expect("config");
    args.push("--kiosk".into());
    let session = AppSession::open(&args).await.expect("app");
    let client = &session.client;
    let result = async {
        wait_for_element(
            client,
            r#"[data-testid="connection"][data-state="online"]"#,
            WAIT,
        )
        .await?;
        wait_for_element(client, "[data-ticket-id]", WAIT).await?;
        tokio::time::sleep(Duration::from_millis(800)).await;
        screenshot(client, &format!("rail-{size}")).await?;
        press(client, "a").await?;
        wait_for_element(client, r#"[data-testid="all-day"]"#, WAIT).await?;
        screenshot(client, &format!("all-day-{size}")).await?;
        press(client, "a").await?;
        press(client, "e").await?;
        wait_for_element(client, r#"[data-testid="expo"]"#, WAIT).await?;
        screenshot(client, &format!("expo-{size}")).await?;
        press(client, "e").await?;
        click(client, r#"[data-testid="settings-button"]"#, WAIT).await?;
        for key in SETTINGS_PIN.chars() {
            click(client, &format!(r#"[data-pin-key="{key}"]"#), WAIT).await?;
        }
        click(client, r#"[data-testid="pin-ok"]"#, WAIT).await?;
        wait_for_element(client, r#"[data-testid="settings"]"#, WAIT).await?;
        screenshot(client, &format!("settings-{size}")).await?;
        anyhow::Ok(())
    }
    .await;
    session.close().await;
    result.expect("screenshots");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "makes documentation screenshots: run through `cargo xtask screenshots`"]
async fn screenshots_of_pairing() {
    let size = std::env::var("RAIL_SCREEN_SIZE").unwrap_or_else(|_| "1280x800".into());
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = HubProcess::start(dir.path()).expect("hub");
    let args = pairing_args(&hub.url, &dir.path().join("device.json"), dir.path());
    let session = AppSession::open(&args).await.expect("app");
    let client = &session.client;
    let result = async {
        click(client, r#"[data-testid="pair-name"]"#, WAIT).await?;
        wait_for_element(client, r#"[data-testid="on-screen-keyboard"]"#, WAIT).await?;
        screenshot(client, &format!("pairing-keyboard-{size}")).await?;
        click(
            client,
            r#"[data-testid="on-screen-keyboard"] [data-key="done"]"#,
            WAIT,
        )
        .await?;
        click(client, r#"[data-testid="pair-ask"]"#, WAIT).await?;
        wait_for_element(client, r#"[data-testid="pair-code"]"#, WAIT).await?;
        screenshot(client, &format!("pairing-code-{size}")).await?;
        anyhow::Ok(())
    }
    .await;
    session.close().await;
    result.expect("pairing screenshots");
}
