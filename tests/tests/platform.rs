//! Publishing from the restaurant's platform, with a real hub and real sockets: each
//! event type goes from `POST /api/events` to the subscribers of the channels its ids
//! name, with its data as sent; a retried publish publishes once; bad input gets
//! problem JSON and writes nothing; a server's handheld hears when its order is ready
//! and when it is served.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rail_tests::HubProcess;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use rail_tests::HubSocket as Socket;

const WAIT: Duration = Duration::from_secs(10);

async fn follow(hub: &HubProcess, token: &str, channels: &[&str]) -> Socket {
    let mut socket = hub.socket(Some(token)).await;
    for channel in channels {
        let frame = json!({ "type": "subscribe", "channel": channel }).to_string();
        socket.send(Message::text(frame)).await.expect("send");
        loop {
            let value = next_json(&mut socket).await;
            if value["type"] == "subscribed" && value["channel"] == *channel {
                break;
            }
            assert_ne!(value["type"], "error", "subscribing to {channel}: {value}");
        }
    }
    socket
}

async fn next_json(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(WAIT, socket.next())
            .await
            .expect("a message in time")
            .expect("open")
            .expect("frame");
        if let Ok(text) = message.to_text() {
            if let Ok(value) = serde_json::from_str::<Value>(text) {
                if value["type"] != "heartbeat" {
                    return value;
                }
            }
        }
    }
}

/// The next event on the socket (skipping control messages).
async fn next_event(socket: &mut Socket) -> Value {
    loop {
        let value = next_json(socket).await;
        if value.get("seq").is_some() && value.get("id").is_some() {
            return value;
        }
    }
}

