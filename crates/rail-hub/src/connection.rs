//! One WebSocket connection: authentication, client messages, and the writer that
//! streams events, heartbeats and close frames.
//!
//! The socket is split into a reader (this task) and a writer task; whichever ends
//! first ends the other. Every way a connection can end says why with a close code
//! (see `rail_protocol::close_code`).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::stream::SplitStream;
use futures_util::StreamExt;
use rail_protocol::{close_code, ClientMessage, Control, ErrorCode, ServerMessage};
use tokio::sync::{watch, Notify};
use tokio::time::Instant;

use crate::auth::{AuthError, Claims};
use crate::clock::now_ms;
use crate::devices::Notice;
use crate::fanout::{Outbound, Queue, Subscriber};
use crate::hub::{Hub, HubError};
use crate::outlet::{Drained, Outlet};

/// Why the reader stopped, and what close frame (if any) to send.
type Closing = Option<(u16, String)>;

fn encode(message: &ServerMessage) -> Utf8Bytes {
    // Control messages are plain data; encoding cannot fail, but never panic on it.
    Utf8Bytes::from(serde_json::to_string(message).unwrap_or_else(|_| {
        r#"{"type":"error","code":"INTERNAL","message":"encoding failed"}"#.to_owned()
    }))
}

pub(crate) fn error_frame(
    code: ErrorCode,
    message: impl Into<String>,
    channel: Option<String>,
) -> Outbound {
    Outbound::frame(encode(&ServerMessage::Control(Control::Error {
        code,
        message: message.into(),
        channel,
    })))
}

/// Serves one upgraded socket until it closes. `bearer` is the token from the
/// upgrade request, if it had one.
///
/// The set-up runs here, before the future is made, so the future — which lives as
/// long as the connection — holds the handles it needs and not the socket it split
/// (an `async fn` keeps room for its arguments in every state).
pub fn serve(
    hub: Arc<Hub>,
    socket: WebSocket,
    bearer: Option<String>,
    shutdown: watch::Receiver<bool>,
) -> impl std::future::Future<Output = ()> + Send {
    let connection_id = hub.connection_id();
    hub.metrics
        .connections_opened
        .fetch_add(1, Ordering::Relaxed);
    hub.metrics.connections_open.fetch_add(1, Ordering::Relaxed);
    let (sink, mut stream) = socket.split();
    let (queue, outlet) = crate::fanout::queue_with_outlet(hub.config.outbound_queue, sink);
    let overflow = Arc::new(Notify::new());
    let last_heard = Arc::new(AtomicI64::new(now_ms()));
    let running = WriterRunning::new(hub.clone());
    let heartbeat = hub.config.heartbeat;
    let (writer_overflow, writer_heard) = (overflow.clone(), last_heard.clone());
    // The writer's future is made inside its task, not here and moved: a moved future
    // keeps its size in this one too, and this one lives as long as the connection.
    let mut writer = tokio::spawn(async move {
        // Counted until the writer ends, aborted or not.
        let _running = running;
        write_loop(&outlet, writer_overflow, writer_heard, heartbeat, shutdown).await
    });

    async move {
        // On the heap: `select!` below would otherwise hold a second copy of it.
        let reader = Box::pin(async {
            // Boxed, like the closing below: a future is as large as its largest state,
            // and the sign-in and the goodbye would otherwise be paid for by every idle
            // connection for as long as it lives.
            let claims = match Box::pin(authenticate(&hub, &mut stream, bearer, &last_heard)).await
            {
                // Shared with the session: a copy each would sit in every connection.
                Ok(claims) => Arc::new(claims),
                Err(closing) => {
                    hub.metrics.auth_failures.fetch_add(1, Ordering::Relaxed);
                    return closing;
                }
            };
            // Listening before the profile is read: a change made in between is told.
            let mut device = hub.devices.connect(&claims);
            let ready = Outbound::frame(encode(&ServerMessage::Control(Control::Ready {
                connection_id: connection_id.to_string(),
                server_time_ms: now_ms(),
                heartbeat_ms: u64::try_from(hub.config.heartbeat.as_millis()).unwrap_or(u64::MAX),
                location_id: claims.loc.clone(),
                profile: hub.profile_of(&claims).map(Box::new),
            })));
            if queue.send_async(ready).await.is_err() {
                return None;
            }
            let subscriber = Subscriber {
                connection_id,
                queue: queue.clone(),
                overflow,
                positions: device.positions(),
            };
            // A revoked or reassigned device loses its sockets at once, not at its next
            // reconnect, and a new screen profile reaches it while it runs. (Written in
            // the `select!`, not bound to a name first: a future moved into it would be
            // paid for twice.)
            tokio::select! {
                closing = read_loop(&hub, &mut stream, Arc::clone(&claims), subscriber, &last_heard) => closing,
                (code, reason) = async {
                    loop {
                        let profile = match device.next_notice().await {
                            Notice::Close { code, reason } => return (code, reason),
                            Notice::Profile(profile) => profile.map(|p| Box::new((*p).clone())),
                            Notice::Missed => hub.profile_of(&claims).map(Box::new),
                        };
                        let frame = Outbound::frame(encode(&ServerMessage::Control(Control::Profile { profile })));
                        let _ = queued(&queue, frame).await;
                    }
                } => Some((code, reason.to_owned())),
            }
        });

        let ended = tokio::select! {
            closing = reader => Ok(closing),
            end = &mut writer => Err(end),
        };
        Box::pin(close(&hub, connection_id, ended, queue, writer, stream)).await;
    }
}

