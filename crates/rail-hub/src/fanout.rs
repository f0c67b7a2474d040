//! Live fan-out: which connections hold which channels, and handing them new events.
//!
//! Each event is encoded once; subscribers share the bytes. Sending never waits: a
//! connection whose queue is full is cut off (it will reconnect and resume from its
//! cursor), so one slow screen can neither stall the kitchen nor grow the hub's memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::ws::{Message, Utf8Bytes, WebSocket};
use futures_util::stream::SplitSink;
use tokio::sync::Notify;

use crate::outlet::Outlet;
use crate::store::Published;

/// A connection's outbound queue: what its writer sends, in order.
///
/// flume rather than tokio's channel: tokio's allocates about 1 KiB per queue up front
/// (cache-padded halves and a first block of 32 slots), which every idle connection
/// paid for; flume's queue grows from nothing as it is used.
///
/// A WebSocket connection's queue also reaches its [`Outlet`]: queuing wakes the
/// writer task there, and the fan-out may write a frame at once instead (see
/// `crate::outlet`). A Socket.IO connection's writer waits on the queue itself.
#[derive(Debug, Clone)]
pub struct Queue {
    sender: flume::Sender<Outbound>,
    outlet: Option<Arc<QueueEnd>>,
}

/// Hangs the outlet up when the last handle on its queue is dropped, as a closed
/// channel ends a writer waiting on the channel itself.
#[derive(Debug)]
struct QueueEnd(Arc<Outlet>);

impl Drop for QueueEnd {
    fn drop(&mut self) {
        self.0.hang_up();
    }
}

/// The writer's end of a [`Queue`].
pub type QueueReceiver = flume::Receiver<Outbound>;

/// A queue holding at most `capacity` items, whose writer waits on the receiver.
pub fn queue(capacity: usize) -> (Queue, QueueReceiver) {
    let (sender, receiver) = flume::bounded(capacity);
    (
        Queue {
            sender,
            outlet: None,
        },
        receiver,
    )
}

/// A queue holding at most `capacity` items, written to `sink` through an [`Outlet`].
pub fn queue_with_outlet(
    capacity: usize,
    sink: SplitSink<WebSocket, Message>,
) -> (Queue, Arc<Outlet>) {
    let (sender, receiver) = flume::bounded(capacity);
    let outlet = Arc::new(Outlet::new(sink, receiver));
    (
        Queue {
            sender,
            outlet: Some(Arc::new(QueueEnd(Arc::clone(&outlet)))),
        },
        outlet,
    )
}

impl Queue {
    /// Queues `item` if there is room, and wakes the writer.
    ///
    /// # Errors
    /// The item back when the queue is full or its writer gone.
    pub fn try_send(&self, item: Outbound) -> Result<(), flume::TrySendError<Outbound>> {
        self.sender.try_send(item)?;
        self.wake();
        Ok(())
    }

    /// Queues `item`, waiting for room, and wakes the writer.
    ///
    /// # Errors
    /// The item back when the writer is gone.
    pub async fn send_async(&self, item: Outbound) -> Result<(), flume::SendError<Outbound>> {
        self.sender.send_async(item).await?;
        self.wake();
        Ok(())
    }

    /// Queues `item` without waking the writer, and answers the outlet that must now
    /// write it or wake its writer — or `None` if queuing woke the writer already (a
    /// writer waiting on the queue itself).
    fn try_send_deferred(
        &self,
        item: Outbound,
    ) -> Result<Option<&Arc<Outlet>>, flume::TrySendError<Outbound>> {
        self.sender.try_send(item)?;
        Ok(self.outlet.as_ref().map(|end| &end.0))
    }

    fn wake(&self) {
        if let Some(end) = &self.outlet {
            end.0.wake();
        }
    }
}

/// How a hand-out gets frames to sockets. A lone commit's events are written at once
/// to the first few subscribers of each, on the committing thread; a batch's are
/// queued for the connections' writer tasks, which send each screen's share of the
/// batch in one write.
#[derive(Debug)]
pub struct HandOut {
    direct: bool,
    frames_written: usize,
}

impl HandOut {
    /// The first subscribers of each event are written to at once.
    pub fn direct() -> Self {
        HandOut {
            direct: true,
            frames_written: 0,
        }
    }

    /// Every frame is queued for the writer tasks.
    pub fn queued() -> Self {
        HandOut {
            direct: false,
            frames_written: 0,
        }
    }

    /// Frames written to sockets by the hand-out itself.
    pub fn frames_written(&self) -> usize {
        self.frames_written
    }
}

/// How many subscribers of an event the fan-out writes to itself. Most stations have
/// one to three screens, so on a kitchen's hub every screen's frame leaves without a
/// thread woken; past this the writer tasks, on every core, take the rest.
const DIRECT_PER_EVENT: usize = 4;

