//! Several hubs, one kitchen: hubs sharing one PostgreSQL store tell each other of the
//! events they wrote, through NATS, so a screen on one hub sees an order posted to
//! another as it is committed.
//!
//! PostgreSQL is the truth: a channel's next sequence number is taken inside the
//! transaction that writes the change (its row stays locked until the commit), so
//! sequences are gap-free and in commit order across hubs. NATS (core, at most once)
//! only makes delivery fast. Each hub hands a channel's events to its subscribers in
//! sequence: an event past a gap — an earlier one still on its way, or lost — is
//! preceded by the missing ones read from PostgreSQL, and a duplicate is dropped. A
//! sweep every second reads where each subscribed channel stands, so an event whose
//! NATS message was lost (NATS down, a hub killed between commit and publish) reaches
//! the screens within a second even when no later event follows it.
//!
//! Screens' `applied` reports travel the same way, and every hub watches every ticket
//! put on a station's rail, wherever it was written and wherever its screens are
//! connected; the store settles which hub raises or clears an alert, so a ticket is
//! still escalated, once, when the hub that took it is gone.
//!
//! Every notice is sealed with an HMAC-SHA256 keyed from the signing secret kept in
//! the shared store: a hub hands its screens only what another hub of the same store
//! sent, whoever else can reach the NATS server.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::{channel_position, events_between, Db, Engine, Published};
use crate::Hub;

/// The NATS subject every hub of a cluster publishes on and listens to.
const SUBJECT: &str = "rail.cluster";
/// Notices waiting for NATS; past this (NATS down a long time) they are dropped and
/// the other hubs' sweeps read the events from PostgreSQL instead.
const OUTBOX: usize = 10_000;
/// How often each hub checks its subscribed channels against the store.
const SWEEP: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("several hubs must share a PostgreSQL store (--store postgres://…)")]
    NeedsSharedStore,
    #[error("cannot reach NATS at {url}: {source}")]
    Connect {
        url: String,
        source: async_nats::ConnectError,
    },
    #[error("cannot listen on NATS: {0}")]
    Subscribe(#[from] async_nats::SubscribeError),
    #[error("this hub already joined a cluster")]
    AlreadyJoined,
    #[error("cannot read the store's signing secret: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("NATS over TLS: {0}")]
    Trust(#[from] crate::trust::TrustError),
    #[error("a client certificate for NATS needs its key, and a key its certificate: name both or neither")]
    HalfAnIdentity,
}

/// How a hub reaches NATS over TLS: the CA certificates (PEM) it trusts for the
/// server, and the certificate and key (PEM) it shows a server that asks its clients
/// for one. Naming any of them asks for TLS.
#[derive(Debug, Clone, Default)]
pub struct NatsTls {
    pub ca_file: Option<std::path::PathBuf>,
    pub cert_file: Option<std::path::PathBuf>,
    pub key_file: Option<std::path::PathBuf>,
}

impl NatsTls {
    fn named(&self) -> bool {
        self.ca_file.is_some() || self.cert_file.is_some() || self.key_file.is_some()
    }

    fn identity(&self) -> Result<Option<crate::trust::ClientIdentity<'_>>, ClusterError> {
        match (&self.cert_file, &self.key_file) {
            (Some(cert), Some(key)) => Ok(Some(crate::trust::ClientIdentity { cert, key })),
            (None, None) => Ok(None),
            _ => Err(ClusterError::HalfAnIdentity),
        }
    }
}

/// How to reach the NATS server at `url` (one address, or several with commas): over
/// TLS, the server's certificate and name checked, when an address says `tls://` or
/// `tls` names a file (the CAs in its CA file, and only those, are trusted; otherwise
/// the system's); otherwise as the server asks.
fn connect_options(url: &str, tls: &NatsTls) -> Result<async_nats::ConnectOptions, ClusterError> {
    let options = async_nats::ConnectOptions::new();
    let tls_asked = url
        .split(',')
        .any(|address| address.trim().starts_with("tls://"));
    let identity = tls.identity()?;
    if tls_asked || tls.named() {
        let config = crate::trust::client_config(tls.ca_file.as_deref(), identity)?;
        return Ok(options.require_tls(true).tls_client_config(config));
    }
    Ok(options)
}

/// Notes in the hub's metrics whether it is connected to NATS now.
fn nats_connected(hub: &std::sync::Weak<Hub>, now: bool) {
    if let Some(hub) = hub.upgrade() {
        hub.metrics
            .cluster_nats_connected
            .store(now, Ordering::Relaxed);
    }
}

/// The key notices are sealed with, for hubs sharing the store that holds `secret`.
fn notice_key(secret: &str) -> [u8; 32] {
    Sha256::new()
        .chain_update(b"rail-cluster-notices\n")
        .chain_update(secret.as_bytes())
        .finalize()
        .into()
}

