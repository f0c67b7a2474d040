//! The whole path through real parts: a rail-hub process, screen engines with their own
//! SQLite files, real WebSockets and REST.

use std::time::Duration;

use rail_engine::{Engine, LinkState};
use rail_tests::{order_for, screen_config, wait_for, HubProcess};

const WAIT: Duration = Duration::from_secs(10);

fn online(engine: &Engine) -> bool {
    engine.state().status.connection.state == LinkState::Online
}

/// A screen engine following one station, with its cache at `db`.
fn station_screen(hub: &HubProcess, token: &str, station: &str, db: std::path::PathBuf) -> Engine {
    Engine::start(screen_config(
        hub,
        token.to_owned(),
        &[&format!("kds:{station}")],
        db,
    ))
    .expect("engine")
}

fn has_ticket(engine: &Engine, id: &str) -> bool {
    engine.state().board.tickets.iter().any(|t| t.id == id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_reaches_only_its_station_and_a_bump_reaches_hub_and_other_screen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = HubProcess::start(dir.path()).expect("hub");
    let pos = hub.token("pos", &[]);
    let grill_token = hub.token("kds", &["grill"]);
    let grill_a = station_screen(&hub, &grill_token, "grill", dir.path().join("a.sqlite3"));
    let grill_b = station_screen(&hub, &grill_token, "grill", dir.path().join("b.sqlite3"));
    let fry = station_screen(
        &hub,
        &hub.token("kds", &["fry"]),
        "fry",
        dir.path().join("c.sqlite3"),
    );
    wait_for("three screens online", WAIT, || {
        online(&grill_a) && online(&grill_b) && online(&fry)
    })
    .await;

    let grill_ticket = hub
        .post_order(&pos, order_for("17", "grill", "Cheeseburger"))
        .await
        .expect("order")[0]
        .clone();
    // A later order for fry: once fry shows it, fry has seen everything before it too,
    // so the grill ticket's absence there is a fact, not a race.
    let fry_ticket = hub
        .post_order(&pos, order_for("18", "fry", "Fries"))
        .await
        .expect("order")[0]
        .clone();
    wait_for("grill screens show #17", WAIT, || {
        has_ticket(&grill_a, &grill_ticket.id) && has_ticket(&grill_b, &grill_ticket.id)
    })
    .await;
    wait_for("fry screen shows #18", WAIT, || {
        has_ticket(&fry, &fry_ticket.id)
    })
    .await;
    assert!(
        !has_ticket(&fry, &grill_ticket.id),
        "the fry screen must not get grill tickets"
    );
    assert!(
        !has_ticket(&grill_a, &fry_ticket.id),
        "grill screens must not get fry tickets"
    );
    let shown = &grill_a.state().board.tickets[0];
    assert_eq!(shown.order_number, "17");
    assert_eq!(shown.items[0].modifiers, vec!["no onion".to_owned()]);

    grill_a.bump(&grill_ticket.id).expect("bump");
    assert!(
        !has_ticket(&grill_a, &grill_ticket.id),
        "a bumped ticket leaves the screen at once"
    );
    wait_for("the other grill screen drops #17", WAIT, || {
        !has_ticket(&grill_b, &grill_ticket.id)
    })
    .await;
    wait_for("the bump is acknowledged", WAIT, || {
        grill_a.state().status.pending_actions == 0
    })
    .await;
    let recorded = hub
        .ticket(&grill_token, &grill_ticket.id)
        .await
        .expect("ticket");
    assert_eq!(recorded.status, rail_protocol::TicketStatus::Bumped);
    assert_eq!(recorded.version, 2, "one bump, one version step");
    assert_eq!(
        grill_b.state().board.recent[0].id,
        grill_ticket.id,
        "the bumped ticket is first in the recall list"
    );

    for engine in [grill_a, grill_b, fry] {
        engine.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_crash_is_survived_with_cached_tickets_queued_bumps_and_new_orders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut hub = HubProcess::start_on(dir.path().join("hub.sqlite3"), 0, 1, None).expect("hub");
    let pos = hub.token("pos", &[]);
    let token = hub.token("kds", &["grill"]);
    let screen_db = dir.path().join("screen.sqlite3");
    let screen = station_screen(&hub, &token, "grill", screen_db.clone());
    wait_for("online", WAIT, || online(&screen)).await;
    let first = hub
        .post_order(&pos, order_for("1", "grill", "Burger"))
        .await
        .expect("order")[0]
        .clone();
    let second = hub
        .post_order(&pos, order_for("2", "grill", "Steak"))
        .await
        .expect("order")[0]
        .clone();
    wait_for("two tickets", WAIT, || {
        screen.state().board.tickets.len() == 2
    })
    .await;

    hub.kill();
    wait_for("the screen notices the hub is gone", WAIT, || {
        !online(&screen)
    })
    .await;
    assert_eq!(
        screen.state().board.tickets.len(),
        2,
        "cached tickets stay on screen while the hub is down"
    );
    screen.bump(&first.id).expect("bump while offline");
    assert_eq!(
        screen.state().board.tickets.len(),
        1,
        "an offline bump still takes the ticket off at once"
    );
    assert_eq!(
        screen.state().status.pending_actions,
        1,
        "the bump waits in the outbox"
    );

    hub.restart().expect("restart");
    let third = hub
        .post_order(&pos, order_for("3", "grill", "Ribs"))
        .await
        .expect("order")[0]
        .clone();
    wait_for("the new order after the restart", WAIT, || {
        has_ticket(&screen, &third.id)
    })
    .await;
    wait_for("the queued bump is delivered", WAIT, || {
        screen.state().status.pending_actions == 0
    })
    .await;
    let ids: Vec<String> = screen
        .state()
        .board
        .tickets
        .iter()
        .map(|t| t.id.clone())
        .collect();
    assert_eq!(
        ids,
        vec![second.id.clone(), third.id.clone()],
        "no ticket lost, doubled or resurrected"
    );
    assert_eq!(
        hub.ticket(&token, &first.id).await.expect("ticket").status,
        rail_protocol::TicketStatus::Bumped
    );
    let hub_open: Vec<String> = hub
        .open_tickets(&token, "grill")
        .await
        .expect("open")
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(hub_open, ids, "the screen equals the hub");
    screen.shutdown().await;

    // A screen restart (power cut) shows the cache at once, before any network.
    let rebooted = station_screen(&hub, &token, "grill", screen_db);
    let cached: Vec<String> = rebooted
        .state()
        .board
        .tickets
        .iter()
        .map(|t| t.id.clone())
        .collect();
    assert_eq!(
        cached, ids,
        "cached tickets are shown before the hub answers"
    );
    rebooted.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bump_of_a_ticket_the_hub_does_not_know_is_rejected_with_a_reason_not_retried_forever() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A configured secret, as an installer would set: tokens outlive the database.
    let secret = Some("replaced-hub-test-secret".to_owned());
    let mut hub = HubProcess::start_on(dir.path().join("hub.sqlite3"), 0, 25, secret).expect("hub");
    let pos = hub.token("pos", &[]);
    let token = hub.token("kds", &["grill"]);
    let screen = station_screen(&hub, &token, "grill", dir.path().join("s.sqlite3"));
    let ticket = hub
        .post_order(&pos, order_for("9", "grill", "Burger"))
        .await
        .expect("order")[0]
        .clone();
    wait_for("ticket shown", WAIT, || has_ticket(&screen, &ticket.id)).await;
    hub.kill();
    // The hub comes back with a new, empty database (a replaced machine): the screen's
    // cursor is from another epoch, so it must reset to the (empty) snapshot.
    std::fs::remove_file(&hub.db).expect("remove db");
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", hub.db.display()));
    }
    screen.bump(&ticket.id).expect("bump");
    hub.restart().expect("restart");
    wait_for("the rejection is recorded", WAIT, || {
        !screen.state().status.rejections.is_empty()
    })
    .await;
    let state = screen.state();
    assert_eq!(state.status.pending_actions, 0);
    assert_eq!(state.status.rejections[0].ticket_id, ticket.id);
    assert!(
        state.status.rejections[0].reason.contains("no ticket"),
        "{:?}",
        state.status.rejections
    );
    wait_for("the reset empties the rail", WAIT, || {
        screen.state().board.tickets.is_empty()
    })
    .await;
    screen.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item_bumps_reach_the_hub_and_the_last_one_clears_the_ticket() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = HubProcess::start(dir.path()).expect("hub");
    let pos = hub.token("pos", &[]);
    let token = hub.token("kds", &["grill"]);
    let screen = station_screen(&hub, &token, "grill", dir.path().join("s.sqlite3"));
    let order = serde_json::json!({ "number": "8", "items": [
        { "id": "a", "name": "Burger", "station": "grill" },
        { "id": "b", "name": "Steak", "station": "grill" }
    ] });
    let ticket = hub.post_order(&pos, order).await.expect("order")[0].clone();
    wait_for("ticket shown", WAIT, || has_ticket(&screen, &ticket.id)).await;

    screen.bump_item(&ticket.id, "a").expect("item bump");
    let shown = screen.state().board.tickets[0].clone();
    assert_eq!(
        shown.items[0].status,
        rail_protocol::ItemStatus::Done,
        "the item is done on screen at once"
    );
    wait_for("delivered", WAIT, || {
        screen.state().status.pending_actions == 0
    })
    .await;
    let at_hub = hub.ticket(&token, &ticket.id).await.expect("ticket");
    assert_eq!(
        (at_hub.items[0].status, at_hub.status),
        (
            rail_protocol::ItemStatus::Done,
            rail_protocol::TicketStatus::Open
        )
    );

    screen.bump_item(&ticket.id, "b").expect("item bump");
    assert!(
        !has_ticket(&screen, &ticket.id),
        "the last item takes the ticket off at once"
    );
    wait_for("delivered", WAIT, || {
        screen.state().status.pending_actions == 0
    })
    .await;
    assert_eq!(
        hub.ticket(&token, &ticket.id).await.expect("ticket").status,
        rail_protocol::TicketStatus::Bumped
    );
    assert!(
        screen.bump_item(&ticket.id, "zz").is_err(),
        "an unknown item is refused locally"
    );
    screen.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expo_sees_each_stations_progress_and_serves_the_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = HubProcess::start(dir.path()).expect("hub");
    let pos = hub.token("pos", &[]);
    let mut expo_config = screen_config(
        &hub,
        hub.token("expo", &[]),
        &[],
        dir.path().join("expo.sqlite3"),
    );
    expo_config.expo = true;
    let expo = Engine::start(expo_config).expect("expo");
    let grill = station_screen(
        &hub,
        &hub.token("kds", &["grill"]),
        "grill",
        dir.path().join("g.sqlite3"),
    );
    let fry = station_screen(
        &hub,
        &hub.token("kds", &["fry"]),
        "fry",
        dir.path().join("f.sqlite3"),
    );
    wait_for("online", WAIT, || {
        online(&expo) && online(&grill) && online(&fry)
    })
    .await;
    assert_eq!(
        expo.state().board.channels,
        vec!["location:demo".to_owned()],
        "expo learnt its location from the hub"
    );

    let order = serde_json::json!({ "id": "o9", "number": "9", "table": "T1", "items": [
        { "name": "Burger", "station": "grill", "qty": 2 },
        { "name": "Fries", "station": "fry" }
    ] });
    hub.post_order(&pos, order).await.expect("order");
    // One event per ticket: wait until both stations' tickets have arrived.
    wait_for("expo sees both stations of the order", WAIT, || {
        expo.state()
            .board
            .orders
            .first()
            .is_some_and(|o| o.stations.len() == 2)
    })
    .await;
    let at_pass = expo.state().board.orders[0].clone();
    let progress: Vec<(String, bool, u32)> = at_pass
        .stations
        .iter()
        .map(|s| (s.station.clone(), s.done, s.pending))
        .collect();
    assert_eq!(
        progress,
        vec![("fry".into(), false, 1), ("grill".into(), false, 2)]
    );
    assert!(!at_pass.ready);

    wait_for("grill has it", WAIT, || has_ticket(&grill, "o9:grill")).await;
    grill.bump("o9:grill").expect("bump");
    wait_for("expo sees grill done", WAIT, || {
        expo.state().board.orders[0]
            .stations
            .iter()
            .any(|s| s.station == "grill" && s.done)
    })
    .await;
    assert!(!expo.state().board.orders[0].ready, "fry is still cooking");
    wait_for("fry has it", WAIT, || has_ticket(&fry, "o9:fry")).await;
    fry.bump("o9:fry").expect("bump");
    wait_for("the order is ready at the pass", WAIT, || {
        expo.state().board.orders.first().is_some_and(|o| o.ready)
    })
    .await;

    expo.serve("o9").expect("serve");
    assert!(
        expo.state().board.orders.is_empty(),
        "served orders leave the pass at once"
    );
    wait_for("delivered", WAIT, || {
        expo.state().status.pending_actions == 0
    })
    .await;
    let status: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/orders/o9", hub.url))
        .bearer_auth(&pos)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(
        status["status"],
        "served",
        "rejections: {:?}",
        expo.state().status.rejections
    );
    for engine in [expo, grill, fry] {
        engine.shutdown().await;
    }
}

/// A screen whose reconnects back off for a long time still comes back as soon as the
/// hub listens again: the reachability probe ends the backoff early.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_screen_is_back_soon_after_the_hub_even_in_a_long_backoff() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut hub = HubProcess::start(dir.path()).expect("hub");
    let token = hub.token("kds", &["grill"]);
    let mut config = screen_config(&hub, token, &["kds:grill"], dir.path().join("s.sqlite3"));
    // Every backoff lasts at least 20 s: only the probe can bring it back sooner.
    config.backoff = rail_engine::Backoff {
        base: Duration::from_secs(40),
        cap: Duration::from_secs(40),
    };
    config.probe_interval = Duration::from_millis(200);
    let screen = Engine::start(config).expect("engine");
    wait_for("online", WAIT, || online(&screen)).await;

    hub.kill();
    // Probing means the screen failed to reach the hub and is in its backoff.
    wait_for("the screen probing a hub that is down", WAIT, || {
        !online(&screen) && screen.probes_sent() > 0
    })
    .await;
    hub.restart().expect("hub restart");
    wait_for(
        "the screen online again well before its 20 s backoff ends",
        Duration::from_secs(5),
        || online(&screen),
    )
    .await;
    screen.shutdown().await;
}

