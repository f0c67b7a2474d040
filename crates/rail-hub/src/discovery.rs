//! The hub announces itself on the kitchen network with mDNS / DNS-SD
//! (`_rail._tcp.local.`): a screen being set up lists the hubs it hears, with their
//! scheme and certificate fingerprint, instead of someone typing an address.

use std::collections::HashMap;

use mdns_sd::{IfKind, ServiceDaemon, ServiceInfo};
use rail_protocol::discovery::{MdnsScope, SERVICE_TYPE, TXT_FINGERPRINT, TXT_SCHEME, TXT_VERSION};

/// Why the hub could not announce itself (it still serves; screens can type its address).
#[derive(Debug, thiserror::Error)]
#[error("cannot announce the hub on the network: {0}")]
pub struct DiscoveryError(String);

/// A running announcement; dropping it withdraws it.
pub struct Announcement {
    daemon: ServiceDaemon,
    fullname: String,
}

impl Drop for Announcement {
    fn drop(&mut self) {
        let _ = self.daemon.unregister(&self.fullname);
        let _ = self.daemon.shutdown();
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "rail-hub".to_owned())
}

/// Announces the hub on `port` over `scope`'s interfaces. `fingerprint` is `None` for
/// a hub serving plain HTTP.
///
/// # Errors
/// When the mDNS responder cannot start (no multicast, say).
pub fn announce(
    port: u16,
    fingerprint: Option<&str>,
    scope: MdnsScope,
) -> Result<Option<Announcement>, DiscoveryError> {
    if scope == MdnsScope::Off {
        return Ok(None);
    }
    let failed = |e: mdns_sd::Error| DiscoveryError(e.to_string());
    let daemon = ServiceDaemon::new().map_err(failed)?;
    if scope == MdnsScope::Loopback {
        daemon.disable_interface(IfKind::All).map_err(failed)?;
        daemon
            .enable_interface(IfKind::LoopbackV4)
            .map_err(failed)?;
    }
    let host = host_name();
    let mut properties = HashMap::new();
    properties.insert(
        TXT_SCHEME.to_owned(),
        if fingerprint.is_some() {
            "https"
        } else {
            "http"
        }
        .to_owned(),
    );
    if let Some(fingerprint) = fingerprint {
        properties.insert(TXT_FINGERPRINT.to_owned(), fingerprint.to_owned());
    }
    properties.insert(TXT_VERSION.to_owned(), env!("CARGO_PKG_VERSION").to_owned());
    // The instance name carries the port, so two hubs on one host (tests, a spare)
    // stay apart.
    let instance = format!("Rail hub on {host} ({port})");
    let info = ServiceInfo::new(
        SERVICE_TYPE,
        &instance,
        &format!("{host}.local."),
        "",
        port,
        properties,
    )
    .map_err(failed)?
    .enable_addr_auto();
    let fullname = info.get_fullname().to_owned();
    daemon.register(info).map_err(failed)?;
    tracing::info!(%instance, ?scope, "announced on the network (mDNS)");
    Ok(Some(Announcement { daemon, fullname }))
}
