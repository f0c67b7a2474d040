//! Latency benchmark: a `rail-hub` process, 100 screen engines (the real engine, each
//! with its own SQLite cache) over five stations, and a POS posting at a steady rate.
//! Measures POS POST → ticket committed in each screen's store, and the bump round trip
//! (one screen bumps → the station's other screens drop the ticket). Then the same
//! again on a fresh hub beside 2,000 guests following their orders (10 phones on each
//! of 200 takeout orders whose tickets the pastry station bumps during the run), with
//! the hub's memory for both, so what guests cost the kitchen is read in one run. Run
//! by `cargo xtask bench-latency`; prints tables for `docs/benchmarks.md`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rail_engine::{Engine, LinkState};
use rail_tests::percentile;
use rail_tests::{screen_config, wait_for, HubProcess};

const STATIONS: [&str; 5] = ["grill", "fry", "saute", "salad", "bar"];
const SCREENS_PER_STATION: usize = 20;
const ORDERS: usize = 200;
const RATE_PER_SECOND: u64 = 20;

fn row(name: &str, mut values: Vec<f64>) {
    assert!(!values.is_empty(), "nothing measured for {name}");
    values.sort_by(f64::total_cmp);
    println!(
        "| {name} | {} | {:.2} | {:.2} | {:.2} | {:.2} |",
        values.len(),
        percentile(&values, 0.5),
        percentile(&values, 0.95),
        percentile(&values, 0.99),
        percentile(&values, 1.0)
    );
}

/// Guests beside the kitchen: orders they follow, and phones on each.
const GUEST_ORDERS: usize = 200;
const PHONES_PER_ORDER: usize = 10;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a benchmark: run through `cargo xtask bench-latency`"]
async fn hundred_screens_five_stations() {
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let quiet = run(false).await;
    let busy = run(true).await;
    println!("\n| hub | resident memory at the end (MiB) |\n|---|---|");
    println!("| 100 screens | {:.1} |", quiet);
    println!("| 100 screens + 2,000 guests | {:.1} |", busy);
}

/// Opens a guest's phone on `code`'s order: a socket that reads and drops everything.
async fn guest_phone(hub_url: String, code: String, client: reqwest::Client) -> usize {
    use futures_util::{SinkExt, StreamExt};
    let access: serde_json::Value = client
        .get(format!("{hub_url}/api/guest/{code}"))
        .send()
        .await
        .expect("guest access")
        .json()
        .await
        .expect("guest json");
    let url = format!("{}/api/socket", hub_url.replacen("http", "ws", 1));
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("guest socket");
    let auth = serde_json::json!({ "type": "auth", "token": access["token"] }).to_string();
    socket
        .send(tokio_tungstenite::tungstenite::Message::text(auth))
        .await
        .expect("auth");
    let subscribe =
        serde_json::json!({ "type": "subscribe", "channel": access["channel"] }).to_string();
    socket
        .send(tokio_tungstenite::tungstenite::Message::text(subscribe))
        .await
        .expect("subscribe");
    let mut frames = 0;
    while let Some(Ok(_)) = socket.next().await {
        frames += 1;
    }
    frames
}

