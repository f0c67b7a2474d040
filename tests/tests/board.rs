//! The pickup board on a dining-room TV, with real processes: a real hub, a POS posting
//! takeout, pickup, delivery and dine-in orders, stations bumping, expo serving, and the
//! board in headless Chromium at 1920×1080. Only counter orders show; one turns ready
//! within a second of its last bump; a collected one leaves at once and an uncollected
//! one after the board's set time; the numbers are big enough to read across a room.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use rail_tests::browser::Browser;
use rail_tests::window::{screenshot, wait_for_element};
use rail_tests::{eventually, HubProcess};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(20);

async fn numbers(client: &fantoccini::Client, column: &str) -> anyhow::Result<Vec<String>> {
    let mut numbers = Vec::new();
    for item in client
        .find_all(Locator::Css(&format!(
            r#"[data-testid="board-{column}"] li"#
        )))
        .await?
    {
        numbers.push(item.attr("data-number").await?.unwrap_or_default());
    }
    Ok(numbers)
}

async fn columns_are(
    client: &fantoccini::Client,
    what: &str,
    preparing: &[&str],
    ready: &[&str],
) -> anyhow::Result<()> {
    eventually(what, WAIT, || async {
        let shown = (
            numbers(client, "preparing").await?,
            numbers(client, "ready").await?,
        );
        anyhow::ensure!(shown.0 == preparing && shown.1 == ready, "{shown:?}");
        anyhow::Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pickup_board_shows_counter_orders_preparing_and_ready_across_the_room() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = HubProcess::start(dir.path()).expect("hub");
    let pos = hub.token("pos", &[]);
    let cooks = hub.token("kds", &["*"]);
    let expo = hub.token("expo", &[]);
    let admin = hub.token("admin", &[]);
    let client_http = hub.client();

    // Only an admin makes a board's link.
    let refused = client_http
        .post(format!("{}/api/board-link", hub.url))
        .bearer_auth(&pos)
        .send()
        .await
        .expect("board link")
        .status();
    assert_eq!(refused.as_u16(), 403);
    let link: Value = client_http
        .post(format!("{}/api/board-link", hub.url))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("board link")
        .json()
        .await
        .expect("json");
    let path = link["path"].as_str().expect("path");
    let fragment = path.split_once('#').map(|(_, f)| f).expect("fragment");

    let orders = [
        ("101", "takeout", None),
        ("102", "pickup", Some("Sam")),
        ("103", "dine-in", None),
        ("104", "delivery", None),
        ("105", "takeout", Some("Ana")),
        ("106", "pickup", None),
    ];
    for (number, order_type, guest) in orders {
        let mut order = json!({ "id": format!("o{number}"), "number": number, "orderType": order_type,
            "items": [{ "name": "Burger", "station": "grill" }] });
        if let Some(guest) = guest {
            order["guest"] = json!(guest);
        }
        hub.post_order(&pos, order).await.expect("order");
    }

    let browser = Browser::open_sized(1920, 1080).await.expect("chromium");
    let client = &browser.client;
    let result = async {
        // Ready orders stay up for six seconds on this board.
        client
            .goto(&format!("{}/board?ready=0.1#{fragment}", hub.url))
            .await?;
        columns_are(client, "counter orders preparing", &["101", "102", "104", "105", "106"], &[]).await?;

        hub.bump(&cooks, "o101:grill").await?;
        let bumped = Instant::now();
        eventually("101 ready", Duration::from_secs(1), || async {
            client
                .find(Locator::Css(r#"[data-testid="board-ready"] [data-number="101"]"#))
                .await?;
            anyhow::Ok(())
        })
        .await?;
        let seen_after = bumped.elapsed();
        hub.bump(&cooks, "o102:grill").await?;
        hub.bump(&cooks, "o103:grill").await?;
        columns_are(client, "101 and 102 ready", &["104", "105", "106"], &["101", "102"]).await?;
        let sam = wait_for_element(client, r#"[data-number="102"] .guest"#, WAIT).await?;
        anyhow::ensure!(sam.text().await? == "Sam");
        // Readable across a room: numbers at least 100 px tall on a 1080p screen.
        let size = client
            .execute(
                "return parseFloat(getComputedStyle(document.querySelector('[data-number=\"101\"]')).fontSize);",
                vec![],
            )
            .await?;
        anyhow::ensure!(size.as_f64().unwrap_or(0.0) >= 100.0, "font size {size}");
        screenshot(client, "board-1920x1080").await?;

        // Collected: gone at once. Not collected: gone after the board's time.
        let served = client_http
            .post(format!("{}/api/orders/o102/status", hub.url))
            .bearer_auth(&expo)
            .json(&json!({ "status": "served" }))
            .send()
            .await?;
        anyhow::ensure!(served.status().is_success(), "serve: {}", served.status());
        columns_are(client, "102 collected", &["104", "105", "106"], &["101"]).await?;
        columns_are(client, "101 left after waiting", &["104", "105", "106"], &[]).await?;
        anyhow::Ok(seen_after)
    }
    .await;
    browser.close().await;
    let seen_after = result.expect("the pickup board");
    assert!(
        seen_after < Duration::from_secs(1),
        "ready after {seen_after:?}"
    );
}
