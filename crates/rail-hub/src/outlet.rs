//! A WebSocket connection's writing end, shared by its writer task and the fan-out.
//!
//! A connection's writer task sends what its queue holds. But on a quiet hub, waking
//! that task — parked on another core — is a tenth of an order's way to the first
//! screen. So when the events of a commit alone in its batch (or of another hub's
//! notice) are handed out, the fan-out writes the first few subscribers' frames
//! itself, on the thread handing them out, if their sockets are free. Whoever writes
//! holds the outlet's lock and takes items from the queue in order, so no frame
//! overtakes another; a direct write never waits (the writer busy, a batch or a close
//! queued, a socket that cannot take more) and leaves the rest to the writer task.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};

use axum::extract::ws::{Message, Utf8Bytes, WebSocket};
use futures_util::stream::SplitSink;
use futures_util::{Sink, SinkExt};
use tokio::sync::Notify;

use crate::fanout::{Outbound, QueueReceiver};

/// At most this many queued items go out in one flush, so a writer that is always
/// behind still looks at its heartbeat and shutdown between flushes.
const MOST_QUEUED_PER_FLUSH: usize = 64;

/// The writing end of one connection: its socket, and its queue's receiving end.
#[derive(Debug)]
pub struct Outlet {
    /// Wakes the writer task: something was queued, or the queue was given up.
    wake: Notify,
    /// Set when every handle on the queue is gone: the writer sends what is left, then
    /// ends.
    hung_up: AtomicBool,
    side: tokio::sync::Mutex<Side>,
}

#[derive(Debug)]
struct Side {
    sink: SplitSink<WebSocket, Message>,
    outbound: QueueReceiver,
    /// Taken from the queue, not yet taken by the socket: it goes first.
    held: Option<Outbound>,
}

/// What a direct write (on the thread handing events out) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrittenNow {
    /// Frames the socket took.
    pub frames: usize,
    /// Whether nothing is left unwritten or unflushed.
    pub all: bool,
}

/// What the writer task did with the queue.
#[derive(Debug)]
pub enum Drained {
    /// Wrote everything queued.
    All,
    /// Wrote [`MOST_QUEUED_PER_FLUSH`] items; more are waiting.
    More,
    /// The queue asked for the connection to close with this code and reason.
    Closing(u16, String),
    /// Every handle on the queue is gone, and everything in it went out.
    HungUp,
}

impl Outlet {
    pub fn new(sink: SplitSink<WebSocket, Message>, outbound: QueueReceiver) -> Self {
        Outlet {
            wake: Notify::new(),
            hung_up: AtomicBool::new(false),
            side: tokio::sync::Mutex::new(Side {
                sink,
                outbound,
                held: None,
            }),
        }
    }

    /// Tells the writer task there is something to write.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Waits until there may be something to write.
    pub async fn woken(&self) {
        self.wake.notified().await;
    }

    /// Nobody will queue anything more: the writer sends what is queued, then ends.
    pub fn hang_up(&self) {
        self.hung_up.store(true, Ordering::SeqCst);
        self.wake();
    }

    /// Writes what is queued now, on the calling thread, without waiting for anything.
    /// Unless all of it went out, the writer task must be woken for the rest.
    pub fn write_now(&self) -> WrittenNow {
        match self.side.try_lock() {
            Ok(mut side) => side.write_ready(),
            Err(_) => WrittenNow {
                frames: 0,
                all: false,
            },
        }
    }

    /// The writer task's turn: writes what is queued (up to a flush's worth), waiting
    /// on the socket as needed.
    ///
    /// # Errors
    /// When the socket fails: the peer is gone.
    pub async fn write_queued(&self) -> Result<Drained, axum::Error> {
        let mut side = self.side.lock().await;
        let mut written = 0;
        loop {
            let Some(item) = side.next() else {
                side.sink.flush().await?;
                return Ok(if self.hung_up.load(Ordering::SeqCst) {
                    Drained::HungUp
                } else {
                    Drained::All
                });
            };
            match item {
                Outbound::Frame(frame) => {
                    side.sink
                        .feed(Message::Text(Utf8Bytes::clone(&frame)))
                        .await?;
                }
                Outbound::Batch(frames) => {
                    for frame in *frames {
                        side.sink.feed(Message::Text(frame)).await?;
                    }
                }
                Outbound::Close(ending) => {
                    side.sink.flush().await?;
                    let (code, reason) = *ending;
                    return Ok(Drained::Closing(code, reason));
                }
            }
            written += 1;
            if written >= MOST_QUEUED_PER_FLUSH {
                side.sink.flush().await?;
                return Ok(Drained::More);
            }
        }
    }

    /// Sends one message of the writer's own (a heartbeat, a ping, a close) after
    /// whatever the socket already took.
    ///
    /// # Errors
    /// When the socket fails.
    pub async fn send(&self, message: Message) -> Result<(), axum::Error> {
        self.side.lock().await.sink.send(message).await
    }
}

impl Side {
    /// The next item to write: the one held back first, then the queue's.
    fn next(&mut self) -> Option<Outbound> {
        self.held.take().or_else(|| self.outbound.try_recv().ok())
    }

    /// Writes queued frames for as long as the socket takes them without waiting.
    fn write_ready(&mut self) -> WrittenNow {
        // Nothing waits here: a socket not ready leaves the frame held for the writer
        // task, which polls again with a waker of its own.
        let mut context = Context::from_waker(Waker::noop());
        let mut written = WrittenNow {
            frames: 0,
            all: false,
        };
        while let Some(item) = self.next() {
            // Batches and closes are the writer task's: they are rare, and a close
            // ends the connection.
            let Outbound::Frame(frame) = item else {
                self.held = Some(item);
                return written;
            };
            match Pin::new(&mut self.sink).poll_ready(&mut context) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(_)) | Poll::Pending => {
                    self.held = Some(Outbound::Frame(frame));
                    return written;
                }
            }
            if Pin::new(&mut self.sink)
                .start_send(Message::Text(Utf8Bytes::clone(&frame)))
                .is_err()
            {
                return written;
            }
            written.frames += 1;
            if written.frames >= MOST_QUEUED_PER_FLUSH {
                break;
            }
        }
        let flushed = matches!(
            Pin::new(&mut self.sink).poll_flush(&mut context),
            Poll::Ready(Ok(()))
        );
        written.all = flushed && self.held.is_none() && self.outbound.is_empty();
        written
    }
}