/// One run; with `guests`, 2,000 guest phones follow 200 takeout orders throughout.
/// Answers the hub's resident memory at the end, in MiB.
async fn run(guests: bool) -> f64 {
    let dir = tempfile::tempdir().expect("tempdir");
    // Screens each have their own disk in a kitchen; on one machine their caches live
    // in memory-backed storage so 100 fsyncs per order measure the software, not one disk.
    let caches = tempfile::tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .expect("cache dir");
    let hub = HubProcess::start(dir.path()).expect("hub");
    let pos = hub.token("pos", &[]);
    let mut screens: Vec<(String, Engine)> = Vec::new();
    for station in STATIONS {
        let token = hub.token("kds", &[station]);
        for n in 0..SCREENS_PER_STATION {
            let db = caches.path().join(format!("{station}-{n}.sqlite3"));
            let engine = Engine::start(screen_config(
                &hub,
                token.clone(),
                &[&format!("kds:{station}")],
                db,
            ))
            .expect("engine");
            screens.push((station.to_owned(), engine));
        }
    }
    wait_for("every screen online", Duration::from_secs(60), || {
        screens
            .iter()
            .all(|(_, e)| e.state().status.connection.state == LinkState::Online)
    })
    .await;

    // The guests' orders wait at a station no screen here follows; their phones follow.
    let mut phones = Vec::new();
    if guests {
        let client = hub.client();
        for n in 0..GUEST_ORDERS {
            let order = serde_json::json!({ "id": format!("g{n}"), "number": format!("G{n}"), "orderType": "takeout",
                "items": [{ "name": "Cake", "station": "pastry" }] });
            hub.post_order(&pos, order).await.expect("guest order");
            let link: serde_json::Value = client
                .post(format!("{}/api/orders/g{n}/guest-link", hub.url))
                .bearer_auth(&pos)
                .send()
                .await
                .expect("link")
                .json()
                .await
                .expect("link json");
            let code = link["code"].as_str().expect("code").to_owned();
            for _ in 0..PHONES_PER_ORDER {
                phones.push(tokio::spawn(guest_phone(
                    hub.url.clone(),
                    code.clone(),
                    client.clone(),
                )));
            }
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    let pastry = hub.token("kds", &["pastry"]);

    // When each screen first shows each ticket, and when it drops it.
    type Seen = Arc<Mutex<HashMap<(usize, String), (Instant, Option<Instant>)>>>;
    let seen: Seen = Arc::new(Mutex::new(HashMap::new()));
    for (index, (_, engine)) in screens.iter().enumerate() {
        let mut boards = engine.watch_board();
        let seen = seen.clone();
        tokio::spawn(async move {
            while boards.changed().await.is_ok() {
                let now = Instant::now();
                let open: Vec<String> = boards
                    .borrow_and_update()
                    .tickets
                    .iter()
                    .map(|t| t.id.clone())
                    .collect();
                let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
                for id in &open {
                    seen.entry((index, id.clone())).or_insert((now, None));
                }
                for ((screen, id), (_, gone)) in seen.iter_mut() {
                    if *screen == index && gone.is_none() && !open.contains(id) {
                        *gone = Some(now);
                    }
                }
            }
        });
    }

    let client = reqwest::Client::new();
    let mut posted: Vec<(String, Instant)> = Vec::with_capacity(ORDERS);
    let mut ticker = tokio::time::interval(Duration::from_millis(1000 / RATE_PER_SECOND));
    for n in 0..ORDERS {
        ticker.tick().await;
        let station = STATIONS[n % STATIONS.len()];
        let order = serde_json::json!({ "id": format!("b{n}"), "number": n.to_string(), "items": [{ "name": "Dish", "station": station }] });
        let sent = Instant::now();
        let response = client
            .post(format!("{}/api/orders", hub.url))
            .bearer_auth(&pos)
            .json(&order)
            .send()
            .await
            .expect("post");
        assert!(
            response.status().is_success(),
            "order {n}: {}",
            response.status()
        );
        posted.push((format!("b{n}:{station}"), sent));
        // Each guest order turns ready during the run: its ten phones are told.
        if guests && n < GUEST_ORDERS {
            let bumped = client
                .post(format!("{}/api/tickets/g{n}:pastry/bump", hub.url))
                .bearer_auth(&pastry)
                .send()
                .await
                .expect("pastry bump");
            assert!(bumped.status().is_success());
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    // Bump round trip: the first screen of each station bumps 10 of its tickets.
    let mut bumped: Vec<(String, String, Instant)> = Vec::new();
    for (station_index, station) in STATIONS.iter().enumerate() {
        let (_, engine) = &screens[station_index * SCREENS_PER_STATION];
        for ticket in engine.state().board.tickets.iter().take(10) {
            bumped.push(((*station).to_owned(), ticket.id.clone(), Instant::now()));
            engine.bump(&ticket.id).expect("bump");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    let seen = seen.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let mut delivery = Vec::new();
    let mut missing = 0;
    for (index, (station, _)) in screens.iter().enumerate() {
        for (id, sent) in posted
            .iter()
            .filter(|(id, _)| id.ends_with(&format!(":{station}")))
        {
            match seen.get(&(index, id.clone())) {
                Some((at, _)) => delivery.push(at.duration_since(*sent).as_secs_f64() * 1000.0),
                None => missing += 1,
            }
        }
    }
    let mut round_trip = Vec::new();
    for (station, id, at) in &bumped {
        for (index, (screen_station, _)) in screens.iter().enumerate() {
            if screen_station == station && index % SCREENS_PER_STATION != 0 {
                if let Some((_, Some(gone))) = seen.get(&(index, id.clone())) {
                    round_trip.push(gone.duration_since(*at).as_secs_f64() * 1000.0);
                }
            }
        }
    }
    let memory = rail_tests::loadgen::rss_kib(hub.pid()) as f64 / 1024.0;
    let beside = if guests {
        format!(
            ", beside {} guest phones on {GUEST_ORDERS} orders",
            phones.len()
        )
    } else {
        String::new()
    };
    println!("\n{} screens ({SCREENS_PER_STATION} per station × {} stations), {ORDERS} orders at {RATE_PER_SECOND}/s{beside}", screens.len(), STATIONS.len());
    println!("\n| measure (ms) | samples | p50 | p95 | p99 | max |");
    println!("|---|---|---|---|---|---|");
    row("POS POST → ticket committed in a screen's store", delivery);
    row(
        "bump on one screen → gone from the station's other screens",
        round_trip,
    );
    println!("\nundelivered (order, screen) pairs: {missing}");
    assert_eq!(
        missing, 0,
        "every screen must get every ticket of its station"
    );
    for (_, engine) in screens {
        engine.shutdown().await;
    }
    drop(hub);
    // Every phone was told of its order's changes before the hub went.
    for phone in phones {
        let frames = phone.await.expect("phone");
        assert!(frames >= 3, "a guest phone got {frames} frames");
    }
    memory
}
