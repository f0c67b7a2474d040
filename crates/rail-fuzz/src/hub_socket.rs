//! Client frames to the hub's connection logic ([`rail_hub::connection::ClientSession`]),
//! on a fresh hub holding a few tickets.
//!
//! An input is text frames separated by `---` lines, sent by a `kds` device allowed on
//! `grill` only. Promises checked: nothing panics, every reply and every frame queued
//! for the connection is a valid server message, a subscription the token does not
//! allow is refused, and frames that are not messages are counted as rejected.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;
use rail_hub::auth::Role;
use rail_hub::connection::ClientSession;
use rail_hub::fanout::{Outbound, Subscriber};
use rail_protocol::{Control, NewOrder, NewOrderItem, ServerMessage};
use tokio::sync::Notify;

use crate::{device, fresh_hub, parts};

/// Frames read from one input beyond this are ignored.
const MAX_FRAMES: usize = 64;

fn order(number: &str, station: &str) -> NewOrder {
    let item = NewOrderItem {
        station: Some(station.into()),
        ..serde_json::from_str(r#"{"name":"Burger","qty":2}"#).expect("item")
    };
    NewOrder {
        items: vec![item],
        ..serde_json::from_str(&format!(r#"{{"number":"{number}","items":[]}}"#)).expect("order")
    }
}

fn check_frame(frame: &Utf8Bytes, sent: &str) -> ServerMessage {
    serde_json::from_str::<ServerMessage>(frame.as_str())
        .unwrap_or_else(|e| panic!("after {sent:?} the hub queued an invalid frame ({e}): {frame}"))
}

/// Runs one input. Panics when the hub breaks a promise.
pub fn run(data: &[u8]) {
    let hub = fresh_hub();
    let pos = device(Role::Pos, &[]);
    for (n, station) in [(1, "grill"), (2, "fry"), (3, "grill")] {
        hub.create_order(&pos, None, &order(&n.to_string(), station))
            .expect("seed order");
    }
    let (queue, outbound) = rail_hub::fanout::queue(hub.config.outbound_queue);
    let subscriber = Subscriber {
        connection_id: hub.connection_id(),
        queue,
        overflow: Arc::new(Notify::new()),
        positions: Arc::default(),
    };
    let mut session = ClientSession::new(device(Role::Kds, &["grill"]), subscriber);
    for text in parts(data).into_iter().take(MAX_FRAMES) {
        let rejected = hub.metrics.rejected_frames.load(Ordering::SeqCst);
        let reply = session.handle_text(&hub, text);
        let is_message = serde_json::from_str::<rail_protocol::ClientMessage>(text).is_ok();
        if !is_message {
            assert!(
                hub.metrics.rejected_frames.load(Ordering::SeqCst) > rejected,
                "{text:?} is not a message but was not counted as rejected"
            );
        }
        let mut frames = Vec::new();
        match reply {
            Some(Outbound::Frame(frame)) => frames.push(Utf8Bytes::clone(&frame)),
            Some(Outbound::Batch(batch)) => frames.extend(*batch),
            Some(Outbound::Close(ending)) => {
                let code = ending.0;
                assert!(
                    (1000..5000).contains(&code),
                    "{text:?}: close code {code} is not a WebSocket close code"
                );
                return;
            }
            None => {}
        }
        while let Ok(queued) = outbound.try_recv() {
            match queued {
                Outbound::Frame(frame) => frames.push(Utf8Bytes::clone(&frame)),
                Outbound::Batch(batch) => frames.extend(*batch),
                Outbound::Close(..) => return,
            }
        }
        for frame in &frames {
            if let ServerMessage::Control(Control::Subscribed { channel, .. }) =
                check_frame(frame, text)
            {
                assert!(
                    channel == "kds:grill"
                        || channel.starts_with("order:")
                        || channel.starts_with("table:"),
                    "{text:?}: a grill-only screen was subscribed to {channel}"
                );
            }
        }
    }
}
