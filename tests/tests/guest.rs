//! A guest follows their order on a phone, with real processes: a real hub, a POS
//! posting, stations bumping, and the guest page in headless Chromium at phone size
//! behind a proxy that cuts the link. The page shows the order, each station's part
//! and a clear "ready"; after the link comes back it has every event it missed; a code
//! opens its own order only; a guest token reads nothing else; the link dies a grace
//! period after the order closes.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use rail_tests::browser::Browser;
use rail_tests::proxy::Proxy;
use rail_tests::window::{screenshot, text_of, wait_for_element};
use rail_tests::{eventually, HubOptions, HubProcess};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(20);

async fn post(hub: &HubProcess, token: &str, path: &str, body: Value) -> Value {
    let response = hub
        .client()
        .post(format!("{}{path}", hub.url))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

async fn page_seq(client: &fantoccini::Client) -> anyhow::Result<u64> {
    let main = client.find(Locator::Css("main")).await?;
    Ok(main
        .attr("data-seq")
        .await?
        .and_then(|s| s.parse().ok())
        .unwrap_or(0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_follows_their_order_through_a_cut_link_and_sees_it_ready() {
    let dir = tempfile::tempdir().expect("tempdir");
    // No grace: the link dies as soon as the order is served, so the test sees it.
    let hub = HubProcess::start_with(HubOptions::configured(
        dir.path(),
        "guest_grace_minutes = 0\n",
    ))
    .expect("hub");
    let pos = hub.token("pos", &[]);
    let cooks = hub.token("kds", &["*"]);
    let expo = hub.token("expo", &[]);
    let order = |id: &str, number: &str, items: Value| json!({ "id": id, "number": number, "orderType": "takeout", "items": items });
    hub.post_order(
        &pos,
        order(
            "o41",
            "41",
            json!([
                { "id": "a", "name": "Smash Burger", "qty": 2, "station": "grill" },
                { "id": "b", "name": "Fries", "qty": 1, "station": "fry" }
            ]),
        ),
    )
    .await
    .expect("order 41");
    hub.post_order(
        &pos,
        order(
            "o42",
            "42",
            json!([{ "name": "Caesar Salad", "station": "salad" }]),
        ),
    )
    .await
    .expect("order 42");
    let link = post(&hub, &pos, "/api/orders/o41/guest-link", json!({})).await;
    let again = post(&hub, &pos, "/api/orders/o41/guest-link", json!({})).await;
    assert_eq!(link, again, "one link per order");
    let code = link["code"].as_str().expect("code").to_owned();
    let other = post(&hub, &pos, "/api/orders/o42/guest-link", json!({})).await["code"]
        .as_str()
        .expect("code")
        .to_owned();

    let proxy = Proxy::start(hub.address()).await.expect("proxy");
    let browser = Browser::open_sized(390, 844).await.expect("chromium");
    let client = &browser.client;
    let result = async {
        client.goto(&format!("{}/o/{code}", proxy.url)).await?;
        let number = text_of(client, r#"[data-testid="guest-number"]"#, WAIT).await?;
        anyhow::ensure!(number == "#41", "{number}");
        wait_for_element(
            client,
            r#"[data-station="grill"][data-state="cooking"]"#,
            WAIT,
        )
        .await?;
        let items = text_of(client, r#"[data-testid="guest-items"]"#, WAIT).await?;
        anyhow::ensure!(
            items.contains("2× Smash Burger") && items.contains("1× Fries"),
            "{items}"
        );

        // The stations bump; "ready" shows within a second of the last bump.
        hub.bump(&cooks, "o41:grill").await?;
        wait_for_element(client, r#"[data-station="grill"][data-state="done"]"#, WAIT).await?;
        wait_for_element(client, r#"[data-step="preparing"].current"#, WAIT).await?;
        screenshot(client, "guest-preparing").await?;
        hub.bump(&cooks, "o41:fry").await?;
        let bumped = Instant::now();
        eventually("ready on the page", Duration::from_secs(1), || async {
            client
                .find(Locator::Css(r#"[data-testid="guest-ready"]"#))
                .await?;
            anyhow::Ok(())
        })
        .await?;
        let seen_after = bumped.elapsed();
        screenshot(client, "guest-ready").await?;

        // The link drops; the kitchen goes on; the page catches up with nothing missed.
        proxy.block();
        proxy.cut();
        wait_for_element(client, r#"[data-testid="guest-reconnecting"]"#, WAIT).await?;
        post(
            &hub,
            &pos,
            "/api/orders/o41/items",
            json!({ "items": [{ "id": "c", "name": "Milkshake", "qty": 1, "station": "bar" }] }),
        )
        .await;
        hub.bump(&cooks, "o41:bar").await?;
        proxy.unblock();
        let channel_end = hub.last_seq("order:o41");
        eventually("the page caught up", WAIT, || async {
            let seq = page_seq(client).await?;
            anyhow::ensure!(
                seq == channel_end,
                "page at {seq}, channel at {channel_end}"
            );
            client
                .find(Locator::Css(r#"[data-station="bar"][data-state="done"]"#))
                .await?;
            client
                .find(Locator::Css(r#"[data-testid="guest-ready"]"#))
                .await?;
            anyhow::Ok(())
        })
        .await?;
        let items = text_of(client, r#"[data-testid="guest-items"]"#, WAIT).await?;
        anyhow::ensure!(items.contains("1× Milkshake"), "{items}");

        // Another order's code shows that order, and nothing of this one.
        client.goto(&format!("{}/o/{other}", proxy.url)).await?;
        let number = text_of(client, r#"[data-testid="guest-number"]"#, WAIT).await?;
        let body = text_of(client, "main", WAIT).await?;
        anyhow::ensure!(
            number == "#42" && !body.contains("Burger") && body.contains("Caesar Salad"),
            "{body}"
        );
        client.goto(&format!("{}/o/zzzzzzzzzz", proxy.url)).await?;
        let gone = text_of(client, r#"[data-testid="guest-gone"]"#, WAIT).await?;
        anyhow::ensure!(gone.contains("No order here"), "{gone}");

        // Served: with no grace the link is closed at once.
        post(
            &hub,
            &expo,
            "/api/orders/o41/status",
            json!({ "status": "served" }),
        )
        .await;
        client.goto(&format!("{}/o/{code}", proxy.url)).await?;
        let gone = text_of(client, r#"[data-testid="guest-gone"]"#, WAIT).await?;
        anyhow::ensure!(gone.contains("This order is closed"), "{gone}");
        anyhow::Ok(seen_after)
    }
    .await;
    browser.close().await;
    let seen_after = result.expect("the guest page");
    assert!(
        seen_after < Duration::from_secs(1),
        "ready after {seen_after:?}"
    );

    let answer = hub
        .client()
        .get(format!("{}/api/guest/{code}", hub.url))
        .send()
        .await
        .expect("guest access");
    assert_eq!(answer.status().as_u16(), 410);
    let problem: Value = answer.json().await.expect("problem");
    assert_eq!(problem["code"], "ORDER_CLOSED", "{problem}");
}
