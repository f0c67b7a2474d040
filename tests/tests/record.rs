//! The service on record, with real processes: the flight recorder rebuilds a station's
//! screen at an instant from the hub's record, and it equals what a screen that was
//! really running showed then — across a hub restart and a pruned history that sent
//! the screen a fresh snapshot; the speed-of-service report's figures equal the ones
//! worked out here from the tickets' own times, and its CSV reads back to them.

use std::time::Duration;

use rail_tests::eventually::{eventually, holds};
use rail_tests::screen::ScreenProcess;
use rail_tests::{now_ms, HubOptions, HubProcess};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(20);

/// What a screen shows of a ticket that the recorder must show alike.
fn shown(tickets: &Value) -> Vec<Value> {
    tickets
        .as_array()
        .map(|list| {
            list.iter()
                .map(|t| {
                    let items: Vec<Value> = t["items"]
                        .as_array()
                        .map(|items| {
                            items
                                .iter()
                                .map(|i| json!([i["id"], i["status"], i["qty"]]))
                                .collect()
                        })
                        .unwrap_or_default();
                    json!({"id": t["id"], "version": t["version"], "status": t["status"], "items": items})
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A moment the screen is settled: it shows what the hub has and has nothing to send.
/// Answers the instant (hub time) and what the screen showed then.
async fn settled(hub: &HubProcess, token: &str, screen: &ScreenProcess) -> (i64, Value) {
    eventually("the screen to show what the hub has", WAIT, || async {
        let hub_open = hub.open_versions(token, "grill").await;
        holds(screen.online() && screen.pending() == 0 && screen.open() == hub_open)
    })
    .await
    .expect("settled");
    let at = now_ms();
    let state = screen.state();
    // Nothing happens in the same millisecond as the capture.
    tokio::time::sleep(Duration::from_millis(5)).await;
    (at, state)
}

async fn get(hub: &HubProcess, token: &str, path: &str) -> (u16, Value) {
    hub.request_json(reqwest::Method::GET, path, Some(token), None)
        .await
        .expect("request")
}

async fn post(hub: &HubProcess, token: &str, path: &str) {
    let response = hub
        .client()
        .post(format!("{}{path}", hub.url))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
}

fn order(number: &str) -> Value {
    json!({
        "id": format!("o{number}"),
        "number": number,
        "items": [
            {"id": "a", "name": "Burger", "qty": 2, "station": "grill"},
            {"id": "b", "name": "Bacon", "qty": 1, "station": "grill"}
        ]
    })
}

fn nearest_rank(mut values: Vec<i64>, percent: f64) -> i64 {
    values.sort();
    let rank = (percent / 100.0 * values.len() as f64).ceil() as usize;
    values[rank.max(1) - 1]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_recorder_shows_what_a_running_screen_showed_across_restart_and_reset() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A short history, so that after the restart the screen's place in it is gone and
    // it is sent a fresh snapshot; the record is kept apart and loses nothing.
    let mut hub = HubProcess::start_with(HubOptions::configured(
        dir.path(),
        "history_per_channel = 2\ndelivery_alert_secs = 3600\n",
    ))
    .expect("hub");
    let start = now_ms();
    let pos = hub.token("pos", &[]);
    let admin = hub.token("admin", &[]);
    let kds = hub.device_token("kds", &["grill"], "grill-1");
    let other_grill = hub.device_token("kds", &["grill"], "grill-2");
    let mut screen =
        ScreenProcess::start(&hub.url, &kds, "grill", dir.path().join("grill-1.sqlite3"));
    let mut captured: Vec<(i64, Value)> = Vec::new();

    for number in ["1", "2", "3"] {
        hub.post_order(&pos, order(number)).await.expect("order");
    }
    captured.push(settled(&hub, &admin, &screen).await);

    screen.command_answered("bump o1:grill", WAIT);
    screen.command_answered("bump-item o2:grill a", WAIT);
    captured.push(settled(&hub, &admin, &screen).await);
    let cursor_before = hub.last_seq("kds:grill");

    // The screen goes dark; the kitchen goes on without it.
    screen.kill();
    for number in ["4", "5"] {
        hub.post_order(&pos, order(number)).await.expect("order");
    }
    post(&hub, &pos, "/api/orders/o3/items/b/void").await;
    post(&hub, &other_grill, "/api/tickets/o2:grill/bump").await;
    hub.restart().expect("hub restart");
    eventually("the restarted hub to prune its history", WAIT, || async {
        holds(hub.oldest_kept("kds:grill").unwrap_or(0) > cursor_before + 1)
    })
    .await
    .expect("the history was pruned past where the screen left it");
    screen.restart();
    captured.push(settled(&hub, &admin, &screen).await);

    screen.command_answered("bump o3:grill", WAIT);
    screen.command_answered("recall o1:grill", WAIT);
    captured.push(settled(&hub, &admin, &screen).await);

    for (n, (at, state)) in captured.iter().enumerate() {
        let (status, board) = get(&hub, &admin, &format!("/api/record/grill/board?at={at}")).await;
        assert_eq!(status, 200, "{board}");
        assert_eq!(
            shown(&board["open"]),
            shown(&state["tickets"]),
            "open tickets at capture {n}"
        );
        assert!(
            !shown(&state["tickets"]).is_empty(),
            "capture {n} shows tickets"
        );
    }
    // Before the screen lost its place, its recall list matches too.
    for (at, state) in &captured[..2] {
        let (_, board) = get(&hub, &admin, &format!("/api/record/grill/board?at={at}")).await;
        assert_eq!(shown(&board["bumped"]), shown(&state["recent"]));
    }

    // Event by event, with who did it.
    let (status, timeline) = get(
        &hub,
        &admin,
        &format!("/api/record/grill/timeline?from={start}"),
    )
    .await;
    assert_eq!(status, 200, "{timeline}");
    let entries = timeline["entries"].as_array().cloned().unwrap_or_default();
    let who = |kind: &str, ticket: &str| -> Vec<String> {
        entries
            .iter()
            .filter(|e| e["kind"] == kind && e["ticketId"] == ticket)
            .map(|e| e["by"].as_str().unwrap_or("-").to_owned())
            .collect()
    };
    assert_eq!(who("kds:ticket-new", "o4:grill"), ["test-pos"]);
    assert_eq!(who("kds:ticket-bumped", "o1:grill"), ["grill-1"]);
    assert_eq!(who("kds:ticket-bumped", "o2:grill"), ["grill-2"]);
    assert_eq!(who("kds:ticket-recalled", "o1:grill"), ["grill-1"]);
    let item_bump = entries
        .iter()
        .find(|e| e["kind"] == "kds:item-bumped")
        .expect("the item bump");
    assert_eq!(item_bump["item"], "Burger");
    // Stepping to the void shows the ticket with its bacon voided.
    let void = entries
        .iter()
        .find(|e| e["ticketId"] == "o3:grill" && e["kind"] == "kds:ticket-updated")
        .expect("the void");
    let (_, at_void) = get(
        &hub,
        &admin,
        &format!("/api/record/grill/board?entry={}", void["id"]),
    )
    .await;
    let o3 = at_void["open"]
        .as_array()
        .and_then(|open| open.iter().find(|t| t["id"] == "o3:grill").cloned())
        .expect("o3 on the rail");
    assert_eq!(o3["items"][1]["status"], "voided");
    assert_eq!(at_void["entry"]["id"], void["id"]);

    // Speed of service: the hub's figures against the tickets' own times.
    let mut times = Vec::new();
    for id in ["o2:grill", "o3:grill"] {
        let ticket = hub.ticket(&admin, id).await.expect("ticket");
        times.push(ticket.bumped_at_ms.expect("bumped") - ticket.created_at_ms);
    }
    let o1 = hub.ticket(&admin, "o1:grill").await.expect("o1");
    // #1 was bumped, then recalled: its one bump is counted.
    let o1_bump = entries
        .iter()
        .find(|e| e["kind"] == "kds:ticket-bumped" && e["ticketId"] == "o1:grill")
        .and_then(|e| e["atMs"].as_i64())
        .expect("o1's bump");
    times.push(o1_bump - o1.created_at_ms);
    let to = now_ms() + 1;
    let (status, report) = get(
        &hub,
        &pos,
        &format!("/api/reports/service?from={start}&to={to}"),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    let grill = report["totals"]
        .as_array()
        .and_then(|t| t.iter().find(|f| f["station"] == "grill").cloned())
        .expect("grill totals");
    assert_eq!(grill["tickets"], 3);
    assert_eq!(grill["p50Ms"], nearest_rank(times.clone(), 50.0));
    assert_eq!(grill["p90Ms"], nearest_rank(times.clone(), 90.0));
    assert_eq!(grill["voidedItems"], 1);
    assert_eq!(grill["recalls"], 1);
    // Two burgers on each of three tickets, one bacon on the two not voided.
    assert_eq!(grill["items"], 8);

    let csv_text = hub
        .client()
        .get(format!(
            "{}/api/reports/service.csv?from={start}&to={to}",
            hub.url
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("csv text");
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let rows: Vec<rail_hub::report::csv::Row> = reader
        .deserialize()
        .collect::<Result<_, _>>()
        .expect("csv rows");
    let total = rows
        .iter()
        .find(|r| r.scope == "total" && r.station == "grill")
        .expect("grill row");
    let ms = |secs: Option<f64>| secs.map(|s| (s * 1000.0).round() as i64);
    assert_eq!(ms(total.p50_secs), grill["p50Ms"].as_i64());
    assert_eq!(ms(total.p90_secs), grill["p90Ms"].as_i64());
    assert_eq!(total.tickets, 3);

    // Who may read it, and bad input.
    assert_eq!(get(&hub, &kds, "/api/record/grill/timeline").await.0, 403);
    assert_eq!(get(&hub, &kds, "/api/reports/service").await.0, 403);
    let (status, problem) = get(&hub, &admin, "/api/reports/service?tzOffsetMin=9999").await;
    assert_eq!(status, 400);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("tzOffsetMin"),
        "{problem}"
    );
    assert_eq!(
        get(
            &hub,
            &admin,
            &format!("/api/reports/service?from={to}&to={start}")
        )
        .await
        .0,
        400
    );
    assert_eq!(
        get(&hub, &admin, "/api/record/grill/board?entry=999999")
            .await
            .0,
        404
    );
    assert_eq!(
        get(&hub, &admin, "/api/record/grill/board?at=1&entry=2")
            .await
            .0,
        400
    );
}
