//! How events leave the hub through real sockets: an idle screen's frames are written
//! by the thread that committed them, and however a frame leaves (from there or from
//! the connection's writer), a screen sees its channel's events in sequence.

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use common::{next, send, start, subscribe, subscribe_from, watch, Subscription};
use rail_hub::auth::Role;
use rail_hub::HubConfig;
use rail_protocol::{Control, Cursor, ServerMessage};

#[tokio::test]
async fn an_idle_screens_events_are_written_by_the_committing_thread() {
    let hub = start(HubConfig::default()).await;
    let mut screen = watch(&hub, &hub.token(Role::Kds, &["grill"]), "kds:grill").await;
    let before = hub
        .hub
        .metrics
        .frames_written_directly
        .load(Ordering::Relaxed);
    for (number, expected_seq) in (1..=20).zip(1u64..) {
        hub.post(&number.to_string(), "grill");
        let ServerMessage::Event(envelope) = next(&mut screen).await else {
            panic!("expected an event")
        };
        assert_eq!(envelope.seq, expected_seq);
    }
    // One thread runs this test and the hub: nothing else holds the socket when an
    // order commits, so every frame left from there, none through the writer task.
    assert_eq!(
        hub.hub
            .metrics
            .frames_written_directly
            .load(Ordering::Relaxed)
            - before,
        20
    );
}

/// Orders committed from several threads while the screen keeps subscribing again from
/// its cursor: each answer and its replay go through the connection's writer task,
/// live events mostly from the committing threads. A live frame written past a queued
/// answer would show as a sequence out of order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_written_at_commit_never_overtake_what_the_writer_has_queued() {
    const THREADS: u64 = 4;
    const ORDERS_EACH: u64 = 60;
    let hub = Arc::new(start(HubConfig::default()).await);
    let token = hub.token(Role::Kds, &["grill"]);
    let (mut screen, Subscription { epoch, .. }) =
        subscribe_from(&hub, &token, "kds:grill", None).await;
    let posting: Vec<_> = (0..THREADS)
        .map(|thread| {
            let hub = Arc::clone(&hub);
            std::thread::spawn(move || {
                for n in 0..ORDERS_EACH {
                    hub.post(&format!("{thread}-{n}"), "grill");
                    // Paced, so the screen's subscriptions land among the orders.
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
            })
        })
        .collect();

    let total = THREADS * ORDERS_EACH;
    // The newest event seen in order; a `subscribed` answer starts again from the
    // cursor it was asked from.
    let mut last = 0u64;
    let mut answers = 0;
    let mut asked_from: Option<u64> = None;
    while last < total || asked_from.is_some() {
        match next(&mut screen).await {
            ServerMessage::Event(envelope) => {
                assert_eq!(
                    envelope.seq,
                    last + 1,
                    "event {} after {last} (answers so far: {answers})",
                    envelope.seq
                );
                last = envelope.seq;
                // Every fourth event, ask again from here: the answer and its replay of
                // what is already on its way are queued for the writer task, and live
                // events committed meanwhile must follow them.
                if last % 4 == 0 && last < total && asked_from.is_none() {
                    asked_from = Some(last);
                    let cursor = Cursor {
                        epoch: epoch.clone(),
                        seq: last,
                    };
                    send(&mut screen, &subscribe("kds:grill", Some(cursor))).await;
                }
            }
            ServerMessage::Control(Control::Subscribed { seq, .. }) => {
                let from = asked_from
                    .take()
                    .expect("an answer to a subscription asked for");
                assert!(seq >= from, "answered at {seq}, asked from {from}");
                answers += 1;
                last = from;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    for thread in posting {
        thread.join().expect("posting thread");
    }
    assert!(answers >= 5, "only {answers} subscriptions answered");
    let direct = hub
        .hub
        .metrics
        .frames_written_directly
        .load(Ordering::Relaxed);
    assert!(direct > 0, "no frame was written at commit");
}

/// A screen that leaves (its close, or its socket simply gone) takes its writer with it
/// at once: nothing is left waiting on a queue nobody will fill, and the connection is
/// counted closed well before the hub's five-second wait for a writer runs out.
#[tokio::test]
async fn a_leaving_screens_writer_ends_with_its_connection() {
    let hub = start(HubConfig::default()).await;
    let token = hub.token(Role::Kds, &["grill"]);
    let open = || hub.hub.metrics.connections_open.load(Ordering::Relaxed);
    for leave_politely in [true, false] {
        let mut screen = watch(&hub, &token, "kds:grill").await;
        hub.post("1", "grill");
        assert!(matches!(next(&mut screen).await, ServerMessage::Event(_)));
        assert_eq!(open(), 1);
        if leave_politely {
            screen.close(None).await.expect("close");
        }
        drop(screen);
        let left = std::time::Instant::now();
        while open() > 0 {
            assert!(
                left.elapsed() < std::time::Duration::from_secs(2),
                "connection still counted open (closing politely: {leave_politely})"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}
