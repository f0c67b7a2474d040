//! The hub's WebSocket protocol through real sockets: auth, snapshot, sequence numbers,
//! replay, reset, and bad input.

mod common;

use std::time::Duration;

use common::{close_code, next, send, start, subscribe, subscribe_from, subscribed, Subscription};
use futures_util::SinkExt;
use rail_hub::auth::{claims, Role};
use rail_hub::HubConfig;
use rail_protocol::{ClientMessage, Control, Cursor, ErrorCode, Event, Recovery, ServerMessage};
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn a_subscriber_gets_a_snapshot_then_gap_free_events() {
    let hub = start(HubConfig::default()).await;
    let before = hub.post("1", "grill");
    let mut socket = hub.connect(Some(&hub.token(Role::Kds, &["grill"]))).await;
    assert!(matches!(
        next(&mut socket).await,
        ServerMessage::Control(Control::Ready { .. })
    ));
    send(&mut socket, &subscribe("kds:grill", None)).await;
    let ServerMessage::Control(Control::Subscribed {
        seq,
        recovery,
        snapshot,
        ..
    }) = next(&mut socket).await
    else {
        panic!("expected subscribed")
    };
    assert_eq!(recovery, Recovery::Fresh);
    assert_eq!(seq, 1, "the snapshot is valid after the first event");
    assert_eq!(snapshot.expect("snapshot").tickets[0].id, before);

    hub.post("2", "fry"); // another station: not on this channel
    let after = hub.post("3", "grill");
    let ServerMessage::Event(envelope) = next(&mut socket).await else {
        panic!("expected an event")
    };
    assert_eq!(envelope.seq, 2);
    assert_eq!(envelope.channel, "kds:grill");
    assert!(matches!(&envelope.event, Event::TicketNew(e) if e.ticket.id == after));
}

#[tokio::test]
async fn a_returning_subscriber_gets_exactly_what_it_missed_or_an_explicit_reset() {
    let hub = start(HubConfig::default()).await;
    let token = hub.token(Role::Kds, &["grill"]);
    let (socket, Subscription { epoch, .. }) =
        subscribe_from(&hub, &token, "kds:grill", None).await;
    hub.post("1", "grill");
    drop(socket);
    let missed = [hub.post("2", "grill"), hub.post("3", "grill")];

    let (
        mut socket,
        Subscription {
            recovery,
            seq,
            snapshot,
            ..
        },
    ) = subscribe_from(
        &hub,
        &token,
        "kds:grill",
        Some(Cursor {
            epoch: epoch.clone(),
            seq: 1,
        }),
    )
    .await;
    assert_eq!(
        (recovery, seq, snapshot.is_none()),
        (Recovery::Recovered, 1, true)
    );
    for (expected_seq, expected_id) in [(2, &missed[0]), (3, &missed[1])] {
        let ServerMessage::Event(envelope) = next(&mut socket).await else {
            panic!("expected a replayed event")
        };
        assert_eq!(envelope.seq, expected_seq);
        assert_eq!(envelope.event.ticket().map(|t| &t.id), Some(expected_id));
    }
    // Live events continue the same sequence.
    hub.post("4", "grill");
    let ServerMessage::Event(envelope) = next(&mut socket).await else {
        panic!()
    };
    assert_eq!(envelope.seq, 4);

    // A cursor from another history is never partially replayed.
    send(
        &mut socket,
        &subscribe(
            "kds:grill",
            Some(Cursor {
                epoch: "another-hub".into(),
                seq: 2,
            }),
        ),
    )
    .await;
    let Subscription {
        recovery,
        seq,
        snapshot,
        ..
    } = subscribed(&mut socket).await;
    assert_eq!((recovery, seq), (Recovery::Reset, 4));
    assert_eq!(snapshot.expect("snapshot").tickets.len(), 4);
}

#[tokio::test]
async fn tokens_are_checked_on_the_upgrade_or_in_a_first_auth_message() {
    let hub = start(HubConfig {
        auth_timeout: Duration::from_millis(300),
        ..HubConfig::default()
    })
    .await;
    let mut socket = hub.connect(None).await;
    send(
        &mut socket,
        &ClientMessage::Auth {
            token: hub.token(Role::Kds, &["grill"]),
        },
    )
    .await;
    assert!(matches!(
        next(&mut socket).await,
        ServerMessage::Control(Control::Ready { .. })
    ));

    let mut forged = hub.connect(Some("not-a-token")).await;
    assert_eq!(close_code(&mut forged).await, 1008);

    let expired = hub
        .hub
        .authority
        .issue(&claims("loc", Role::Kds, &["grill".into()], "t", -3600))
        .expect("token");
    let mut old = hub.connect(Some(&expired)).await;
    assert_eq!(close_code(&mut old).await, 1008);

    let mut silent = hub.connect(None).await;
    assert_eq!(
        close_code(&mut silent).await,
        1008,
        "no auth message in time"
    );
}

