//! Screenshots of every view for `docs/screenshots/`, made by the real app in kiosk
//! mode (filling whatever screen Xvfb has). Run by `cargo xtask screenshots`, which
//! runs it at 1280×800 and 1920×1080; not part of the test suite.

use std::time::Duration;

use rail_tests::window::{
    click, expo_pin_screen_args, pairing_args, press, screenshot, wait_for_element, AppSession,
    SETTINGS_PIN,
};
use rail_tests::{now_ms, HubProcess};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(20);

/// A kitchen twenty minutes into a rush: tickets of every age (the POS says when each
/// was placed), a rush, changes and a void the cooks have not confirmed, orders from
/// the till, a kiosk, the website and a delivery app, a pickup scheduled for later, and
/// some stations already done so expo shows partial progress.
async fn mid_service(hub: &HubProcess, pos: &str) -> anyhow::Result<()> {
    let now = now_ms();
    let ago = |minutes: f64| now - (minutes * 60_000.0) as i64;
    let client = reqwest::Client::new();
    let send = |method: reqwest::Method, path: String, token: &str, body: Option<Value>| {
        let mut request = client
            .request(method, format!("{}{path}", hub.url))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move {
            let response = request.send().await?;
            anyhow::ensure!(
                response.status().is_success(),
                "{path}: {}",
                response.status()
            );
            anyhow::Ok(())
        }
    };
    let orders = [
        json!({ "id": "o201", "number": "201", "table": "T4", "server": "Ana", "placedAtMs": ago(14.2), "items": [
            { "id": "1", "name": "Ribeye", "station": "grill", "modifiers": ["medium rare"] },
            { "id": "2", "name": "Fries", "station": "fry" } ] }),
        json!({ "id": "o202", "number": "202", "orderType": "takeout", "guest": "Marta", "source": { "channel": "online" },
            "placedAtMs": ago(11.5), "items": [
            { "name": "Smash Burger", "station": "grill", "modifiers": ["no onion"], "allergens": ["gluten"] } ] }),
        json!({ "id": "o203", "number": "203", "table": "T7", "rush": true, "placedAtMs": ago(7.3), "items": [
            { "name": "Chicken thighs", "station": "grill" }, { "name": "Caesar salad", "station": "salad", "allergens": ["egg", "fish"] } ] }),
        json!({ "id": "o204", "number": "204", "orderType": "delivery", "guest": "Leo",
            "source": { "channel": "third-party", "name": "Uber Eats" }, "placedAtMs": ago(6.1), "items": [
            { "name": "Smash Burger", "qty": 2, "station": "grill" }, { "name": "Fries", "station": "fry", "qty": 2 } ] }),
        json!({ "id": "o205", "number": "205", "orderType": "drive-thru", "source": { "channel": "kiosk" }, "placedAtMs": ago(2.4), "items": [
            { "name": "Smash Burger", "station": "grill" } ] }),
        json!({ "id": "o206", "number": "206", "table": "T2", "server": "Rui", "placedAtMs": ago(3.2), "items": [
            { "id": "1", "name": "Salmon", "station": "grill", "notes": "sauce on the side" },
            { "id": "2", "name": "Green salad", "station": "salad", "allergens": ["nuts"] } ] }),
        json!({ "id": "o207", "number": "207", "orderType": "pickup", "guest": "Sam", "source": { "channel": "phone" },
            "notes": "birthday: candle on the dessert", "placedAtMs": ago(1.1), "items": [
            { "name": "Ribeye", "station": "grill", "modifiers": ["well done"] } ] }),
        json!({ "id": "o208", "number": "208", "table": "T9", "placedAtMs": ago(4.4), "items": [
            { "id": "1", "name": "Ribeye", "station": "grill" }, { "id": "2", "name": "Onion rings", "station": "grill" } ] }),
        json!({ "id": "o209", "number": "209", "orderType": "pickup", "guest": "Noa", "source": { "channel": "online" },
            "dueAtMs": now + 25 * 60_000, "items": [
            { "name": "Ribeye", "station": "grill", "prepSecs": 720 }, { "name": "Caesar salad", "station": "salad", "prepSecs": 180 } ] }),
        json!({ "id": "o210", "number": "210", "table": "T11", "items": [ { "name": "Smash Burger", "station": "grill" } ] }),
    ];
    for order in orders {
        send(
            reqwest::Method::POST,
            "/api/orders".into(),
            pos,
            Some(order),
        )
        .await?;
    }
    // Changes the cooks have not confirmed yet: an item added, an item voided.
    send(
        reqwest::Method::POST,
        "/api/orders/o206/items".into(),
        pos,
        Some(json!({ "items": [ { "name": "Extra fries", "station": "grill" } ] })),
    )
    .await?;
    send(
        reqwest::Method::POST,
        "/api/orders/o208/items/2/void".into(),
        pos,
        None,
    )
    .await?;
    // Some stations are done: expo sees those orders part-way.
    let cooks = hub.token("kds", &["*"]);
    for ticket in ["o201:fry", "o204:fry", "o203:salad"] {
        send(
            reqwest::Method::POST,
            format!("/api/tickets/{ticket}/bump"),
            &cooks,
            None,
        )
        .await?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "makes documentation screenshots: run through `cargo xtask screenshots`"]
async fn screenshots_of_every_view() {
    let size = std::env::var("RAIL_SCREEN_SIZE").unwrap_or_else(|_| "1280x800".into());
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = HubProcess::start(dir.path()).expect("hub");
    let pos = hub.token("pos", &[]);
    // The line's own screens, out of the picture: every ticket reaches its station, so
    // expo shows no delivery alert.
    let _line: Vec<rail_tests::screen::ScreenProcess> = ["grill", "fry", "salad"]
        .iter()
        .map(|station| {
            rail_tests::screen::ScreenProcess::start(
                &hub.url,
                &hub.token("kds", &[station]),
                station,
                dir.path().join(format!("{station}.sqlite3")),
            )
        })
        .collect();
    mid_service(&hub, &pos)
        .await
        .expect("a kitchen mid-service");
    let mut args =
        expo_pin_screen_args(dir.path(), &hub.url, &hub.token("expo", &[])).expect("config");
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