/// Ends a connection: the close frame if the hub is the one closing, the writer
/// given a moment to flush it, the counters.
async fn close(
    hub: &Hub,
    connection_id: u64,
    ended: Result<Option<(u16, String)>, Result<WriterEnd, tokio::task::JoinError>>,
    queue: Queue,
    mut writer: tokio::task::JoinHandle<WriterEnd>,
    mut stream: SplitStream<WebSocket>,
) {
    tracing::debug!(
        connection = connection_id,
        ?ended,
        "connection ending (Ok: the reader, Err: the writer)"
    );
    hub.disconnect(connection_id);
    let writer_running = ended.is_ok();
    // Whether the hub sent a close frame (and so must finish the close handshake),
    // rather than the client closing or vanishing.
    let closed_by_hub = match ended {
        // The writer ended it: with a close frame (1001, 1013), or on a dead peer.
        Err(end) => matches!(end, Ok(WriterEnd::SentClose)),
        Ok(None) => false,
        Ok(Some((code, reason))) => {
            match code {
                close_code::POLICY_VIOLATION
                | close_code::MESSAGE_TOO_BIG
                | close_code::INVALID_PAYLOAD => {
                    hub.metrics.rejected_frames.fetch_add(1, Ordering::Relaxed);
                }
                _ => {}
            }
            let _ = queue.send_async(Outbound::close(code, reason)).await;
            true
        }
    };
    drop(queue);
    // Let the writer flush the close frame, but never wait on a dead peer. (A writer
    // that already ended must not be awaited again.)
    if writer_running
        && tokio::time::timeout(CLOSE_LINGER, &mut writer)
            .await
            .is_err()
    {
        writer.abort();
    }
    if closed_by_hub {
        finish_close(&mut stream).await;
    }
    hub.metrics.connections_open.fetch_sub(1, Ordering::Relaxed);
    tracing::debug!(connection = connection_id, "connection closed");
}

/// Counts a running writer in [`Hub::writers_running`] for as long as it lives.
struct WriterRunning(Arc<Hub>);

impl WriterRunning {
    fn new(hub: Arc<Hub>) -> Self {
        hub.writers_running.fetch_add(1, Ordering::Relaxed);
        WriterRunning(hub)
    }
}