const TAG_LEN: usize = 32;

/// `body` with its HMAC-SHA256 tag in front.
fn seal(key: &[u8; 32], body: &[u8]) -> Vec<u8> {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        unreachable!("HMAC takes a key of any length")
    };
    mac.update(body);
    let mut sealed = mac.finalize().into_bytes().to_vec();
    sealed.extend_from_slice(body);
    sealed
}

/// The body of a sealed payload, if its tag is right.
fn open<'a>(key: &[u8; 32], payload: &'a [u8]) -> Option<&'a [u8]> {
    if payload.len() < TAG_LEN {
        return None;
    }
    let (tag, body) = payload.split_at(TAG_LEN);
    let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
    mac.update(body);
    mac.verify_slice(tag).ok().map(|()| body)
}

/// A notice and the hub that sent it (each hub hears its own notices too, and skips
/// them).
#[derive(Debug, Serialize, Deserialize)]
struct Sent {
    hub: String,
    notice: Notice,
}

/// What one hub tells the others.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
enum Notice {
    /// Events this hub committed, in commit order.
    Events { events: Vec<Event> },
    /// A device was removed, reassigned or given another profile here: the other
    /// hubs close or refresh its sockets too.
    Device {
        location: String,
        device: String,
        change: DeviceChange,
    },
    /// A screen connected to this hub applied a channel up to `seq`.
    Applied {
        location: String,
        screen: String,
        channel: String,
        seq: u64,
        at_ms: i64,
    },
}

/// What happened to a device, for its sockets on other hubs.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DeviceChange {
    /// Removed: its tokens are refused and its sockets closed (1008).
    Revoked,
    /// Its role or stations changed: its sockets close so it reconnects with a token
    /// that carries them.
    Reassigned,
    /// Its screen profile changed: its sockets look it up again.
    Profile,
}

