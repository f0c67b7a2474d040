//! Limits and lifecycle of sockets: floods, the subscription cap, heartbeats and dead
//! peers, graceful shutdown.

mod common;

use std::time::Duration;

use common::{close_code, next, send, start, subscribe};
use futures_util::StreamExt;
use rail_hub::auth::{claims, Role};
use rail_hub::{Hub, HubConfig};
use rail_protocol::{ClientMessage, Control, ErrorCode, ServerMessage};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn a_flood_is_warned_then_closed() {
    let hub = start(HubConfig {
        messages_per_minute: 5,
        ..HubConfig::default()
    })
    .await;
    let mut socket = hub.connect(Some(&hub.token(Role::Kds, &["grill"]))).await;
    next(&mut socket).await;
    for _ in 0..5 {
        send(&mut socket, &ClientMessage::Ping {}).await;
        assert!(matches!(
            next(&mut socket).await,
            ServerMessage::Control(Control::Pong { .. })
        ));
    }
    send(&mut socket, &ClientMessage::Ping {}).await;
    assert!(matches!(
        next(&mut socket).await,
        ServerMessage::Control(Control::Error {
            code: ErrorCode::RateLimited,
            ..
        })
    ));
    for _ in 0..5 {
        send(&mut socket, &ClientMessage::Ping {}).await;
    }
    assert_eq!(
        close_code(&mut socket).await,
        1008,
        "a flood that goes on is cut off"
    );
}

/// A screen reports what it applied up to four times a second per channel while events
/// flow: in a busy service that is far more than the general message budget, and the
/// hub must neither warn nor cut such a screen — while a flood of reports still is.
#[tokio::test]
async fn applied_reports_have_their_own_budget() {
    let hub = start(HubConfig {
        messages_per_minute: 5,
        ..HubConfig::default()
    })
    .await;
    let mut socket = common::watch(&hub, &hub.token(Role::Kds, &["grill"]), "kds:grill").await;
    hub.post("1", "grill");
    common::events(&mut socket, 1).await;
    let applied = ClientMessage::Applied {
        channel: "kds:grill".into(),
        seq: 1,
    };
    // A minute and a half of a busy screen's reports, in a burst.
    for _ in 0..300 {
        send(&mut socket, &applied).await;
    }
    send(&mut socket, &ClientMessage::Ping {}).await;
    match next(&mut socket).await {
        ServerMessage::Control(Control::Pong { .. }) => {}
        other => panic!("reports within their budget were refused: {other:?}"),
    }
    for _ in 0..400 {
        send(&mut socket, &applied).await;
    }
    let mut refused = 0;
    let close = loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => {
                assert!(text.contains("RATE_LIMITED"), "unexpected message: {text}");
                refused += 1;
            }
            Some(Ok(Message::Close(frame))) => break frame.map(|f| u16::from(f.code)),
            other => panic!("expected refusals and a close, got {other:?}"),
        }
    };
    assert!(refused > 0, "reports beyond their budget are refused first");
    assert_eq!(close, Some(1008), "a flood of reports is cut off");
}

#[tokio::test]
async fn subscriptions_are_capped_per_connection() {
    let hub = start(HubConfig {
        max_subscriptions: 2,
        ..HubConfig::default()
    })
    .await;
    let mut socket = hub.connect(Some(&hub.token(Role::Expo, &[]))).await;
    next(&mut socket).await;
    for channel in ["kds:grill", "kds:fry"] {
        send(&mut socket, &subscribe(channel, None)).await;
        assert!(matches!(
            next(&mut socket).await,
            ServerMessage::Control(Control::Subscribed { .. })
        ));
    }
    send(&mut socket, &subscribe("kds:salad", None)).await;
    assert!(matches!(
        next(&mut socket).await,
        ServerMessage::Control(Control::Error {
            code: ErrorCode::TooManySubscriptions,
            ..
        })
    ));
    send(
        &mut socket,
        &ClientMessage::Unsubscribe {
            channel: "kds:fry".into(),
        },
    )
    .await;
    assert!(matches!(
        next(&mut socket).await,
        ServerMessage::Control(Control::Unsubscribed { .. })
    ));
    send(&mut socket, &subscribe("kds:salad", None)).await;
    assert!(
        matches!(
            next(&mut socket).await,
            ServerMessage::Control(Control::Subscribed { .. })
        ),
        "room again after an unsubscribe"
    );
}