/// What a connection's writer sends, in order. Every variant is one pointer, so the
/// queue's slots stay small.
#[derive(Debug)]
pub enum Outbound {
    /// One frame, shared by every subscriber of the event.
    Frame(Arc<Utf8Bytes>),
    /// A subscribe answer and its snapshot or replay: one queue slot whatever its size,
    /// so a long replay cannot overflow the queue it must precede live events in.
    Batch(Box<Vec<Utf8Bytes>>),
    /// The close code and reason to end the connection with.
    Close(Box<(u16, String)>),
}

impl Outbound {
    pub fn frame(frame: Utf8Bytes) -> Self {
        Outbound::Frame(Arc::new(frame))
    }

    pub fn batch(frames: Vec<Utf8Bytes>) -> Self {
        Outbound::Batch(Box::new(frames))
    }

    pub fn close(code: u16, reason: impl Into<String>) -> Self {
        Outbound::Close(Box::new((code, reason.into())))
    }
}

/// A connection's side of the fan-out.
#[derive(Debug, Clone)]
pub struct Subscriber {
    pub connection_id: u64,
    pub queue: Queue,
    /// Woken when the queue overflowed and the connection must close.
    pub overflow: Arc<Notify>,
    /// Where its device stands on each channel, for the manager's device list.
    pub positions: Arc<Positions>,
}

/// The last sequence number handed to a device on each of its channels. Shared by
/// the device's sockets, and kept after they close, so the device list can say how
/// far behind a screen is even while it is offline.
#[derive(Debug, Default)]
pub struct Positions(Mutex<HashMap<String, u64>>);

impl Positions {
    /// Notes that `seq` on `channel` was handed over (positions only move forward:
    /// two sockets of one device may hand over the same event).
    pub fn note(&self, channel: &str, seq: u64) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match map.get_mut(channel) {
            Some(known) => *known = (*known).max(seq),
            None => {
                map.insert(channel.to_owned(), seq);
            }
        }
    }

    /// The position on `channel`, if anything was handed over there.
    pub fn get(&self, channel: &str) -> Option<u64> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(channel).copied()
    }

    /// Every channel and its position, by channel name.
    pub fn all(&self) -> Vec<(String, u64)> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let mut all: Vec<(String, u64)> = map.iter().map(|(c, s)| (c.clone(), *s)).collect();
        all.sort();
        all
    }
}

/// `(location, channel)`: channels are always scoped to a location.
type ChannelKey = (String, String);

/// One channel's subscribers on this hub, and how far its events were handed out.
#[derive(Debug)]
struct Channel {
    members: Vec<Member>,
    /// The newest sequence number handed to this channel's subscribers. Events reach
    /// a channel in sequence: one at or below it is a duplicate, one past the next is
    /// preceded by the ones missing (read from the store).
    delivered: u64,
}

#[derive(Debug)]
struct Member {
    subscriber: Subscriber,
    /// The newest event its snapshot or replay already held.
    after: u64,
}

/// Subscribers by channel.
#[derive(Debug, Default)]
pub struct Registry {
    channels: HashMap<ChannelKey, Channel>,
}

/// Reads the events of a channel after one sequence number and before another, from
/// the store, when events arrive past a gap (another hub's event overtaken by a later
/// one, or lost on the way).
pub type Fill<'a> = dyn FnMut(&str, &str, u64, u64) -> Vec<(u64, String)> + 'a;

impl Registry {
    /// Subscribes a connection to a channel whose snapshot or replay it was handed up
    /// to `position`. A second subscription of the same connection replaces the first.
    pub fn add(&mut self, location_id: &str, channel: &str, subscriber: Subscriber, position: u64) {
        let entry = self
            .channels
            .entry((location_id.to_owned(), channel.to_owned()))
            .or_insert_with(|| Channel {
                members: Vec::new(),
                delivered: position,
            });
        entry
            .members
            .retain(|m| m.subscriber.connection_id != subscriber.connection_id);
        entry.members.push(Member {
            subscriber,
            after: position,
        });
    }

    /// Ends one subscription; false if the connection did not hold it.
    pub fn remove(&mut self, location_id: &str, channel: &str, connection_id: u64) -> bool {
        let key = (location_id.to_owned(), channel.to_owned());
        let Some(entry) = self.channels.get_mut(&key) else {
            return false;
        };
        let before = entry.members.len();
        entry
            .members
            .retain(|m| m.subscriber.connection_id != connection_id);
        let removed = entry.members.len() != before;
        if entry.members.is_empty() {
            self.channels.remove(&key);
        }
        removed
    }

