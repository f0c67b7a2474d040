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

/// A request that must succeed; its JSON body.
async fn succeed(
    hub: &HubProcess,
    method: reqwest::Method,
    token: &str,
    path: &str,
    body: Option<&Value>,
) -> Value {
    let (status, body) = hub
        .request_json(method, path, Some(token), body)
        .await
        .expect("request");
    assert!((200..300).contains(&status), "{path}: {status} {body}");
    body
}

async fn post(hub: &HubProcess, token: &str, path: &str, body: Value) -> Value {
    succeed(hub, reqwest::Method::POST, token, path, Some(&body)).await
}

async fn get(hub: &HubProcess, token: &str, path: &str) -> Value {
    succeed(hub, reqwest::Method::GET, token, path, None).await
}

/// A hub whose guest links die as soon as their order closes or their party leaves, so
/// a test sees it.
fn hub_without_grace(dir: &std::path::Path) -> HubProcess {
    HubProcess::start_with(HubOptions::configured(dir, "guest_grace_minutes = 0\n")).expect("hub")
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
    let hub = hub_without_grace(dir.path());
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

async fn seat(hub: &HubProcess, token: &str, table: &str, key: Option<&str>) -> Value {
    let mut request = hub
        .client()
        .post(format!("{}/api/tables/{table}/session", hub.url))
        .bearer_auth(token);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.expect("seat");
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 201, "seating {table}: {body}");
    body
}