impl Drop for WriterRunning {
    fn drop(&mut self) {
        self.0.writers_running.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Why the writer stopped.
#[derive(Debug)]
enum WriterEnd {
    /// It sent a close frame.
    SentClose,
    /// Writing failed or the peer fell silent: nobody to say goodbye to.
    PeerGone,
    /// The reader is done with the connection.
    QueueClosed,
}

/// How long the hub waits for a client to take its close frame (and answer it). A
/// client dropped for being slow may first have megabytes of backlog to read before
/// it reaches the close frame; closing the socket under it earlier makes the kernel
/// answer its next packet (a pong, its own close) with a reset, and the reset throws
/// away the backlog and the close frame with it. Bounded, so a dead peer costs a
/// socket for a few seconds only.
const CLOSE_LINGER: Duration = Duration::from_secs(5);

/// Finishes a close the hub started. Dropping a socket with unread input makes the
/// kernel send a reset, and a client still sending (a flood, an oversized message)
/// then loses the close frame and sees a dropped connection instead of the code. So
/// read on until the client's own close arrives, for at most [`CLOSE_LINGER`]; input
/// that cannot be read on (the rest of an oversized frame) is left unread for that
/// long, so the client has time to read the close frame before the reset.
async fn finish_close(stream: &mut SplitStream<WebSocket>) {
    let deadline = Instant::now() + CLOSE_LINGER;
    loop {
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Err(_) | Ok(None) => return,
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(_))) => {
                tokio::time::sleep_until(deadline).await;
                return;
            }
        }
    }
}

/// Waits for a valid token: from the upgrade's header, or an `auth` first message.
async fn authenticate(
    hub: &Hub,
    stream: &mut SplitStream<WebSocket>,
    bearer: Option<String>,
    last_heard: &AtomicI64,
) -> Result<Claims, Closing> {
    let refuse = |error: AuthError| Some((close_code::POLICY_VIOLATION, error.to_string()));
    if let Some(token) = bearer {
        return hub.verify(&token).map_err(refuse);
    }
    let first = tokio::time::timeout(hub.config.auth_timeout, stream.next()).await;
    let text = match first {
        Err(_) => {
            return Err(Some((
                close_code::POLICY_VIOLATION,
                "no auth message in time".into(),
            )))
        }
        Ok(None) | Ok(Some(Err(_))) => return Err(None),
        Ok(Some(Ok(Message::Text(text)))) => text,
        Ok(Some(Ok(_))) => {
            return Err(Some((
                close_code::POLICY_VIOLATION,
                "first message must be auth".into(),
            )))
        }
    };
    last_heard.store(now_ms(), Ordering::Relaxed);
    match serde_json::from_str::<ClientMessage>(&text) {
        Ok(ClientMessage::Auth { token }) => hub.verify(&token).map_err(refuse),
        _ => Err(Some((
            close_code::POLICY_VIOLATION,
            "first message must be auth".into(),
        ))),
    }
}

/// Applied reports a connection may send a minute for each channel it has open: a
/// screen sends at most one per channel every quarter second (240 a minute), so this
/// leaves room for its timer's jitter and nothing for a flood.
const APPLIED_PER_CHANNEL_PER_MINUTE: u32 = 300;

/// Counts messages per minute; beyond the limit the client is warned, beyond twice
/// the limit it is disconnected.
pub(crate) struct RateLimit {
    window_start: Instant,
    count: u32,
    limit: u32,
}

pub(crate) enum RateVerdict {
    Ok,
    Warn,
    Close,
}

impl RateLimit {
    /// `limit` messages a minute, starting now.
    pub(crate) fn per_minute(limit: u32) -> Self {
        RateLimit {
            window_start: Instant::now(),
            count: 0,
            limit,
        }
    }

    pub(crate) fn check(&mut self) -> RateVerdict {
        self.check_within(self.limit)
    }

