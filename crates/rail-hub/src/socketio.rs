//! The Socket.IO door: apps written against socket.io-client v4 connect to the hub
//! (`io(url, { auth: { token } })`) and get the same channels, events, tokens, tenancy
//! and limits as the hub's own WebSocket protocol, because every message goes through
//! the same [`ClientSession`] a WebSocket connection uses. The Socket.IO protocol
//! itself is socketioxide's.
//!
//! - `join` `{channel, since?}` subscribes (acknowledged with `{ok, recovery, seq}` or
//!   `{ok: false, code, message}`); `leave` `{channel}` unsubscribes.
//! - Each channel event is emitted under its own name (`kds:ticket-new`,
//!   `order:status`, …) with two arguments: the event's data, and
//!   `{channel, seq, id, ts}`.
//! - `rail:subscribed` carries each subscription's start (`epoch`, `seq`, `recovery`
//!   and, for a fresh start or a reset, the snapshot); `rail:error` the hub's errors.
//! - Nothing missed: the handshake's `auth.since` maps channels to the last
//!   `{epoch, seq}` the app applied. On every (re)connection the hub joins those
//!   channels again from there and replays what the app missed, in order, or says
//!   `reset` with a fresh snapshot. socket.io-client evaluates an `auth` function on
//!   each reconnection, so an app keeps its cursors there.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use rail_protocol::{Cursor, ServerMessage};
use serde::Deserialize;
use serde_json::{json, Value};
use socketioxide::extract::{AckSender, Data, Extension, SocketRef, State};
use socketioxide::handler::ConnectHandler;
use socketioxide::layer::SocketIoLayer;
use socketioxide::SocketIo;
use tokio::sync::{oneshot, Notify};

use crate::auth::Claims;
use crate::connection::{ClientSession, RateLimit, RateVerdict};
use crate::fanout::{Outbound, Subscriber};
use crate::hub::Hub;

/// The handshake's `auth`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DoorAuth {
    token: String,
    /// Channel → where the app stands in it: joined again from there at connect.
    #[serde(default)]
    since: BTreeMap<String, Cursor>,
}

/// `join`'s payload.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Join {
    channel: String,
    #[serde(default)]
    since: Option<Cursor>,
}

/// `leave`'s payload.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Leave {
    channel: String,
}

/// Why a connection was refused; socket.io-client sees it as `connect_error`'s message.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Refused(String);

/// What one Socket.IO connection holds: its claims, its session (subscriptions, shared
/// with the WebSocket path) and the channels to join again at connect.
#[derive(Clone)]
struct Door {
    claims: Claims,
    since: Arc<BTreeMap<String, Cursor>>,
}

/// The session behind a socket: the same as a WebSocket connection's, with the same
/// limit on messages per minute.
#[derive(Clone)]
struct Session(Arc<Mutex<(ClientSession, RateLimit)>>);

/// Builds the door's layer for the hub's router (path `/socket.io/`).
pub fn layer(hub: Arc<Hub>) -> SocketIoLayer {
    let (layer, io) = SocketIo::builder().with_state(hub).build_layer();
    io.ns("/", on_connect.with(authenticate));
    layer
}

async fn authenticate(
    socket: SocketRef,
    Data(auth): Data<DoorAuth>,
    State(hub): State<Arc<Hub>>,
) -> Result<(), Refused> {
    let claims = hub.verify(&auth.token).map_err(|e| {
        hub.metrics
            .auth_failures
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Refused(e.to_string())
    })?;
    if auth.since.len() > hub.config.max_subscriptions {
        return Err(Refused(format!(
            "at most {} channels per connection",
            hub.config.max_subscriptions
        )));
    }
    socket.extensions.insert(Door {
        claims,
        since: Arc::new(auth.since),
    });
    Ok(())
}

/// The JSON text a WebSocket client would have sent, for the shared session.
fn subscribe_text(channel: &str, since: Option<&Cursor>) -> String {
    json!({ "type": "subscribe", "channel": channel, "since": since }).to_string()
}

async fn on_connect(
    socket: SocketRef,
    State(hub): State<Arc<Hub>>,
    Extension(door): Extension<Door>,
) {
    let connection_id = hub.connection_id();
    let (queue, outbound) = crate::fanout::queue(hub.config.outbound_queue);
    let overflow = Arc::new(Notify::new());
    let (positions_tx, positions) = oneshot::channel();
    tokio::spawn(forward(
        socket.clone(),
        hub.clone(),
        door.claims.clone(),
        outbound,
        overflow.clone(),
        positions_tx,
    ));
    let Ok(positions) = positions.await else {
        return;
    };
    let subscriber = Subscriber {
        connection_id,
        queue: queue.clone(),
        overflow,
        positions,
    };
    let session = Session(Arc::new(Mutex::new((
        ClientSession::new(door.claims.clone(), subscriber),
        RateLimit::per_minute(hub.config.messages_per_minute),
    ))));
    hub.metrics
        .connections_opened
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    hub.metrics
        .connections_open
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);

    // The channels the app followed before this connection, from where it stood.
    for (channel, cursor) in door.since.iter() {
        let reply = session.resume(&hub, &subscribe_text(channel, Some(cursor)));
        if let Some(Outbound::Frame(frame)) = reply {
            emit_frame(&socket, frame.as_str());
        }
    }

    socket.on("join", {
        let session = session.clone();
        async move |socket: SocketRef,
                    Data(join): Data<Join>,
                    ack: AckSender,
                    State(hub): State<Arc<Hub>>| {
            let reply = session.handle(&hub, &subscribe_text(&join.channel, join.since.as_ref()));
            let _ = ack.send(&acknowledgement(reply, &socket));
        }
    });
    socket.on("leave", {
        let session = session.clone();
        async move |socket: SocketRef,
                    Data(leave): Data<Leave>,
                    ack: AckSender,
                    State(hub): State<Arc<Hub>>| {
            let text = json!({ "type": "unsubscribe", "channel": leave.channel }).to_string();
            let reply = session.handle(&hub, &text);
            let _ = ack.send(&acknowledgement(reply, &socket));
        }
    });
    socket.on_disconnect(async move |State(hub): State<Arc<Hub>>| {
        hub.disconnect(connection_id);
        hub.metrics
            .connections_open
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    });
}

