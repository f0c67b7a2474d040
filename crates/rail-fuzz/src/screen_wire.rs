//! Hub frames to the screen's cache ([`rail_engine::store::Store`]), as the sync loop
//! applies them, on a fresh cache file per input.
//!
//! An input is text frames separated by `---` lines, as a hub (or something pretending
//! to be one) would send. Promises checked: nothing panics; a frame that is not a server
//! message is refused before it touches the cache; a fresh or reset answer without its
//! snapshot is refused (taking its position would skip tickets); the cursor moves to exactly the
//! event's `seq` when an event applies and not at all for a duplicate, a gap or an
//! unknown channel; the cache reads back after every frame and after reopening.

use rail_engine::store::{Applied, Store};
use rail_protocol::{Control, Recovery, ServerMessage};

use crate::parts;

/// Frames read from one input beyond this are ignored.
const MAX_FRAMES: usize = 64;

/// Runs one input. Panics when the screen breaks a promise.
pub fn run(data: &[u8]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("screen.sqlite3");
    let mut store = Store::open(&path).expect("cache");
    for text in parts(data).into_iter().take(MAX_FRAMES) {
        let Ok(message) = serde_json::from_str::<ServerMessage>(text) else {
            continue;
        };
        match message {
            ServerMessage::Control(Control::Subscribed {
                channel,
                epoch,
                seq,
                recovery,
                snapshot,
            }) => {
                let before = store.cursor(&channel).expect("cursor");
                let without_data = snapshot.is_none() && recovery != Recovery::Recovered;
                let applied =
                    store.apply_subscribed(&channel, &epoch, seq, recovery, snapshot.as_ref());
                let after = store.cursor(&channel).expect("cursor");
                if without_data {
                    assert!(
                        applied.is_err(),
                        "a {recovery:?} answer without snapshot was taken"
                    );
                    assert_eq!(before, after, "a refused answer moved the cursor");
                } else if applied.is_ok() {
                    let cursor = after.expect("stored");
                    assert_eq!((cursor.epoch.as_str(), cursor.seq), (epoch.as_str(), seq));
                }
            }
            ServerMessage::Event(envelope) => {
                let before = store.cursor(&envelope.channel).expect("cursor");
                let applied = store.apply_event(&envelope);
                let after = store.cursor(&envelope.channel).expect("cursor");
                match applied {
                    Ok(Applied::Applied(_)) => assert_eq!(
                        after.map(|c| c.seq),
                        Some(envelope.seq),
                        "an applied event must move the cursor to its seq"
                    ),
                    _ => assert_eq!(before, after, "a refused event moved the cursor"),
                }
            }
            ServerMessage::Control(_) => {}
        }
        let (open, recent) = store.view().expect("the cache reads back");
        store.expo_orders(&open, &recent).expect("expo reads back");
    }
    drop(store);
    let reopened = Store::open(&path).expect("the cache reopens");
    reopened.view().expect("the reopened cache reads back");
}