    /// Ends every subscription of a connection.
    pub fn remove_connection(&mut self, connection_id: u64) {
        self.channels.retain(|_, entry| {
            entry
                .members
                .retain(|m| m.subscriber.connection_id != connection_id);
            !entry.members.is_empty()
        });
    }

    /// `(location, channel, subscriber count)` for every channel with subscribers.
    pub fn counts(&self) -> impl Iterator<Item = (&str, &str, usize)> {
        self.channels
            .iter()
            .map(|((loc, ch), entry)| (loc.as_str(), ch.as_str(), entry.members.len()))
    }

    /// `(location, channel, newest sequence handed out)` for every channel with
    /// subscribers.
    pub fn delivered(&self) -> impl Iterator<Item = (&str, &str, u64)> {
        self.channels
            .iter()
            .map(|((loc, ch), entry)| (loc.as_str(), ch.as_str(), entry.delivered))
    }

    /// Hands events to their channels' subscribers, each channel in sequence: events
    /// already handed out are skipped, and a gap before an event is first filled by
    /// `fill`.
    pub fn publish(&mut self, events: &[Published], fill: &mut Fill<'_>, how: &mut HandOut) {
        for event in events {
            let key = (event.location_id.clone(), event.channel.clone());
            let Some(entry) = self.channels.get_mut(&key) else {
                continue;
            };
            if event.seq <= entry.delivered {
                continue;
            }
            if event.seq > entry.delivered + 1 {
                let missing = fill(
                    &event.location_id,
                    &event.channel,
                    entry.delivered,
                    event.seq,
                );
                for (seq, frame) in missing {
                    if seq > entry.delivered && seq < event.seq {
                        hand_out(entry, &event.channel, seq, frame, how);
                    }
                }
            }
            hand_out(entry, &event.channel, event.seq, event.frame.clone(), how);
            if entry.members.is_empty() {
                self.channels.remove(&key);
            }
        }
    }
}