/// A heartbeat only moves the status (last word from the hub, its clock): it must not
/// read the tickets from the cache, copy them or send them to the window. 150
/// heartbeats (an hour's worth at the default 25 s) against an in-process hub.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_never_read_the_tickets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = rail_hub::HubConfig {
        heartbeat: Duration::from_millis(20),
        ..rail_hub::HubConfig::default()
    };
    let hub = rail_hub::Hub::open(&dir.path().join("hub.sqlite3"), config, None).expect("hub");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(rail_hub::run(listener, hub.clone(), std::future::pending()));
    let sign = |role, stations: &[String]| {
        hub.authority
            .issue(&rail_hub::auth::claims(
                "demo", role, stations, "test", 3600,
            ))
            .expect("token")
    };
    let pos = sign(rail_hub::auth::Role::Pos, &[]);
    let token = sign(rail_hub::auth::Role::Kds, &["grill".to_owned()]);
    let mut config = rail_engine::EngineConfig::new(
        url.clone(),
        token,
        vec!["kds:grill".into()],
        dir.path().join("screen.sqlite3"),
    );
    config.sound.enabled = false;
    let screen = Engine::start(config).expect("engine");
    wait_for("online", WAIT, || online(&screen)).await;
    let posted = reqwest::Client::new()
        .post(format!("{url}/api/orders"))
        .bearer_auth(&pos)
        .json(&order_for("1", "grill", "Burger"))
        .send()
        .await
        .expect("post");
    assert!(posted.status().is_success());
    wait_for("the ticket", WAIT, || {
        screen.state().board.tickets.len() == 1
    })
    .await;

    let reads = screen.board_reads();
    let mut status = screen.watch_status();
    let mut heartbeats = 0;
    // A link that drops (a loaded machine missing the 200 ms silence limit) costs two
    // reads when it comes back (the location learnt, the resubscription): each drop
    // is counted.
    let mut reconnects = 0;
    let mut was_online = true;
    while heartbeats < 150 {
        tokio::time::timeout(WAIT, status.changed())
            .await
            .expect("a heartbeat")
            .expect("engine running");
        let online_now = status.borrow_and_update().connection.state == LinkState::Online;
        if was_online && !online_now {
            reconnects += 1;
        }
        was_online = online_now;
        heartbeats += 1;
    }
    assert!(
        screen.board_reads() - reads <= 2 * reconnects,
        "{heartbeats} heartbeats read the tickets {} times ({reconnects} reconnections)",
        screen.board_reads() - reads
    );
    screen.shutdown().await;
}