    /// Like `check`, against `limit` instead of the limit it was made with (for a
    /// budget that grows with what the connection has open).
    pub(crate) fn check_within(&mut self, limit: u32) -> RateVerdict {
        if self.window_start.elapsed() >= Duration::from_secs(60) {
            self.window_start = Instant::now();
            self.count = 0;
        }
        self.count += 1;
        if self.count > limit.saturating_mul(2) {
            RateVerdict::Close
        } else if self.count > limit {
            RateVerdict::Warn
        } else {
            RateVerdict::Ok
        }
    }
}

/// Queues a reply for the writer. Boxed: waiting for room in the queue is rare, and
/// the wait's state would otherwise sit in every idle connection's reader.
async fn queued(queue: &Queue, reply: Outbound) -> Result<(), flume::SendError<Outbound>> {
    Box::pin(queue.send_async(reply)).await
}

async fn read_loop(
    hub: &Hub,
    stream: &mut SplitStream<WebSocket>,
    claims: Arc<Claims>,
    subscriber: Subscriber,
    last_heard: &AtomicI64,
) -> Closing {
    let queue = subscriber.queue.clone();
    let mut session = ClientSession::new(claims, subscriber);
    let mut rate = RateLimit::per_minute(hub.config.messages_per_minute);
    let mut applied_rate = RateLimit::per_minute(APPLIED_PER_CHANNEL_PER_MINUTE);
    while let Some(message) = stream.next().await {
        last_heard.store(now_ms(), Ordering::Relaxed);
        let text = match message {
            Ok(Message::Text(text)) => text,
            Ok(Message::Binary(_)) => {
                hub.metrics.rejected_frames.fetch_add(1, Ordering::Relaxed);
                let reply = error_frame(
                    ErrorCode::InvalidMessage,
                    "binary frames are not accepted; send JSON text",
                    None,
                );
                if queued(&queue, reply).await.is_err() {
                    return None;
                }
                continue;
            }
            Ok(Message::Ping(_) | Message::Pong(_)) => continue,
            Ok(Message::Close(_)) => return None,
            Err(error) => return closing_for(&error),
        };
        let message = serde_json::from_str::<ClientMessage>(&text);
        // A screen reports what it applied on its own schedule (at most one report per
        // channel every quarter second while events flow), so a busy service would
        // spend the budget meant for subscriptions and pings: reports have their own,
        // sized by the channels the connection has open.
        let (verdict, limit) = if let Ok(ClientMessage::Applied { .. }) = &message {
            let limit = APPLIED_PER_CHANNEL_PER_MINUTE
                .saturating_mul(u32::try_from(session.channel_count().max(1)).unwrap_or(u32::MAX));
            (applied_rate.check_within(limit), limit)
        } else {
            (rate.check(), hub.config.messages_per_minute)
        };
        match verdict {
            RateVerdict::Ok => {}
            RateVerdict::Warn => {
                hub.metrics.rejected_frames.fetch_add(1, Ordering::Relaxed);
                let reply = error_frame(
                    ErrorCode::RateLimited,
                    format!("more than {limit} messages a minute; slow down"),
                    None,
                );
                if queued(&queue, reply).await.is_err() {
                    return None;
                }
                continue;
            }
            RateVerdict::Close => {
                return Some((close_code::POLICY_VIOLATION, "message flood".into()));
            }
        }
        let Some(reply) = session.handle_message(hub, message) else {
            continue;
        };
        if let Outbound::Close(close) = reply {
            return Some(*close);
        }
        if queued(&queue, reply).await.is_err() {
            return None;
        }
    }
    None
}

/// What one authenticated connection has subscribed to; answers its text frames.
///
/// Kept apart from the socket so the message handling can be driven directly (the
/// fuzz harness in `crates/rail-fuzz` does).
pub struct ClientSession {
    claims: Arc<Claims>,
    subscriber: Subscriber,
    subscriptions: Vec<String>,
}