/// What a `join` or `leave` is acknowledged with: the session's error in the hub's
/// words, or `{ok: true}`. A reply that ends the connection ends the socket too.
fn acknowledgement(reply: Option<Outbound>, socket: &SocketRef) -> Value {
    match reply {
        Some(Outbound::Frame(frame)) => {
            let said: Value = serde_json::from_str(frame.as_str()).unwrap_or_default();
            if said["type"] == "error" {
                json!({ "ok": false, "code": said["code"], "message": said["message"] })
            } else {
                json!({ "ok": true })
            }
        }
        Some(Outbound::Close(ending)) => {
            let (code, reason) = *ending;
            let _ = socket.clone().disconnect();
            json!({ "ok": false, "code": code, "message": reason })
        }
        Some(Outbound::Batch(_)) | None => json!({ "ok": true }),
    }
}

impl Session {
    fn lock(&self) -> std::sync::MutexGuard<'_, (ClientSession, RateLimit)> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One message from the app, counted against the limit: past it the app is told
    /// `RATE_LIMITED`; past twice it the connection ends, as on the WebSocket.
    fn handle(&self, hub: &Hub, text: &str) -> Option<Outbound> {
        let mut guard = self.lock();
        let (session, rate) = &mut *guard;
        match rate.check() {
            RateVerdict::Ok => session.handle_text(hub, text),
            RateVerdict::Warn => Some(crate::connection::error_frame(
                rail_protocol::ErrorCode::RateLimited,
                "too many messages; slow down",
                None,
            )),
            RateVerdict::Close => Some(Outbound::close(
                rail_protocol::close_code::POLICY_VIOLATION,
                "too many messages",
            )),
        }
    }

    /// A channel joined again at connect: the hub's doing, not counted.
    fn resume(&self, hub: &Hub, text: &str) -> Option<Outbound> {
        self.lock().0.handle_text(hub, text)
    }
}

/// Sends what the hub queued for this connection as Socket.IO events, in order; ends
/// the connection when its queue overflowed (the app reconnects and resumes) or the
/// device was removed.
async fn forward(
    socket: SocketRef,
    hub: Arc<Hub>,
    claims: Claims,
    outbound: crate::fanout::QueueReceiver,
    overflow: Arc<Notify>,
    positions: oneshot::Sender<Arc<crate::fanout::Positions>>,
) {
    // The device counts as online, and hears of its removal, while this runs.
    let mut device = hub.devices.connect(&claims);
    if positions.send(device.positions()).is_err() {
        return;
    }
    loop {
        tokio::select! {
            next = outbound.recv_async() => match next {
                Ok(Outbound::Frame(frame)) => emit_frame(&socket, frame.as_str()),
                Ok(Outbound::Batch(frames)) => {
                    for frame in frames.iter() {
                        emit_frame(&socket, frame.as_str());
                    }
                }
                Ok(Outbound::Close(..)) | Err(_) => break,
            },
            () = overflow.notified() => break,
            notice = device.next_notice() => {
                if let crate::devices::Notice::Close { .. } = notice {
                    break;
                }
            }
        }
    }
    let _ = socket.disconnect();
}

/// One frame of the hub's protocol as the Socket.IO event an app listens for.
fn emit_frame(socket: &SocketRef, frame: &str) {
    let Ok(message) = serde_json::from_str::<ServerMessage>(frame) else {
        return;
    };
    let sent = match message {
        ServerMessage::Event(envelope) => {
            let meta = json!({ "channel": envelope.channel, "seq": envelope.seq, "id": envelope.id, "ts": envelope.ts });
            let data = serde_json::to_value(&envelope.event)
                .map(|mut tagged| tagged["data"].take())
                .unwrap_or_default();
            socket.emit(envelope.event.name(), &(data, meta))
        }
        ServerMessage::Control(control) => {
            let value = serde_json::to_value(&control).unwrap_or_default();
            match value["type"].as_str() {
                Some("subscribed") => socket.emit("rail:subscribed", &value),
                Some("error") => socket.emit("rail:error", &value),
                _ => Ok(()),
            }
        }
    };
    if let Err(error) = sent {
        tracing::debug!(%error, "a Socket.IO client could not be sent an event");
    }
}