async fn orders_on_page(client: &fantoccini::Client) -> anyhow::Result<Vec<(String, String)>> {
    let mut orders = Vec::new();
    for card in client
        .find_all(Locator::Css(r#"[data-testid="guest-order"]"#))
        .await?
    {
        let number = card.attr("data-number").await?.unwrap_or_default();
        let stage = card.attr("data-stage").await?.unwrap_or_default();
        orders.push((number, stage));
    }
    Ok(orders)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tables_party_follows_its_own_orders_and_never_the_next_partys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = hub_without_grace(dir.path());
    let pos = hub.token("pos", &[]);
    let cooks = hub.token("kds", &["*"]);
    let dine_in = |id: &str, table: &str, name: &str, station: &str| {
        json!({ "id": id, "number": &id[1..], "table": table, "orderType": "dine-in",
                "items": [{ "name": name, "station": station }] })
    };

    // The first party sits at T5; a retried seating answers the same session.
    let first = seat(&hub, &pos, "T5", Some("seat-t5-1")).await;
    let retried = seat(&hub, &pos, "T5", Some("seat-t5-1")).await;
    assert_eq!(first, retried, "an idempotent retry seats nobody new");
    let first_code = first["code"].as_str().expect("code").to_owned();
    let first_session = first["sessionId"].as_str().expect("id").to_owned();
    hub.post_order(&pos, dine_in("o51", "T5", "Ribeye", "grill"))
        .await
        .expect("51");
    // Another table's order is not this party's.
    hub.post_order(&pos, dine_in("o61", "T6", "Lobster Roll", "grill"))
        .await
        .expect("61");

    let proxy = Proxy::start(hub.address()).await.expect("proxy");
    let browser = Browser::open_sized(390, 844).await.expect("chromium");
    let client = &browser.client;
    let result = async {
        client
            .goto(&format!("{}/o/{first_code}", proxy.url))
            .await?;
        let table = text_of(client, r#"[data-testid="guest-table"]"#, WAIT).await?;
        anyhow::ensure!(table == "T5", "{table}");
        eventually("#51 on the page", WAIT, || async {
            let orders = orders_on_page(client).await?;
            anyhow::ensure!(orders == [("51".into(), "received".into())], "{orders:?}");
            anyhow::Ok(())
        })
        .await?;

        // The party orders more while the page is open; it arrives, and turns ready.
        hub.post_order(&pos, dine_in("o52", "T5", "Truffle Fries", "fry"))
            .await?;
        eventually("#52 on the page", WAIT, || async {
            let orders = orders_on_page(client).await?;
            anyhow::ensure!(orders.len() == 2 && orders[1].0 == "52", "{orders:?}");
            anyhow::Ok(())
        })
        .await?;
        hub.bump(&cooks, "o52:fry").await?;
        let bumped = Instant::now();
        eventually("#52 ready", Duration::from_secs(1), || async {
            let banner = text_of(client, r#"[data-testid="guest-ready"]"#, Duration::ZERO).await?;
            anyhow::ensure!(banner.contains("#52"), "{banner}");
            anyhow::Ok(())
        })
        .await?;
        let seen_after = bumped.elapsed();
        let body = text_of(client, "main", WAIT).await?;
        anyhow::ensure!(
            body.contains("Ribeye") && body.contains("Truffle Fries") && !body.contains("Lobster"),
            "{body}"
        );
        screenshot(client, "guest-table").await?;

        // The party leaves and the next one sits: the first page, still open, hears
        // nothing of the next party's order.
        let next = seat(&hub, &pos, "T5", None).await;
        let next_code = next["code"].as_str().expect("code").to_owned();
        let next_session = next["sessionId"].as_str().expect("id").to_owned();
        anyhow::ensure!(next_session != first_session, "a new session");
        hub.post_order(&pos, dine_in("o53", "T5", "Oysters", "raw-bar"))
            .await?;
        let next_channel = format!("session:{next_session}");
        anyhow::ensure!(
            hub.last_seq(&next_channel) > 0,
            "the next party's order went to its own session"
        );
        // Two seconds is ample for an event to reach a page that is live (it took
        // under one above); the page must show nothing of the next party all that
        // while. (Its own party's channel may still move: delivery alerts for #51 and
        // #52, which no screen here takes.)
        let watch = Instant::now();
        while watch.elapsed() < Duration::from_secs(2) {
            let body = text_of(client, "main", WAIT).await?;
            anyhow::ensure!(!body.contains("Oysters") && !body.contains("#53"), "{body}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        // And it was live all along: it is level with its own party's channel.
        let first_channel = format!("session:{first_session}");
        eventually("the first page level with its channel", WAIT, || async {
            let (seq, end) = (page_seq(client).await?, hub.last_seq(&first_channel));
            anyhow::ensure!(seq == end, "page at {seq}, channel at {end}");
            anyhow::Ok(())
        })
        .await?;

        // Reopened (no grace here), the first link has ended; the next party's shows
        // theirs only.
        client
            .goto(&format!("{}/o/{first_code}", proxy.url))
            .await?;
        let gone = text_of(client, r#"[data-testid="guest-gone"]"#, WAIT).await?;
        anyhow::ensure!(gone.contains("Thanks for visiting"), "{gone}");
        client.goto(&format!("{}/o/{next_code}", proxy.url)).await?;
        eventually("#53 only", WAIT, || async {
            let orders = orders_on_page(client).await?;
            anyhow::ensure!(orders == [("53".into(), "received".into())], "{orders:?}");
            anyhow::Ok(())
        })
        .await?;
        let body = text_of(client, "main", WAIT).await?;
        anyhow::ensure!(
            !body.contains("Ribeye") && !body.contains("Truffle"),
            "{body}"
        );
        anyhow::Ok(seen_after)
    }
    .await;
    browser.close().await;
    let seen_after = result.expect("the table's guest page");
    assert!(
        seen_after < Duration::from_secs(1),
        "ready after {seen_after:?}"
    );

    // REST: the open session, closing it, and the answers around it.
    let client = hub.client();
    let open = get(&hub, &pos, "/api/tables/T5/session").await;
    assert!(open["closedAtMs"].is_null(), "{open}");
    let closed = client
        .delete(format!("{}/api/tables/T5/session", hub.url))
        .bearer_auth(&pos)
        .send()
        .await
        .expect("delete");
    assert_eq!(closed.status().as_u16(), 200);
    let closed: Value = closed.json().await.expect("json");
    assert_eq!(closed["sessionId"], open["sessionId"]);
    assert!(closed["closedAtMs"].is_i64(), "{closed}");
    let answer = client
        .get(format!(
            "{}/api/guest/{}",
            hub.url,
            open["code"].as_str().unwrap_or("")
        ))
        .send()
        .await
        .expect("guest access");
    assert_eq!(answer.status().as_u16(), 410);
    let problem: Value = answer.json().await.expect("problem");
    assert_eq!(problem["code"], "PARTY_LEFT", "{problem}");
    for (method, path, token, status) in [
        ("GET", "/api/tables/T5/session", &pos, 404),
        ("DELETE", "/api/tables/T5/session", &pos, 404),
        ("POST", "/api/tables/T%205/session", &pos, 422),
        ("POST", "/api/tables/T5/session", &cooks, 403),
    ] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let response = client
            .request(method.clone(), format!("{}{path}", hub.url))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), status, "{method} {path}");
        let problem: Value = response.json().await.expect("problem json");
        assert!(problem["detail"].is_string(), "{problem}");
    }
    // An order posted after the party left joins no session.
    hub.post_order(&pos, dine_in("o54", "T5", "Soup", "grill"))
        .await
        .expect("54");
    let order = get(&hub, &pos, "/api/orders/o54").await;
    assert!(order.get("tableSession").is_none(), "{order}");
}
