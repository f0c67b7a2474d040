//! Scheduled orders with real processes: a hub holds each station's ticket of an order
//! due later and fires it so every station finishes together by the due time (its
//! longest item's prep time before it), on hub time; a hub restarted in between loses
//! no fire time; a past due time fires at once; a screen that was away sees the fired
//! ticket when it comes back.

use std::time::{Duration, Instant};

use rail_tests::eventually::{eventually, holds};
use rail_tests::screen::ScreenProcess;
use rail_tests::{now_ms, HubOptions, HubProcess};
use serde_json::{json, Value};

/// How late after its fire time a ticket may be fired: the scheduler wakes at the
/// fire time, and this machine is shared with other tests.
const TOLERANCE_MS: i64 = 1_000;

fn hub_with_menu(dir: &std::path::Path) -> HubProcess {
    HubProcess::start_with(HubOptions {
        heartbeat_secs: 1,
        ..HubOptions::configured(
            dir,
            "default_prep_minutes = 0.1\n[prep_times]\n\"Caesar salad\" = 0.05\n",
        )
    })
    .expect("hub")
}

async fn post(hub: &HubProcess, token: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{}/api/orders", hub.url))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 201);
    response.json().await.expect("json")
}

fn ticket_of<'a>(created: &'a Value, station: &str) -> &'a Value {
    created["tickets"]
        .as_array()
        .and_then(|all| all.iter().find(|t| t["station"] == station))
        .unwrap_or_else(|| panic!("no {station} ticket in {created}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_station_fires_so_all_finish_by_the_due_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = hub_with_menu(dir.path());
    let pos = hub.token("pos", &[]);
    // Hub and test share this machine's clock, so the due time is in hub time.
    let due = now_ms() + 8_000;
    let created = post(
        &hub,
        &pos,
        json!({ "id": "s1", "number": "41", "orderType": "pickup", "dueAtMs": due, "items": [
            { "name": "Ribeye", "station": "grill", "prepSecs": 4 },
            { "name": "Burger", "station": "grill", "prepSecs": 2 },
            { "name": "Caesar salad", "station": "salad" },
            { "name": "Soup", "station": "saute" }
        ] }),
    )
    .await;
    // Held at first, each with the fire time of its longest item: the ribeye's own
    // 4 s, the salad's from the menu (3 s), the soup's from the default (6 s).
    let expected = [
        ("grill", due - 4_000),
        ("salad", due - 3_000),
        ("saute", due - 6_000),
    ];
    for (station, fire_at) in expected {
        let ticket = ticket_of(&created, station);
        assert_eq!(ticket["status"], "held", "{station}: {ticket}");
        assert_eq!(ticket["fireAtMs"], fire_at, "{station}: {ticket}");
        assert_eq!(ticket["dueAtMs"], due);
    }

    // Each is fired at its time, not before, and not much after.
    eventually("every station fired", Duration::from_secs(15), || async {
        let fired = expected.iter().all(|(s, _)| {
            hub.event_time(&format!("kds:{s}"), "kds:ticket-fired", &format!("s1:{s}"))
                .is_some()
        });
        holds(fired)
    })
    .await
    .expect("fired");
    for (station, fire_at) in expected {
        let at = hub
            .event_time(
                &format!("kds:{station}"),
                "kds:ticket-fired",
                &format!("s1:{station}"),
            )
            .expect("fired");
        assert!(
            (fire_at..=fire_at + TOLERANCE_MS).contains(&at),
            "{station} fired at {at}, {} ms from its fire time {fire_at}",
            at - fire_at
        );
        let ticket = hub
            .ticket(&pos, &format!("s1:{station}"))
            .await
            .expect("ticket");
        assert_eq!(ticket.status, rail_protocol::TicketStatus::Open);
        assert_eq!(
            ticket.created_at_ms, at,
            "{station}'s timer starts when it fires"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_loses_no_fire_time_and_a_screen_away_sees_the_fired_ticket() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut hub = hub_with_menu(dir.path());
    let pos = hub.token("pos", &[]);
    let grill = hub.token("kds", &["grill"]);

    // Due in the past: no waiting.
    let late = post(
        &hub,
        &pos,
        json!({ "id": "late", "number": "42", "dueAtMs": now_ms() - 60_000, "items": [
            { "name": "Ribeye", "station": "grill", "prepSecs": 600 }
        ] }),
    )
    .await;
    assert_eq!(ticket_of(&late, "grill")["status"], "open", "{late}");

    // Due in 5 s with 2 s of cooking: fires in 3 s — while the hub is down.
    let due = now_ms() + 5_000;
    let created = post(
        &hub,
        &pos,
        json!({ "id": "r1", "number": "43", "dueAtMs": due, "items": [
            { "name": "Ribeye", "station": "grill", "prepSecs": 2 }
        ] }),
    )
    .await;
    assert_eq!(ticket_of(&created, "grill")["status"], "held");
    hub.kill();
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    let restarted = Instant::now();
    let restarted_at = now_ms();
    hub.restart().expect("hub back");
    eventually(
        "fired after the restart",
        Duration::from_secs(10),
        || async {
            holds(
                hub.event_time("kds:grill", "kds:ticket-fired", "r1:grill")
                    .is_some(),
            )
        },
    )
    .await
    .expect("fired after restart");
    let at = hub
        .event_time("kds:grill", "kds:ticket-fired", "r1:grill")
        .expect("fired");
    assert!(
        at >= restarted_at - 50 && restarted.elapsed() < Duration::from_secs(10),
        "fired at {at}, the hub came back at {restarted_at}"
    );

    // A grill screen started only now sees both tickets on its rail.
    let mut screen =
        ScreenProcess::start(&hub.url, &grill, "grill", dir.path().join("grill.sqlite3"));
    eventually(
        "the screen shows the fired tickets",
        Duration::from_secs(15),
        || async {
            let open = screen.open();
            holds(
                open.iter().any(|(id, _)| id == "r1:grill")
                    && open.iter().any(|(id, _)| id == "late:grill"),
            )
        },
    )
    .await
    .expect("screen");
    screen.kill();
}