impl ClientSession {
    /// A session for a connection that authenticated as `claims`.
    pub fn new(claims: impl Into<Arc<Claims>>, subscriber: Subscriber) -> Self {
        ClientSession {
            claims: claims.into(),
            subscriber,
            subscriptions: Vec::new(),
        }
    }

    /// The reply to one text frame: `None` when there is nothing to say,
    /// [`Outbound::Close`] when the connection must end. Events of new subscriptions
    /// go to the subscriber's queue.
    pub fn handle_text(&mut self, hub: &Hub, text: &str) -> Option<Outbound> {
        self.handle_message(hub, serde_json::from_str::<ClientMessage>(text))
    }

    /// How many channels the connection has open.
    pub fn channel_count(&self) -> usize {
        self.subscriptions.len()
    }

    /// Like `handle_text`, for a frame already parsed.
    pub fn handle_message(
        &mut self,
        hub: &Hub,
        message: Result<ClientMessage, serde_json::Error>,
    ) -> Option<Outbound> {
        match message {
            Err(error) => {
                hub.metrics.rejected_frames.fetch_add(1, Ordering::Relaxed);
                Some(error_frame(
                    ErrorCode::InvalidMessage,
                    format!("not a valid message: {error}"),
                    None,
                ))
            }
            Ok(ClientMessage::Auth { .. }) => None,
            Ok(ClientMessage::Ping {}) => Some(Outbound::frame(encode(&ServerMessage::Control(
                Control::Pong {
                    server_time_ms: now_ms(),
                },
            )))),
            Ok(ClientMessage::Subscribe { channel, since }) => subscribe(
                hub,
                &self.claims,
                &self.subscriber,
                &mut self.subscriptions,
                channel,
                since.as_ref(),
            ),
            Ok(ClientMessage::Applied { channel, seq }) => {
                if !self.subscriptions.contains(&channel) {
                    return Some(error_frame(
                        ErrorCode::NotSubscribed,
                        format!("not subscribed to {channel}"),
                        Some(channel),
                    ));
                }
                // A screen can only have applied what it was handed.
                let handed = self.subscriber.positions.get(&channel).unwrap_or(0);
                if seq > handed {
                    hub.metrics.rejected_frames.fetch_add(1, Ordering::Relaxed);
                    return Some(error_frame(
                        ErrorCode::InvalidMessage,
                        format!("{channel} was handed up to {handed}, not {seq}"),
                        Some(channel),
                    ));
                }
                hub.applied(&self.claims.loc, &self.claims.sub, &channel, seq);
                None
            }
            Ok(ClientMessage::Unsubscribe { channel }) => {
                if hub.unsubscribe(&self.claims, &channel, self.subscriber.connection_id) {
                    self.subscriptions.retain(|c| c != &channel);
                    Some(Outbound::frame(encode(&ServerMessage::Control(
                        Control::Unsubscribed { channel },
                    ))))
                } else {
                    Some(error_frame(
                        ErrorCode::NotSubscribed,
                        format!("not subscribed to {channel}"),
                        Some(channel),
                    ))
                }
            }
        }
    }
}

