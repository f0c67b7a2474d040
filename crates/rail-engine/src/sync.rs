//! The sync engine: one reconnecting WebSocket subscription per screen.
//!
//! Connect → `ready` (learn the hub's clock and heartbeat) → subscribe to each channel
//! with the cursor kept in the cache → apply the snapshot or replay, then live events,
//! each in one transaction with its cursor. A gap in sequence numbers, a silent link
//! (two heartbeats without a word) or any socket error ends the session; the next one
//! resumes from the cursors after a jittered exponential backoff. While the hub cannot
//! even be reached, a cheap probe ([`crate::reachability`]) cuts the backoff short as
//! soon as the hub listens again.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rail_protocol::{close_code, ClientMessage, Control, ErrorCode, ServerMessage};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

use crate::access::AccessError;
use crate::applied::AppliedReports;
use crate::reachability::{self, HubAddress};
use crate::shared::Shared;
use crate::sound::Cue;
use crate::store::{Applied, Change, StoreError};
use crate::view::LinkState;

/// Why a session ended.
#[derive(Debug, thiserror::Error)]
enum SessionError {
    /// No TCP connection could be opened (refused, unreachable, timed out).
    #[error("cannot reach the hub: {0}")]
    Unreachable(String),
    /// The hub was reached but the session could not be opened or went on.
    #[error("link to the hub failed: {0}")]
    Connect(String),
    #[error("the hub refused this screen's token: {0}")]
    Refused(String),
    /// The hub removed this device; only pairing again helps.
    #[error("this screen was removed from the hub; pair it again")]
    Removed,
    #[error("the hub closed the link ({code}: {reason})")]
    Closed { code: u16, reason: String },
    #[error("no word from the hub for {0:?}")]
    Silent(Duration),
    #[error("missed events on {0}; resuming")]
    Gap(String),
    #[error("unexpected message from the hub: {0}")]
    Protocol(String),
    #[error("local cache: {0}")]
    Store(#[from] crate::store::StoreError),
}

impl SessionError {
    /// Errors after which reconnecting at once is right (the link itself is fine).
    fn retry_now(&self) -> bool {
        matches!(self, SessionError::Gap(_))
            || matches!(self, SessionError::Closed { code, .. }
                if *code == close_code::TRY_AGAIN_LATER || *code == close_code::SERVICE_RESTART)
    }
}

/// Runs sessions until `stop` flips.
pub(crate) async fn run(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let mut attempt: u32 = 0;
    // Hubs moved to since the link was last up: a kitchen with several hubs tries
    // each at once before backing off.
    let mut moved: usize = 0;
    // The link was up when the screen began moving between hubs: if none answers, the
    // kitchen hears that the link is lost, once.
    let mut moving_since_online = false;
    loop {
        if *stop.borrow() {
            return;
        }
        let outcome = session(&shared, &mut stop, &mut attempt).await;
        if *stop.borrow() {
            return;
        }
        let delay = match &outcome {
            Ok(()) => return,
            Err(SessionError::Removed) => {
                tracing::warn!("the hub removed this screen");
                shared.set_link(LinkState::Removed, Some(SessionError::Removed.to_string()));
                return;
            }
            Err(error) if error.retry_now() => {
                tracing::info!(%error, "resyncing");
                Duration::ZERO
            }
            Err(error) if moved + 1 < shared.config.hubs().count() && shared.next_hub() => {
                tracing::warn!(%error, "hub gone; trying the kitchen's next hub");
                if shared.link_state() == LinkState::Online {
                    moved = 0;
                    moving_since_online = true;
                    shared.set_link(LinkState::Reconnecting, Some(error.to_string()));
                }
                moved += 1;
                Duration::ZERO
            }
            Err(error) => {
                let was_online = shared.link_state() == LinkState::Online
                    || std::mem::take(&mut moving_since_online);
                moved = 0;
                tracing::warn!(%error, attempt, "link to hub down");
                if was_online {
                    shared.sound.play(Cue::LinkLost);
                }
                let state = if was_online {
                    LinkState::Reconnecting
                } else {
                    LinkState::Offline
                };
                shared.set_link(state, Some(error.to_string()));
                let delay = shared.config.backoff.delay(attempt);
                attempt = attempt.saturating_add(1);
                delay
            }
        };
        // Waiting out a long backoff while the hub is already back would leave the
        // kitchen watching an offline banner: probe while waiting, and reconnect as
        // soon as a hub that was down listens again.
        let known_down = matches!(outcome, Err(SessionError::Unreachable(_)));
        let probe_target = HubAddress::of(&shared.hub_url());
        let reachable = async {
            match &probe_target {
                Some(address) if !delay.is_zero() => {
                    reachability::until_back(
                        address,
                        shared.config.probe_interval,
                        known_down,
                        &shared.probes,
                    )
                    .await
                }
                _ => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = reachable => tracing::info!("the hub is reachable again; reconnecting"),
            _ = stop.changed() => return,
        }
    }
}

async fn session(
    shared: &Shared,
    stop: &mut watch::Receiver<bool>,
    attempt: &mut u32,
) -> Result<(), SessionError> {
    let config = &shared.config;
    let hub = shared.hub_url();
    let mut request = crate::config::socket_url(&hub)
        .into_client_request()
        .map_err(|e| SessionError::Connect(e.to_string()))?;
    let token = shared
        .access
        .bearer(&shared.http, &hub)
        .await
        .map_err(|error| match error {
            AccessError::Revoked => SessionError::Removed,
            AccessError::Refused(reason) => SessionError::Refused(reason),
            AccessError::Unavailable(reason) => SessionError::Unreachable(reason),
            untrusted @ AccessError::Untrusted(_) => SessionError::Connect(untrusted.to_string()),
        })?;
    let bearer = HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|e| SessionError::Connect(e.to_string()))?;
    request.headers_mut().insert("authorization", bearer);
    let connector = crate::tls::socket_connector(config.hub_ca.as_deref())
        .map_err(|e| SessionError::Connect(e.to_string()))?;
    let (socket, _) = tokio::time::timeout(
        config.connect_timeout,
        tokio_tungstenite::connect_async_tls_with_config(request, None, false, connector),
    )
    .await
    .map_err(|_| SessionError::Unreachable("timed out".into()))?
    .map_err(|error| match error {
        tokio_tungstenite::tungstenite::Error::Io(io) => SessionError::Unreachable(io.to_string()),
        other => SessionError::Connect(rail_protocol::error_text::with_causes(&other)),
    })?;
    let (mut sink, mut stream) = socket.split();

    // The hub speaks first: `ready`, or an error and close 1008 for a refused token.
    let mut silent_limit = config.connect_timeout;
    let mut subscribed = false;
    let mut reports = AppliedReports::default();
    // Silence is timed from the last message heard, not from the last report sent.
    let mut silent_since = tokio::time::Instant::now();
    loop {
        let message = tokio::select! {
            message = tokio::time::timeout_at(silent_since + silent_limit, stream.next()) => message,
            () = reports.due() => {
                for report in reports.take() {
                    let text = serde_json::to_string(&report)
                        .map_err(|e| SessionError::Protocol(e.to_string()))?;
                    sink.send(Message::Text(text.into()))
                        .await
                        .map_err(|e| SessionError::Connect(e.to_string()))?;
                }
                continue;
            }
            _ = stop.changed() => {
                let _ = sink.send(Message::Close(None)).await;
                return Ok(());
            }
        };
        let message = match message {
            Err(_) => return Err(SessionError::Silent(silent_limit)),
            Ok(None) => {
                return Err(SessionError::Closed {
                    code: 1006,
                    reason: "connection lost".into(),
                })
            }
            Ok(Some(Err(error))) => return Err(SessionError::Connect(error.to_string())),
            Ok(Some(Ok(message))) => message,
        };
        silent_since = tokio::time::Instant::now();
        let text = match message {
            Message::Text(text) => text,
            Message::Close(frame) => {
                let (code, reason) = frame
                    .map(|f| (u16::from(f.code), f.reason.to_string()))
                    .unwrap_or((1005, String::new()));
                // A paired device fetches a fresh token for its next attempt: the one
                // refused may have expired, or carry stations it no longer has.
                shared.access.forget();
                if code == close_code::POLICY_VIOLATION
                    && reason.starts_with(close_code::DEVICE_REMOVED)
                {
                    return Err(SessionError::Removed);
                }
                if code == close_code::POLICY_VIOLATION {
                    return Err(SessionError::Refused(reason));
                }
                return Err(SessionError::Closed { code, reason });
            }
            _ => continue,
        };
        let message: ServerMessage =
            serde_json::from_str(&text).map_err(|e| SessionError::Protocol(e.to_string()))?;
        match message {
            ServerMessage::Control(Control::Ready {
                server_time_ms,
                heartbeat_ms,
                location_id,
                profile,
                ..
            }) => {
                shared.heard_from_hub(Some(server_time_ms));
                shared.apply_profile(profile.map(|p| *p));
                // Two heartbeats of silence mean the link is dead, whatever TCP thinks.
                silent_limit = Duration::from_millis(heartbeat_ms.saturating_mul(2))
                    .max(Duration::from_millis(200));
                for channel in &shared.channels_for(&location_id) {
                    let since = shared.cursor(channel)?;
                    let subscribe = ClientMessage::Subscribe {
                        channel: channel.clone(),
                        since,
                    };
                    let text = serde_json::to_string(&subscribe)
                        .map_err(|e| SessionError::Protocol(e.to_string()))?;
                    sink.send(Message::Text(text.into()))
                        .await
                        .map_err(|e| SessionError::Connect(e.to_string()))?;
                }
                if matches!(
                    shared.link_state(),
                    LinkState::Reconnecting | LinkState::Offline
                ) {
                    shared.sound.play(Cue::LinkRestored);
                }
                shared.set_link(LinkState::Online, None);
                // A healthy connection resets the backoff.
                *attempt = 0;
                shared.outbox_wake.notify_one();
            }
            ServerMessage::Control(Control::Subscribed {
                channel,
                epoch,
                seq,
                recovery,
                snapshot,
            }) => {
                shared.heard_from_hub(None);
                let new_tickets = shared
                    .apply_subscribed(&channel, &epoch, seq, recovery, snapshot.as_ref())
                    .map_err(|error| match error {
                        // The hub broke the protocol, not the cache: say so, reconnect.
                        StoreError::MissingSnapshot { .. } => {
                            SessionError::Protocol(error.to_string())
                        }
                        other => SessionError::Store(other),
                    })?;
                tracing::info!(%channel, ?recovery, seq, new_tickets, "subscribed");
                reports.note(&channel, seq);
                subscribed = true;
                if new_tickets > 0 {
                    shared.sound.play(Cue::NewTicket);
                }
            }
            ServerMessage::Control(
                Control::Heartbeat { server_time_ms } | Control::Pong { server_time_ms },
            ) => shared.heard_from_hub(Some(server_time_ms)),
            ServerMessage::Control(Control::Error {
                code,
                message,
                channel,
            }) => {
                tracing::warn!(?code, %message, ?channel, "hub reported an error");
                if matches!(code, ErrorCode::Forbidden | ErrorCode::UnknownChannel) {
                    shared.set_link(
                        LinkState::Online,
                        Some(format!("{}: {message}", channel.unwrap_or_default())),
                    );
                }
            }
            ServerMessage::Control(Control::Profile { profile }) => {
                shared.heard_from_hub(None);
                shared.apply_profile(profile.map(|p| *p));
            }
            ServerMessage::Control(Control::Unsubscribed { .. }) => {}
            ServerMessage::Event(envelope) => {
                shared.heard_from_hub(None);
                match shared.apply_event(&envelope)? {
                    Applied::Applied(change) => {
                        reports.note(&envelope.channel, envelope.seq);
                        if let Some(cue) = cue_for(change) {
                            shared.sound.play(cue);
                        }
                    }
                    Applied::Duplicate => {}
                    Applied::Gap { expected, got } => {
                        tracing::warn!(channel = %envelope.channel, expected, got, "sequence gap");
                        return Err(SessionError::Gap(envelope.channel));
                    }
                    Applied::NotSubscribed if !subscribed => {}
                    Applied::NotSubscribed => return Err(SessionError::Gap(envelope.channel)),
                }
            }
        }
    }
}

/// The cue for a change on the rail, if it deserves one.
fn cue_for(change: Change) -> Option<Cue> {
    match change {
        Change::Arrived => Some(Cue::NewTicket),
        Change::Modified => Some(Cue::Modified),
        Change::Voided => Some(Cue::Voided),
        Change::Rushed => Some(Cue::Rush),
        Change::OrderReady => Some(Cue::OrderReady),
        Change::Undelivered => Some(Cue::Undelivered),
        Change::Quiet => None,
    }
}
