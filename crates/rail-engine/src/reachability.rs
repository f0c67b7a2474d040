//! Knowing that the hub is back without hammering it: while the sync engine backs off
//! its reconnects (a WebSocket handshake, a token check and a replay each), a plain
//! TCP connect to the hub's port on a short fixed interval tells when the hub is
//! listening again, so the screen is back online within about one interval of the hub
//! starting, however long the outage was.
//!
//! Only a change from unreachable to reachable ends the backoff: a hub that accepts
//! connections but fails sessions (overloaded, or behind a proxy that cannot reach it)
//! is retried at the backoff's pace, not the probe's.
//!
//! A probe is one SYN answered by a SYN-ACK or a RST, and the connection is closed at
//! once: a hundred screens probing once a second cost a hub that is back less than one
//! of their reconnects. Each probe's interval is jittered, so screens whose outage
//! began together do not probe (and then reconnect) in the same instant.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::net::TcpStream;

/// Where the probes go: the hub URL's host and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HubAddress {
    host: String,
    port: u16,
}

impl HubAddress {
    /// The host and port of `hub_url` (`http://host:port/…`, default ports for
    /// http/https/ws/wss); `None` when the URL names no host.
    pub(crate) fn of(hub_url: &str) -> Option<Self> {
        let url = reqwest::Url::parse(hub_url).ok()?;
        let port = url.port().or(match url.scheme() {
            "http" | "ws" => Some(80),
            "https" | "wss" => Some(443),
            _ => None,
        })?;
        let host = url.host_str()?.trim_matches(['[', ']']).to_owned();
        Some(HubAddress { host, port })
    }
}

/// Probes `address` every `interval` (jittered by ±25 %) and returns when a TCP
/// connection opens after the hub was seen unreachable (`known_down`: it already was).
/// Never returns while the hub stays reachable. `probes` counts every attempt, for
/// diagnostics and benchmarks.
pub(crate) async fn until_back(
    address: &HubAddress,
    interval: Duration,
    mut known_down: bool,
    probes: &AtomicU64,
) {
    loop {
        tokio::time::sleep(interval.mul_f64(rand::random_range(0.75..=1.25))).await;
        probes.fetch_add(1, Ordering::Relaxed);
        let connect = TcpStream::connect((address.host.as_str(), address.port));
        match tokio::time::timeout(interval, connect).await {
            Ok(Ok(stream)) => {
                drop(stream);
                if known_down {
                    return;
                }
            }
            Ok(Err(_)) | Err(_) => known_down = true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_comes_from_the_hub_url() {
        let at = |host: &str, port| {
            Some(HubAddress {
                host: host.into(),
                port,
            })
        };
        assert_eq!(HubAddress::of("http://10.0.0.5:7070"), at("10.0.0.5", 7070));
        assert_eq!(HubAddress::of("https://hub.local/"), at("hub.local", 443));
        assert_eq!(HubAddress::of("http://[::1]:9000"), at("::1", 9000));
        assert_eq!(HubAddress::of("not a url"), None);
    }

    #[tokio::test]
    async fn a_hub_reachable_all_along_never_ends_the_wait() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = HubAddress {
            host: "127.0.0.1".into(),
            port: listener.local_addr().expect("addr").port(),
        };
        let probes = AtomicU64::new(0);
        let waiting = tokio::time::timeout(
            Duration::from_millis(200),
            until_back(&address, Duration::from_millis(20), false, &probes),
        )
        .await;
        assert!(waiting.is_err(), "reachable all along is not 'back'");
        assert!(probes.load(Ordering::Relaxed) >= 3, "it kept probing");
    }

    #[tokio::test]
    async fn a_probe_returns_once_the_port_accepts_and_not_before() {
        // A port that refuses: bind, learn the port, close.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = closed.local_addr().expect("addr").port();
        drop(closed);
        let address = HubAddress {
            host: "127.0.0.1".into(),
            port,
        };
        let probes = AtomicU64::new(0);
        let interval = Duration::from_millis(20);
        let waiting = tokio::time::timeout(
            Duration::from_millis(200),
            until_back(&address, interval, false, &probes),
        )
        .await;
        assert!(waiting.is_err(), "nothing listens yet");
        assert!(probes.load(Ordering::Relaxed) >= 3, "it kept probing");
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("rebind the port");
        tokio::time::timeout(
            Duration::from_secs(2),
            until_back(&address, interval, true, &probes),
        )
        .await
        .expect("the probe sees the listener");
        drop(listener);
    }
}