#[tokio::test]
async fn heartbeats_flow_and_a_silent_peer_is_dropped() {
    let hub = start(HubConfig {
        heartbeat: Duration::from_millis(150),
        ..HubConfig::default()
    })
    .await;
    let token = hub.token(Role::Kds, &["grill"]);
    let mut socket = hub.connect(Some(&token)).await;
    let ServerMessage::Control(Control::Ready { heartbeat_ms, .. }) = next(&mut socket).await
    else {
        panic!("ready")
    };
    assert_eq!(heartbeat_ms, 150);
    // Reading answers the hub's pings (tungstenite replies automatically): heartbeats keep coming.
    let mut beats = 0;
    while beats < 3 {
        let message = tokio::time::timeout(Duration::from_secs(2), socket.next())
            .await
            .expect("message")
            .expect("open")
            .expect("frame");
        if message.to_text().is_ok_and(|t| t.contains("\"heartbeat\"")) {
            beats += 1;
        }
    }
    assert_eq!(
        hub.hub
            .metrics
            .connections_open
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
    // A peer that stops reading stops answering pings: after two intervals it is gone.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        hub.hub
            .metrics
            .connections_open
            .load(std::sync::atomic::Ordering::Relaxed),
        0,
        "silent peer dropped"
    );
    drop(socket);
}

#[tokio::test]
async fn shutdown_closes_sockets_with_going_away() {
    let (hub, _dir, _postgres) = common::open_hub(HubConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("ws://{}/api/socket", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(rail_hub::run(listener, hub.clone(), async move {
        let _ = stopped.await;
    }));
    let token = hub
        .authority
        .issue(&claims("loc", Role::Kds, &["grill".into()], "t", 60))
        .expect("token");
    let mut request = url.as_str().into_client_request().expect("request");
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    assert!(matches!(
        next(&mut socket).await,
        ServerMessage::Control(Control::Ready { .. })
    ));
    stop.send(()).expect("stop");
    assert_eq!(close_code(&mut socket).await, 1001);
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("server stops")
        .expect("join")
        .expect("clean exit");
}

#[tokio::test]
async fn an_internal_failure_is_reported_and_closes_with_1011() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("hub.sqlite3");
    let hub = Hub::open(&db, HubConfig::default(), Some("s".into())).expect("hub");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("ws://{}/api/socket", listener.local_addr().expect("addr"));
    tokio::spawn(rail_hub::run(listener, hub.clone(), std::future::pending()));
    // Break the hub's storage behind its back.
    rusqlite::Connection::open(&db)
        .expect("open")
        .execute_batch("DROP TABLE events")
        .expect("drop");
    let token = hub
        .authority
        .issue(&claims("loc", Role::Kds, &["grill".into()], "t", 60))
        .expect("token");
    let mut request = url.as_str().into_client_request().expect("request");
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    next(&mut socket).await;
    send(&mut socket, &subscribe("kds:grill", None)).await;
    assert!(matches!(
        next(&mut socket).await,
        ServerMessage::Control(Control::Error {
            code: ErrorCode::Internal,
            ..
        })
    ));
    assert_eq!(close_code(&mut socket).await, 1011);
}

/// Found by the Socket.IO comparison: a fresh subscription's snapshot is one frame, and
/// the socket's write buffer was capped at 1 MiB, so a station holding a few megabytes
/// of open tickets closed every screen before `subscribed` — a screen that could never
/// connect.
#[tokio::test]
async fn a_snapshot_of_megabytes_reaches_the_screen() {
    let hub = start(HubConfig::default()).await;
    let pos = claims("loc", Role::Pos, &[], "pos", 60);
    let long = "x".repeat(190);
    for n in 0..300 {
        let order: rail_protocol::NewOrder = serde_json::from_value(serde_json::json!({
            "number": n.to_string(),
            "items": (0..8).map(|_| serde_json::json!({
                "name": long, "station": "grill", "modifiers": [long, long, long, long]
            })).collect::<Vec<_>>()
        }))
        .expect("order");
        hub.hub.create_order(&pos, None, &order).expect("order");
    }
    let kds = hub.token(Role::Kds, &["grill"]);
    let (_socket, answer) = common::subscribe_from(&hub, &kds, "kds:grill", None).await;
    let snapshot = answer
        .snapshot
        .expect("a fresh subscription has a snapshot");
    assert_eq!(snapshot.tickets.len(), 300);
    let size = serde_json::to_string(&snapshot).expect("encode").len();
    assert!(size > 2 * 1024 * 1024, "the snapshot was {size} bytes");
}