impl Hub {
    /// Tells the other hubs of a change to a device, when this hub is one of several.
    pub(crate) fn tell_other_hubs(&self, location: &str, device: &str, change: DeviceChange) {
        if let Some(link) = self.cluster.get() {
            link.send(Notice::Device {
                location: location.to_owned(),
                device: device.to_owned(),
                change,
            });
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Event {
    location: String,
    channel: String,
    seq: u64,
    frame: String,
    /// The ticket the event put on a station's rail (absent from hubs of an earlier
    /// version, which then prove their own tickets only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    arrival: Option<String>,
}

/// This hub's side of the cluster: where its notices go.
#[derive(Debug)]
pub struct Link {
    hub_id: String,
    outbox: tokio::sync::mpsc::Sender<Sent>,
}

impl Link {
    /// Tells the other hubs of events this hub committed.
    pub(crate) fn forward(&self, published: &[Published]) {
        if published.is_empty() {
            return;
        }
        let events = published
            .iter()
            .map(|event| Event {
                location: event.location_id.clone(),
                channel: event.channel.clone(),
                seq: event.seq,
                frame: event.frame.clone(),
                arrival: event.arrival.clone(),
            })
            .collect();
        self.send(Notice::Events { events });
    }

    /// Tells the other hubs of a screen's `applied` report.
    pub(crate) fn forward_applied(
        &self,
        location: &str,
        screen: &str,
        channel: &str,
        seq: u64,
        at_ms: i64,
    ) {
        self.send(Notice::Applied {
            location: location.to_owned(),
            screen: screen.to_owned(),
            channel: channel.to_owned(),
            seq,
            at_ms,
        });
    }

    fn send(&self, notice: Notice) {
        let sent = Sent {
            hub: self.hub_id.clone(),
            notice,
        };
        if self.outbox.try_send(sent).is_err() {
            tracing::warn!("NATS is behind; the other hubs will read this from the store");
        }
    }
}

/// Joins the hubs that share this hub's PostgreSQL store through NATS at `url`
/// (over TLS when it says `tls://` or `tls` names a file). A NATS server
/// that is down is retried in the background; meanwhile the hub serves its own screens
/// and reads the others' events in its sweeps.
///
/// # Errors
/// When the store is not PostgreSQL, the NATS address is not valid, or a TLS file
/// cannot be read or used.
pub async fn join(hub: Arc<Hub>, url: &str, tls: &NatsTls) -> Result<(), ClusterError> {
    let key = {
        let mut state = hub.lock();
        if state.store.engine() != Engine::Postgres {
            return Err(ClusterError::NeedsSharedStore);
        }
        notice_key(&state.store.signing_secret()?)
    };
    let hub_id = uuid::Uuid::new_v4().simple().to_string();
    let reconnected = Arc::new(tokio::sync::Notify::new());
    let on_event = Arc::clone(&reconnected);
    // The client outlives no hub: it holds only a weak reference for its events.
    let watched = Arc::downgrade(&hub);
    hub.metrics.cluster_joined.store(true, Ordering::Relaxed);
    let options = || -> Result<async_nats::ConnectOptions, ClusterError> {
        let on_event = Arc::clone(&on_event);
        let watched = watched.clone();
        Ok(connect_options(url, tls)?
            .name(format!("rail-hub {hub_id}"))
            .event_callback(move |event| {
                let on_event = Arc::clone(&on_event);
                let watched = watched.clone();
                async move {
                    match event {
                        async_nats::Event::Connected => {
                            tracing::info!("connected to NATS");
                            nats_connected(&watched, true);
                            on_event.notify_one();
                        }
                        async_nats::Event::Disconnected => {
                            nats_connected(&watched, false);
                            tracing::warn!("NATS lost; other hubs' events now come from the store");
                        }
                        other => tracing::debug!(%other, "NATS"),
                    }
                }
            }))
    };
    // Several servers of one NATS cluster may be named, with commas: the client starts
    // on one of them and moves to another when its server is lost.
    let servers: Vec<&str> = url
        .split(',')
        .map(str::trim)
        .filter(|server| !server.is_empty())
        .collect();
    // One attempt first, so that a server that cannot be reached or refuses (its
    // certificate, say) is reported with the reason: the client's own retries only
    // report "IO error".
    let client = match options()?.connect(&servers).await {
        Ok(client) => {
            nats_connected(&watched, true);
            client
        }
        Err(error) => {
            tracing::warn!(
                "cannot reach NATS at {url} yet ({}); trying again in the background, \
                 other hubs' events come from the store meanwhile",
                rail_protocol::error_text::with_causes(&error)
            );
            options()?
                .retry_on_initial_connect()
                .connect(&servers)
                .await
                .map_err(|source| ClusterError::Connect {
                    url: url.to_owned(),
                    source,
                })?
        }
    };
    let mut subscription = client.subscribe(SUBJECT).await?;
    let (outbox, mut outgoing) = tokio::sync::mpsc::channel::<Sent>(OUTBOX);
    hub.cluster
        .set(Link {
            hub_id: hub_id.clone(),
            outbox,
        })
        .map_err(|_| ClusterError::AlreadyJoined)?;

    let publisher = client.clone();
    tokio::spawn(async move {
        while let Some(notice) = outgoing.recv().await {
            let payload = match serde_json::to_vec(&notice) {
                Ok(payload) => payload,
                Err(error) => {
                    tracing::error!(%error, "encoding a cluster notice failed");
                    continue;
                }
            };
            let sealed = seal(&key, &payload);
            if let Err(error) = publisher.publish(SUBJECT, sealed.into()).await {
                tracing::warn!(%error, "publishing to NATS failed");
            }
        }
    });

    let listener = Arc::clone(&hub);
    tokio::spawn(async move {
        while let Some(message) = subscription.next().await {
            let Some(body) = open(&key, &message.payload) else {
                tracing::warn!("a cluster notice with a wrong seal was dropped");
                continue;
            };
            let sent: Sent = match serde_json::from_slice(body) {
                Ok(sent) => sent,
                Err(error) => {
                    tracing::warn!(%error, "a cluster notice could not be read");
                    continue;
                }
            };
            if sent.hub == hub_id {
                continue;
            }
            let hub = Arc::clone(&listener);
            // The store may be read (a gap): off the runtime's workers, one at a time
            // so events keep their order.
            let _ = tokio::task::spawn_blocking(move || receive(&hub, sent.notice)).await;
        }
    });

    tokio::spawn(async move {
        // The sweep's own connection, carried from one sweep to the next.
        let mut reader: Option<Db> = None;
        loop {
            tokio::select! {
                () = tokio::time::sleep(SWEEP) => {}
                () = reconnected.notified() => {}
            }
            let hub = Arc::clone(&hub);
            let carried = reader.take();
            reader = tokio::task::spawn_blocking(move || {
                let mut reader = carried;
                sweep(&hub, &mut reader);
                reader
            })
            .await
            .unwrap_or(None);
        }
    });
    Ok(())
}

/// Another hub's notice: its events to this hub's subscribers, its screens' reports to
/// this hub's delivery proofs.
fn receive(hub: &Hub, notice: Notice) {
    match notice {
        Notice::Events { events } => {
            let published: Vec<Published> = events
                .into_iter()
                .map(|event| Published {
                    location_id: event.location,
                    channel: event.channel,
                    seq: event.seq,
                    frame: event.frame,
                    arrival: event.arrival,
                })
                .collect();
            hub.metrics
                .cluster_received
                .fetch_add(published.len() as u64, Ordering::Relaxed);
            let mut state = hub.lock();
            // Handing out notes the arrivals too: every hub watches every arrival, so a
            // ticket is still escalated when the hub that took it is gone (the store
            // settles which hub raises the alert).
            hub.hand_out(&mut state, &published, crate::clock::now_ms());
        }
        Notice::Device {
            location,
            device,
            change,
        } => match change {
            DeviceChange::Revoked => hub.devices.revoke(&location, &device),
            DeviceChange::Reassigned => hub.devices.kick(
                &location,
                &device,
                rail_protocol::close_code::SERVICE_RESTART,
                crate::devices::REASSIGNED_REASON,
            ),
            DeviceChange::Profile => {
                hub.devices
                    .tell(&location, &device, crate::devices::Notice::Missed);
            }
        },
        Notice::Applied {
            location,
            screen,
            channel,
            seq,
            at_ms,
        } => {
            hub.delivery
                .applied(&location, &screen, &channel, seq, at_ms, false);
        }
    }
}

/// Reads where each channel with subscribers on this hub stands and hands out what
/// they have not had: events whose notice never came. The store is read on the
/// sweep's own connection, so the hub's lock is held only to copy the channel list and
/// to hand out what was missed.
fn sweep(hub: &Hub, reader: &mut Option<Db>) {
    if reader.is_none() {
        match hub.lock().store.reader() {
            Ok(opened) => *reader = opened,
            Err(error) => tracing::warn!(%error, "the sweep cannot open the store"),
        }
    }
    let Some(conn) = reader.as_ref() else {
        return;
    };
    // A removal whose notice was lost still locks the device out within a second.
    match crate::store::devices::revoked(conn) {
        Ok(revoked) => {
            for (location, device) in revoked {
                if !hub.devices.is_revoked(&location, &device) {
                    hub.devices.revoke(&location, &device);
                }
            }
        }
        Err(error) => {
            tracing::warn!(%error, "the sweep cannot read the store");
            return;
        }
    }
    let channels: Vec<(String, String, u64)> = hub
        .lock()
        .registry
        .delivered()
        .map(|(location, channel, delivered)| (location.to_owned(), channel.to_owned(), delivered))
        .collect();
    let mut missed = Vec::new();
    for (location, channel, delivered) in channels {
        let read = channel_position(conn, &location, &channel).and_then(|position| {
            if position.last_seq > delivered {
                events_between(conn, &location, &channel, delivered, position.last_seq + 1)
            } else {
                Ok(Vec::new())
            }
        });
        match read {
            Ok(events) => missed.extend(events.into_iter().map(|(seq, frame)| Published {
                location_id: location.clone(),
                arrival: crate::store::arrival_in_frame(&channel, &frame),
                channel: channel.clone(),
                seq,
                frame,
            })),
            Err(error) => {
                tracing::warn!(%error, "the sweep cannot read the store");
                return;
            }
        }
    }
    if !missed.is_empty() {
        tracing::debug!(events = missed.len(), "handed out events no notice brought");
        hub.metrics
            .cluster_swept
            .fetch_add(missed.len() as u64, Ordering::Relaxed);
        let mut state = hub.lock();
        hub.hand_out(&mut state, &missed, crate::clock::now_ms());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_certificate_for_nats_without_its_key_or_a_key_alone_is_refused() {
        for tls in [
            NatsTls {
                cert_file: Some("/etc/rail/hub.crt".into()),
                ..NatsTls::default()
            },
            NatsTls {
                key_file: Some("/etc/rail/hub.key".into()),
                ..NatsTls::default()
            },
        ] {
            let refused = connect_options("tls://nats.internal:4222", &tls);
            assert!(
                matches!(refused, Err(ClusterError::HalfAnIdentity)),
                "{tls:?}"
            );
        }
        assert!(connect_options("nats://nats.internal:4222", &NatsTls::default()).is_ok());
    }

    #[test]
    fn a_notice_opens_only_with_the_stores_key_and_unchanged() {
        let key = notice_key("the store's secret");
        let sealed = seal(&key, b"{\"kind\":\"events\"}");
        assert_eq!(open(&key, &sealed), Some(&b"{\"kind\":\"events\"}"[..]));
        assert_eq!(open(&notice_key("another store's secret"), &sealed), None);
        let mut changed = sealed.clone();
        let last = changed.len() - 1;
        changed[last] ^= 1;
        assert_eq!(open(&key, &changed), None, "a changed body");
        assert_eq!(open(&key, &sealed[..TAG_LEN - 1]), None, "too short");
        assert_eq!(open(&key, b"{\"kind\":\"events\"}"), None, "unsealed");
    }
}