#[tokio::test]
async fn bad_input_gets_an_error_and_the_connection_stays_or_a_close_code() {
    let hub = start(HubConfig::default()).await;
    let mut socket = hub.connect(Some(&hub.token(Role::Kds, &["grill"]))).await;
    next(&mut socket).await;
    let cases: [(&str, ErrorCode); 7] = [
        ("{not json", ErrorCode::InvalidMessage),
        (
            r#"{"type":"applied","channel":"kds:grill","seq":1}"#,
            ErrorCode::NotSubscribed,
        ),
        (
            r#"{"type":"applied","channel":"kds:grill","seq":-1}"#,
            ErrorCode::InvalidMessage,
        ),
        (r#"{"type":"dance"}"#, ErrorCode::InvalidMessage),
        (
            r#"{"type":"subscribe","channel":"kds:fry"}"#,
            ErrorCode::Forbidden,
        ),
        (
            r#"{"type":"subscribe","channel":"location:other"}"#,
            ErrorCode::Forbidden,
        ),
        (
            r#"{"type":"subscribe","channel":"pantry:1"}"#,
            ErrorCode::UnknownChannel,
        ),
    ];
    for (input, expected) in cases {
        socket
            .send(Message::Text(input.into()))
            .await
            .expect("send");
        match next(&mut socket).await {
            ServerMessage::Control(Control::Error { code, .. }) => {
                assert_eq!(code, expected, "for {input}")
            }
            other => panic!("for {input}: expected an error, got {other:?}"),
        }
    }
    socket
        .send(Message::Binary(vec![1, 2, 3].into()))
        .await
        .expect("send");
    assert!(matches!(
        next(&mut socket).await,
        ServerMessage::Control(Control::Error {
            code: ErrorCode::InvalidMessage,
            ..
        })
    ));
    send(&mut socket, &ClientMessage::Ping {}).await;
    assert!(
        matches!(
            next(&mut socket).await,
            ServerMessage::Control(Control::Pong { .. })
        ),
        "still connected"
    );
    // A screen cannot claim to have applied more than it was handed.
    send(&mut socket, &subscribe("kds:grill", None)).await;
    next(&mut socket).await;
    send(
        &mut socket,
        &ClientMessage::Applied {
            channel: "kds:grill".into(),
            seq: 5,
        },
    )
    .await;
    match next(&mut socket).await {
        ServerMessage::Control(Control::Error { code, message, .. }) => {
            assert_eq!(code, ErrorCode::InvalidMessage);
            assert!(message.contains("handed up to 0"), "{message}");
        }
        other => panic!("expected an error, got {other:?}"),
    }

    let huge = format!(r#"{{"type":"ping","pad":"{}"}}"#, "x".repeat(70 * 1024));
    socket.send(Message::Text(huge.into())).await.expect("send");
    assert_eq!(close_code(&mut socket).await, 1009);
}

#[tokio::test]
async fn history_beyond_what_is_kept_resets_and_metrics_count_it() {
    let hub = start(HubConfig {
        history_per_channel: 2,
        ..HubConfig::default()
    })
    .await;
    let token = hub.token(Role::Kds, &["grill"]);
    let (socket, Subscription { epoch, .. }) =
        subscribe_from(&hub, &token, "kds:grill", None).await;
    drop(socket);
    for n in 1..=5 {
        hub.post(&n.to_string(), "grill");
    }
    // 5 events on kds:grill, more on the location and order channels: 2 per channel stay.
    assert!(hub.hub.prune_history().expect("prune") >= 3);

    let (
        mut socket,
        Subscription {
            recovery,
            seq,
            snapshot,
            ..
        },
    ) = subscribe_from(
        &hub,
        &token,
        "kds:grill",
        Some(Cursor {
            epoch: epoch.clone(),
            seq: 1,
        }),
    )
    .await;
    assert_eq!(
        (recovery, seq),
        (Recovery::Reset, 5),
        "event 2 is gone: no partial replay"
    );
    assert_eq!(snapshot.expect("snapshot").tickets.len(), 5);
    send(
        &mut socket,
        &subscribe("kds:grill", Some(Cursor { epoch, seq: 3 })),
    )
    .await;
    let Subscription { recovery, .. } = subscribed(&mut socket).await;
    assert_eq!(
        recovery,
        Recovery::Recovered,
        "events 4 and 5 are still kept"
    );
    for expected in [4, 5] {
        let ServerMessage::Event(envelope) = next(&mut socket).await else {
            panic!()
        };
        assert_eq!(envelope.seq, expected);
    }

    let metrics = reqwest::Client::new()
        .get(format!("{}/metrics", hub.http))
        .bearer_auth(hub.token(Role::Operator, &[]))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    assert!(
        !metrics.contains("kds:grill") && !metrics.contains("\"loc\""),
        "no tenant in labels unless configured:\n{metrics}"
    );
    for line in [
        "rail_connections_open 1",
        "rail_replays_total 2",
        "rail_events_published_total 25",
        "rail_subscriptions{kind=\"kds\"} 1",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "missing {line:?} in\n{metrics}"
        );
    }
}