fn subscribe(
    hub: &Hub,
    claims: &Claims,
    subscriber: &Subscriber,
    subscriptions: &mut Vec<String>,
    channel: String,
    since: Option<&rail_protocol::Cursor>,
) -> Option<Outbound> {
    if !subscriptions.contains(&channel) && subscriptions.len() >= hub.config.max_subscriptions {
        let max = hub.config.max_subscriptions;
        return Some(error_frame(
            ErrorCode::TooManySubscriptions,
            format!("at most {max} subscriptions per connection"),
            Some(channel),
        ));
    }
    match hub.subscribe(claims, &channel, since, subscriber.clone()) {
        Ok(_) => {
            if !subscriptions.contains(&channel) {
                subscriptions.push(channel);
            }
            None
        }
        Err(HubError::BadChannel(message)) => Some(error_frame(
            ErrorCode::UnknownChannel,
            message,
            Some(channel),
        )),
        Err(HubError::Forbidden(message)) => {
            hub.metrics.auth_failures.fetch_add(1, Ordering::Relaxed);
            Some(error_frame(ErrorCode::Forbidden, message, Some(channel)))
        }
        Err(HubError::Overloaded) => {
            subscriber.overflow.notify_one();
            None
        }
        Err(error) => {
            tracing::error!(%error, "subscribe failed");
            // The client cannot know what it holds now: tell it, then close with 1011
            // (see the reader) so it reconnects and resumes from its cursors.
            let message = "the hub could not start this subscription";
            let _ =
                subscriber
                    .queue
                    .try_send(error_frame(ErrorCode::Internal, message, Some(channel)));
            Some(Outbound::close(
                close_code::INTERNAL_ERROR,
                "internal error",
            ))
        }
    }
}

/// Maps a read error to the close frame the client should get.
fn closing_for(error: &axum::Error) -> Closing {
    let text = error.to_string();
    if text.contains("UTF-8") {
        return Some((
            close_code::INVALID_PAYLOAD,
            "a text frame was not valid UTF-8".into(),
        ));
    }
    // axum wraps tungstenite's error; its text is the stable way to tell a size limit.
    if text.contains("Message too long")
        || text.contains("Space limit exceeded")
        || text.contains("too long")
    {
        Some((
            close_code::MESSAGE_TOO_BIG,
            "message larger than the hub accepts".into(),
        ))
    } else {
        tracing::debug!(%error, "socket read failed");
        None
    }
}

async fn write_loop(
    outlet: &Outlet,
    overflow: Arc<Notify>,
    last_heard: Arc<AtomicI64>,
    heartbeat: Duration,
    mut shutdown: watch::Receiver<bool>,
) -> WriterEnd {
    let mut ticker = tokio::time::interval_at(Instant::now() + heartbeat, heartbeat);
    let silent_limit_ms = i64::try_from(heartbeat.as_millis() * 2).unwrap_or(i64::MAX);
    let close = |code: u16, reason: String| {
        Message::Close(Some(CloseFrame {
            code,
            reason: Utf8Bytes::from(close_code::fit_reason(&reason)),
        }))
    };
    loop {
        tokio::select! {
            biased;
            _ = overflow.notified() => {
                let sent = outlet.send(close(close_code::TRY_AGAIN_LATER, "too slow; resume from your cursor".into())).await;
                tracing::debug!(?sent, "told a slow client to resync");
                return WriterEnd::SentClose;
            }
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    let _ = outlet.send(close(close_code::GOING_AWAY, "hub shutting down".into())).await;
                    return WriterEnd::SentClose;
                }
            }
            () = outlet.woken() => match outlet.write_queued().await {
                Ok(Drained::All) => {}
                // Its heartbeat and shutdown are looked at before the rest.
                Ok(Drained::More) => outlet.wake(),
                Ok(Drained::Closing(code, reason)) => {
                    let _ = outlet.send(close(code, reason)).await;
                    return WriterEnd::SentClose;
                }
                Ok(Drained::HungUp) => return WriterEnd::QueueClosed,
                Err(_) => return WriterEnd::PeerGone,
            },
            _ = ticker.tick() => {
                if now_ms() - last_heard.load(Ordering::Relaxed) > silent_limit_ms {
                    tracing::debug!("peer silent for two heartbeats; dropping it");
                    return WriterEnd::PeerGone;
                }
                let beat = encode(&ServerMessage::Control(Control::Heartbeat { server_time_ms: now_ms() }));
                if outlet.send(Message::Text(beat)).await.is_err() { return WriterEnd::PeerGone; }
                if outlet.send(Message::Ping(Default::default())).await.is_err() { return WriterEnd::PeerGone; }
            }
        }
    }
}
