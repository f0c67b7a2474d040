//! A hub whose PostgreSQL server goes down: changes are refused with 503 problem JSON
//! (nothing half-written), a screen's socket stays open with what it has, and when the
//! server is back the same requests succeed once and the screen hears them.

mod common;

use common::{call, events, start_on_postgres, watch, TestHub};
use rail_hub::auth::Role;
use rail_hub::HubConfig;
use reqwest::Method;
use serde_json::json;

fn order(id: &str) -> serde_json::Value {
    json!({ "id": id, "number": id, "items": [{ "name": "Burger", "station": "grill" }] })
}

/// Posts order `id` as the POS with idempotency key `key`.
async fn post(hub: &TestHub, pos: &str, id: &str, key: &str) -> (u16, serde_json::Value, bool) {
    call(
        hub,
        Method::POST,
        "/api/orders",
        Some(pos),
        Some(order(id)),
        Some(key),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_store_down_changes_get_503_and_nothing_is_lost_when_it_returns() {
    let hub = start_on_postgres(HubConfig::default()).await;
    let pos = hub.token(Role::Pos, &[]);
    let kds = hub.token(Role::Kds, &["grill"]);
    let mut screen = watch(&hub, &kds, "kds:grill").await;
    let (status, _, _) = post(&hub, &pos, "o1", "k1").await;
    assert_eq!(status, 201);
    assert_eq!(events(&mut screen, 1).await[0].1.seq, 1);

    let server = hub.postgres().expect("a PostgreSQL hub");
    server.stop().expect("stopping PostgreSQL");
    let (status, problem, _) = post(&hub, &pos, "o2", "k2").await;
    assert_eq!(status, 503, "{problem}");
    assert_eq!(problem["code"], "STORE_UNAVAILABLE", "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("nothing was written")),
        "{problem}"
    );
    let (status, problem, _) = call(
        &hub,
        Method::GET,
        "/api/stations/grill/tickets",
        Some(&kds),
        None,
        None,
    )
    .await;
    assert_eq!(status, 503, "reads too: {problem}");

    server.restart().expect("starting PostgreSQL again");
    let (status, created, replayed) = post(&hub, &pos, "o2", "k2").await;
    assert_eq!((status, replayed), (201, false), "{created}");
    let (status, _, replayed) = post(&hub, &pos, "o2", "k2").await;
    assert_eq!(
        (status, replayed),
        (201, true),
        "the retry is answered from the record"
    );
    // The screen's socket lived through it and hears the order, once, next in line.
    let heard = events(&mut screen, 1).await;
    assert_eq!(heard[0].1.seq, 2);
    let (status, tickets, _) = call(
        &hub,
        Method::GET,
        "/api/stations/grill/tickets",
        Some(&kds),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(tickets.as_array().map(Vec::len), Some(2), "{tickets}");
}