/// Queues one event to every member of a channel that does not hold it yet, writing
/// it at once to the first few if `how` says so.
fn hand_out(entry: &mut Channel, channel: &str, seq: u64, frame: String, how: &mut HandOut) {
    entry.delivered = seq;
    let frame = Arc::new(Utf8Bytes::from(frame));
    let mut direct_left = if how.direct { DIRECT_PER_EVENT } else { 0 };
    entry.members.retain(|member| {
        if seq <= member.after {
            return true;
        }
        let subscriber = &member.subscriber;
        let item = Outbound::Frame(Arc::clone(&frame));
        let queued = if direct_left > 0 {
            subscriber.queue.try_send_deferred(item).map(|outlet| {
                if let Some(outlet) = outlet {
                    direct_left -= 1;
                    let written = outlet.write_now();
                    how.frames_written += written.frames;
                    if !written.all {
                        outlet.wake();
                    }
                }
            })
        } else {
            subscriber.queue.try_send(item)
        };
        match queued {
            Ok(()) => {
                subscriber.positions.note(channel, seq);
                true
            }
            Err(flume::TrySendError::Full(_)) => {
                tracing::warn!(
                    connection = subscriber.connection_id,
                    %channel,
                    "subscriber too slow; dropping it so it resyncs"
                );
                subscriber.overflow.notify_one();
                false
            }
            Err(flume::TrySendError::Disconnected(_)) => false,
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queue_slot_is_two_words() {
        // Each connection's queue allocates a block of 32 slots when it opens; a
        // variant carrying its data inline would multiply that for every idle screen.
        assert!(std::mem::size_of::<Outbound>() <= 16);
    }

    fn published(seq: u64) -> Published {
        Published {
            arrival: None,
            location_id: "loc".into(),
            channel: "kds:grill".into(),
            seq,
            frame: format!("{{\"seq\":{seq}}}"),
        }
    }

    fn subscriber(connection_id: u64) -> Subscriber {
        Subscriber {
            connection_id,
            queue: queue(4).0,
            overflow: Arc::new(Notify::new()),
            positions: Arc::default(),
        }
    }

    fn no_gaps(_: &str, _: &str, after: u64, before: u64) -> Vec<(u64, String)> {
        panic!("no gap expected, asked for {after}..{before}")
    }

    fn count(registry: &Registry, channel: &str) -> usize {
        registry
            .counts()
            .find(|(_, ch, _)| *ch == channel)
            .map_or(0, |(_, _, n)| n)
    }

    #[test]
    fn connections_join_leave_and_disconnect_without_touching_others() {
        let mut registry = Registry::default();
        for id in 1..=3 {
            registry.add("loc", "kds:grill", subscriber(id), 0);
            registry.add("loc", "kds:fry", subscriber(id), 0);
        }
        // Subscribing twice to one channel keeps one subscription.
        registry.add("loc", "kds:grill", subscriber(2), 0);
        assert_eq!(count(&registry, "kds:grill"), 3);

        assert!(registry.remove("loc", "kds:grill", 1));
        assert!(!registry.remove("loc", "kds:grill", 1), "already gone");
        assert!(
            !registry.remove("other", "kds:fry", 2),
            "another location's channel"
        );
        assert_eq!(
            (count(&registry, "kds:grill"), count(&registry, "kds:fry")),
            (2, 3)
        );

        registry.remove_connection(2);
        assert_eq!(
            (count(&registry, "kds:grill"), count(&registry, "kds:fry")),
            (1, 2)
        );

        registry.remove_connection(1);
        registry.remove_connection(3);
        assert_eq!(registry.counts().count(), 0, "empty channels are dropped");
    }

    #[tokio::test]
    async fn a_subscriber_whose_queue_is_full_is_cut_off_and_told_to_resync() {
        let mut registry = Registry::default();
        let (slow_queue, slow_rx) = queue(2);
        let slow_overflow = Arc::new(Notify::new());
        let (fast_queue, fast_rx) = queue(16);
        let (slow_positions, fast_positions) = (Arc::new(Positions::default()), Arc::default());
        registry.add(
            "loc",
            "kds:grill",
            Subscriber {
                connection_id: 1,
                queue: slow_queue,
                overflow: slow_overflow.clone(),
                positions: slow_positions.clone(),
            },
            0,
        );
        registry.add(
            "loc",
            "kds:grill",
            Subscriber {
                connection_id: 2,
                queue: fast_queue,
                overflow: Arc::new(Notify::new()),
                positions: Arc::clone(&fast_positions),
            },
            0,
        );
        registry.publish(
            &[published(1), published(2), published(3)],
            &mut no_gaps,
            &mut HandOut::queued(),
        );

        // The slow one got what fit, then was dropped and woken to close (1013).
        assert!(matches!(slow_rx.try_recv(), Ok(Outbound::Frame(_))));
        assert!(matches!(slow_rx.try_recv(), Ok(Outbound::Frame(_))));
        assert!(slow_rx.try_recv().is_err(), "nothing queued past the limit");
        tokio::time::timeout(
            std::time::Duration::from_millis(100),
            slow_overflow.notified(),
        )
        .await
        .expect("overflow signalled");
        assert_eq!(
            registry.counts().map(|(_, _, n)| n).sum::<usize>(),
            1,
            "only the fast subscriber stays"
        );
        // The others never wait for it.
        for _ in 0..3 {
            assert!(matches!(fast_rx.try_recv(), Ok(Outbound::Frame(_))));
        }
        // Each device's position is the last event it was handed.
        assert_eq!(slow_positions.all(), vec![("kds:grill".to_owned(), 2)]);
        assert_eq!(fast_positions.all(), vec![("kds:grill".to_owned(), 3)]);
    }

    fn seqs(rx: &QueueReceiver) -> Vec<u64> {
        rx.try_iter()
            .map(|item| match item {
                Outbound::Frame(frame) => {
                    let value: serde_json::Value =
                        serde_json::from_str(frame.as_str()).expect("frame");
                    value["seq"].as_u64().expect("seq")
                }
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_channel_gets_its_events_in_sequence_once_whatever_order_they_come_in() {
        let mut registry = Registry::default();
        let (early, early_rx) = queue(16);
        registry.add(
            "loc",
            "kds:grill",
            Subscriber {
                queue: early,
                ..subscriber(1)
            },
            1,
        );
        // Another hub's 3 overtook its 2: 2 is read from the store first.
        let mut asked = Vec::new();
        registry.publish(
            &[published(3)],
            &mut |_, _, after, before| {
                asked.push((after, before));
                (after + 1..before)
                    .map(|seq| (seq, format!("{{\"seq\":{seq}}}")))
                    .collect()
            },
            &mut HandOut::queued(),
        );
        assert_eq!(asked, [(1, 3)]);
        // A screen subscribing now was handed a snapshot that already holds 4, which
        // is still on its way to this hub.
        let (late, late_rx) = queue(16);
        registry.add(
            "loc",
            "kds:grill",
            Subscriber {
                queue: late,
                ..subscriber(2)
            },
            4,
        );
        // 2 arrives again (late), then 4 and 5.
        registry.publish(
            &[published(2), published(4), published(5)],
            &mut no_gaps,
            &mut HandOut::queued(),
        );
        assert_eq!(seqs(&early_rx), [2, 3, 4, 5]);
        assert_eq!(
            seqs(&late_rx),
            [5],
            "what its snapshot held is not sent again"
        );
    }
}
