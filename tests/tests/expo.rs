//! Expo runs the pass through the hub, like a cook's bumps: a real hub and a real
//! `rail-headless --expo` process marking rush, firing a held course, sending an
//! unfinished order out and taking it back — each through the screen's outbox, so an
//! action taken while the hub is down reaches it once it is back, exactly once.

use std::time::Duration;

use rail_tests::eventually::{eventually, holds};
use rail_tests::screen::{Outcome, ScreenProcess};
use rail_tests::HubProcess;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(20);
/// Under the engine's quiet half-minute refresh of the day's figures, with a margin for
/// a slow machine: a change seen sooner was followed, not polled.
const QUIET_REFRESH_MARGIN: Duration = Duration::from_secs(20);

async fn order(hub: &HubProcess, token: &str, id: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{}/api/orders/{id}", hub.url))
        .bearer_auth(token)
        .send()
        .await
        .expect("order")
        .json()
        .await
        .expect("json")
}

fn acked(outcome: Outcome) -> String {
    match outcome {
        Outcome::Acked(key) => key,
        other => panic!("the expo screen refused: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expo_rushes_fires_serves_and_takes_back_through_the_hub_once_each() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut hub = HubProcess::start(dir.path()).expect("hub");
    let pos = hub.token("pos", &[]);
    hub.post_order(
        &pos,
        json!({ "id": "x1", "number": "71", "items": [
            { "name": "Burger", "station": "grill" },
            { "name": "Cake", "station": "pastry", "course": 2 } ] }),
    )
    .await
    .expect("order");
    let mut expo = ScreenProcess::start_expo(
        &hub.url,
        &hub.token("expo", &[]),
        dir.path().join("expo.sqlite3"),
    );
    eventually("expo online", WAIT, || async { holds(expo.online()) })
        .await
        .expect("online");

    // Rush: the hub marks every ticket of the order.
    acked(expo.command_answered("rush x1 on", WAIT));
    eventually("rush at the hub", WAIT, || async {
        let grill = hub.ticket(&pos, "x1:grill").await?;
        anyhow::ensure!(grill.rush, "not rush yet");
        anyhow::Ok(())
    })
    .await
    .expect("rush");
    // A delivered rush leaves the order at the pass (the answer to an action on an
    // order must not count as a serve, whichever arrives first, it or the event).
    eventually("rush delivered", WAIT, || async {
        holds(expo.pending() == 0)
    })
    .await
    .expect("delivered");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let at_pass = |expo: &ScreenProcess| -> Vec<String> {
        expo.state()["orders"]
            .as_array()
            .map(|orders| {
                orders
                    .iter()
                    .filter_map(|o| o["orderId"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(at_pass(&expo), ["x1"], "still at the pass after a rush");

    // Fire the held course: the pastry ticket reaches the rail.
    acked(expo.command_answered("fire x1 2", WAIT));
    eventually("course 2 fired", WAIT, || async {
        let pastry = hub.ticket(&pos, "x1:pastry").await?;
        anyhow::ensure!(
            pastry.status == rail_protocol::TicketStatus::Open,
            "still {:?}",
            pastry.status
        );
        anyhow::Ok(())
    })
    .await
    .expect("fired");

    // Send it out unfinished, then take it back: ready again (nothing was cooked, but
    // the hub keeps what expo says; the stations still have their tickets).
    acked(expo.command_answered("serve x1", WAIT));
    eventually("served", WAIT, || async {
        holds(order(&hub, &pos, "x1").await["status"] == "served")
    })
    .await
    .expect("served");
    acked(expo.command_answered("unserve x1", WAIT));
    eventually("back at the pass", WAIT, || async {
        holds(order(&hub, &pos, "x1").await["status"] == "ready")
    })
    .await
    .expect("unserved");
    eventually("undo delivered and shown", WAIT, || async {
        holds(expo.pending() == 0 && at_pass(&expo) == ["x1"])
    })
    .await
    .expect("the undone order on expo's screen");

    // While the hub is down, expo takes the rush off; it lands once the hub is back,
    // and only once however often the screen retried.
    hub.kill();
    acked(expo.command_answered("rush x1 off", WAIT));
    hub.restart().expect("hub back");
    eventually(
        "the queued action delivered",
        Duration::from_secs(30),
        || async {
            let grill = hub.ticket(&pos, "x1:grill").await?;
            anyhow::ensure!(
                !grill.rush && expo.pending() == 0,
                "rush {}, {} pending",
                grill.rush,
                expo.pending()
            );
            anyhow::Ok(())
        },
    )
    .await
    .expect("delivered after the outage");
    assert_eq!(
        hub.count_events("kds:grill", "kds:ticket-priority"),
        2,
        "rush on, rush off: one event each"
    );
    // A station screen may not rush; expo may change nothing else of an order.
    let refused = reqwest::Client::new()
        .patch(format!("{}/api/orders/x1", hub.url))
        .bearer_auth(hub.token("kds", &["grill"]))
        .json(&json!({ "rush": true }))
        .send()
        .await
        .expect("patch");
    assert_eq!(refused.status(), 403);
    let refused = reqwest::Client::new()
        .patch(format!("{}/api/orders/x1", hub.url))
        .bearer_auth(hub.token("expo", &[]))
        .json(&json!({ "rush": true, "notes": "expo may not write notes" }))
        .send()
        .await
        .expect("patch");
    assert_eq!(
        refused.status(),
        403,
        "expo changes rush, nothing else of an order"
    );
    expo.kill();
}

/// Expo's "today" strip holds the hub's figures for the day and follows the pass: a
/// bump shows within seconds, not at the next half-minute refresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expo_shows_the_days_figures_from_the_hub_and_follows_each_bump() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = HubProcess::start(dir.path()).expect("hub");
    let pos = hub.token("pos", &[]);
    let grill = hub.token("kds", &["grill"]);
    for n in 1..=3 {
        hub.post_order(
            &pos,
            json!({ "id": format!("t{n}"), "number": format!("8{n}"), "items": [
                { "name": "Burger", "qty": 2, "station": "grill" } ] }),
        )
        .await
        .expect("order");
    }
    hub.bump(&grill, "t1:grill").await.expect("bump");
    let expo = ScreenProcess::start_expo(
        &hub.url,
        &hub.token("expo", &[]),
        dir.path().join("expo.sqlite3"),
    );
    eventually("the day so far on expo", WAIT, || async {
        let today = &expo.state()["today"];
        anyhow::ensure!(
            today["tickets"] == 1 && today["open"] == 2 && today["items"] == 2,
            "{today}"
        );
        anyhow::Ok(())
    })
    .await
    .expect("today");

    let started = std::time::Instant::now();
    hub.bump(&grill, "t2:grill").await.expect("bump");
    eventually("the strip after the bump", WAIT, || async {
        let today = &expo.state()["today"];
        anyhow::ensure!(today["tickets"] == 2 && today["open"] == 1, "{today}");
        anyhow::Ok(())
    })
    .await
    .expect("followed");
    assert!(
        started.elapsed() < QUIET_REFRESH_MARGIN,
        "followed the bump, not the half-minute refresh: {:?}",
        started.elapsed()
    );
    // The strip's figures are the hub's.
    let hub_today: Value = reqwest::Client::new()
        .get(format!("{}/api/reports/today", hub.url))
        .bearer_auth(hub.token("expo", &[]))
        .send()
        .await
        .expect("today")
        .json()
        .await
        .expect("json");
    for field in [
        "tickets", "open", "openLate", "p50Ms", "meanMs", "late", "items",
    ] {
        assert_eq!(expo.state()["today"][field], hub_today[field], "{field}");
    }
}