async fn publish(
    hub: &HubProcess,
    token: &str,
    key: Option<&str>,
    body: &Value,
) -> (u16, Value, bool) {
    let mut request = hub
        .client()
        .post(format!("{}/api/events", hub.url))
        .bearer_auth(token)
        .json(body);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    let response = request.send().await.expect("publish");
    let status = response.status().as_u16();
    let replayed = response.headers().get("idempotent-replayed").is_some();
    (
        status,
        response.json().await.unwrap_or(Value::Null),
        replayed,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_platform_event_reaches_its_channels_once_with_its_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = HubProcess::start(dir.path()).expect("hub");
    let server = hub.token("server", &[]);
    let events = [
        (
            json!({ "type": "order:item-added", "data": { "orderId": "o9", "itemId": "i1", "name": "Tiramisu", "price": 7.5 } }),
            vec!["location:demo", "order:o9"],
        ),
        (
            json!({ "type": "order:item-updated", "data": { "orderId": "o9", "itemId": "i1", "status": "served" } }),
            vec!["location:demo", "order:o9"],
        ),
        (
            json!({ "type": "table:status-changed", "data": { "tableId": "T1", "previousStatus": "free", "newStatus": "seated" } }),
            vec!["location:demo", "table:T1"],
        ),
        (
            json!({ "type": "table:combined", "data": { "primaryId": "T1", "secondaryId": "T2", "combinedName": "T1+T2" } }),
            vec!["location:demo", "table:T1", "table:T2"],
        ),
        (
            json!({ "type": "table:split", "data": { "tableId": "T1", "restoredTableIds": ["T2"] } }),
            vec!["location:demo", "table:T1", "table:T2"],
        ),
        (
            json!({ "type": "sync:conflict", "data": { "entityType": "order", "entityId": "o9", "versions": [{ "v": 3 }, { "v": 4 }] } }),
            vec!["location:demo"],
        ),
        (
            json!({ "type": "sync:completed", "data": { "pushed": 12, "pulled": 3, "conflicts": 1 } }),
            vec!["location:demo"],
        ),
        (
            json!({ "type": "notification", "data": { "employeeId": "e7", "title": "Table 4 wants the bill", "orderId": "o9" } }),
            vec!["employee:e7"],
        ),
    ];
    let channels = [
        "location:demo",
        "order:o9",
        "table:T1",
        "table:T2",
        "employee:e7",
    ];
    let mut listeners = Vec::new();
    for channel in channels {
        listeners.push((channel, follow(&hub, &server, &[channel]).await));
    }
    for (body, expected) in &events {
        let (status, answer, _) = publish(&hub, &server, None, body).await;
        assert_eq!(status, 201, "{body}: {answer}");
        let written: Vec<&str> = answer["channels"]
            .as_array()
            .map(|c| c.iter().filter_map(|c| c["channel"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(&written, expected, "{body}");
        assert_eq!(answer["type"], body["type"]);
        for (channel, socket) in listeners.iter_mut() {
            if !expected.contains(channel) {
                continue;
            }
            let event = next_event(socket).await;
            assert_eq!(event["type"], body["type"], "on {channel}");
            assert_eq!(
                event["data"], body["data"],
                "on {channel}: the data as sent"
            );
            assert_eq!(event["channel"], *channel);
        }
    }
    // Every listener has had exactly what was meant for it: the next event on each is
    // the marker published last, to the location only.
    let marker =
        json!({ "type": "sync:completed", "data": { "pushed": 0, "pulled": 0, "conflicts": 0 } });
    let (status, _, _) = publish(&hub, &server, None, &marker).await;
    assert_eq!(status, 201);
    let (_, location) = &mut listeners[0];
    assert_eq!(next_event(location).await["data"], marker["data"]);

    // A retry with the same key publishes once.
    let before = hub.last_seq("table:T1");
    let seated = json!({ "type": "table:status-changed", "data": { "tableId": "T1", "previousStatus": "seated", "newStatus": "dirty" } });
    let first = publish(&hub, &server, Some("pub-1"), &seated).await;
    let retry = publish(&hub, &server, Some("pub-1"), &seated).await;
    assert_eq!((first.0, retry.0), (201, 201));
    assert_eq!(first.1, retry.1, "the same answer");
    assert!(retry.2, "the retry is marked replayed");
    assert_eq!(hub.last_seq("table:T1"), before + 1, "one event");

    // Bad input: problem JSON, nothing written.
    let location_before = hub.last_seq("location:demo");
    for (bad, status) in [
        (
            json!({ "type": "order:updated", "data": { "orderId": "o9", "status": "paid" } }),
            422,
        ),
        (
            json!({ "type": "order:created", "data": { "orderId": "o9", "tickets": [{ "id": "x" }] } }),
            422,
        ),
        (
            json!({ "type": "table:status-changed", "data": { "tableId": "T1" } }),
            422,
        ),
        (
            json!({ "type": "table:status-changed", "data": { "tableId": "T 1", "previousStatus": "a", "newStatus": "b" } }),
            422,
        ),
        (
            json!({ "type": "sync:completed", "data": { "pushed": 1, "pulled": 0, "conflicts": 0, "extra": true } }),
            422,
        ),
        (
            json!({ "type": "notification", "data": { "title": "x".repeat(501) } }),
            422,
        ),
    ] {
        let (got, problem, _) = publish(&hub, &server, None, &bad).await;
        assert_eq!(got, status, "{bad}: {problem}");
        assert!(
            problem["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{problem}"
        );
    }
    let (got, _, _) = publish(&hub, &hub.token("pos", &[]), None, &marker).await;
    assert_eq!(got, 403, "a till does not publish platform events");
    assert_eq!(
        hub.last_seq("location:demo"),
        location_before,
        "nothing written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_servers_handheld_hears_when_its_order_is_ready_and_served() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = HubProcess::start(dir.path()).expect("hub");
    let mut handheld = follow(&hub, &staff_token(&hub, "e7"), &["employee:e7"]).await;
    let order = json!({ "id": "o5", "number": "55", "employeeId": "e7", "items": [
        { "name": "Burger", "station": "grill" }, { "name": "Fries", "station": "fry" } ] });
    hub.post_order(&hub.token("pos", &[]), order)
        .await
        .expect("order");
    // Another server's order: not told to e7.
    let other = json!({ "id": "o6", "number": "56", "employeeId": "e8", "items": [{ "name": "Soup", "station": "grill" }] });
    hub.post_order(&hub.token("pos", &[]), other)
        .await
        .expect("order");
    let cooks = hub.token("kds", &["*"]);
    for ticket in ["o6:grill", "o5:grill", "o5:fry"] {
        hub.bump(&cooks, ticket).await.expect("bump");
    }
    let served = hub
        .client()
        .post(format!("{}/api/orders/o5/status", hub.url))
        .bearer_auth(hub.token("expo", &[]))
        .json(&json!({ "status": "served" }))
        .send()
        .await
        .expect("serve");
    assert!(served.status().is_success());
    let mut heard = Vec::new();
    while heard.len() < 2 {
        let event = next_event(&mut handheld).await;
        assert_eq!(event["type"], "order:status", "{event}");
        assert_eq!(event["data"]["orderId"], "o5", "only e7's order: {event}");
        heard.push(
            event["data"]["status"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    assert_eq!(heard, ["ready", "served"]);
}

fn staff_token(hub: &HubProcess, employee: &str) -> String {
    hub.staff_token(employee)
}
