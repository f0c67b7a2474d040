//! Finding hubs on the kitchen network: a screen being set up listens for the hubs'
//! mDNS / DNS-SD announcements (`_rail._tcp.local.`) for a moment and lists what it
//! heard — address, scheme and certificate fingerprint — so nobody types an address.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use mdns_sd::{IfKind, ServiceDaemon, ServiceEvent};
use rail_protocol::discovery::{MdnsScope, SERVICE_TYPE, TXT_FINGERPRINT, TXT_SCHEME, TXT_VERSION};
use serde::Serialize;
use ts_rs::TS;

/// A hub heard on the network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FoundHub {
    /// Its announced name, e.g. "Rail hub on kitchen-pc (7070)".
    pub name: String,
    /// The address to pair with, e.g. `https://192.168.1.10:7070`.
    pub url: String,
    /// Its certificate fingerprint, to compare with the admin page's.
    pub fingerprint: Option<String>,
    pub version: Option<String>,
}

/// Why hubs could not be looked for (no multicast on this machine, say).
#[derive(Debug, thiserror::Error)]
#[error("cannot look for hubs on the network: {0}")]
pub struct DiscoveryError(String);

/// The address to reach a hub by: IPv4 first (what a person reads), a LAN address
/// before a loopback one unless only loopback is used.
fn best_address(addresses: impl Iterator<Item = IpAddr>, scope: MdnsScope) -> Option<IpAddr> {
    let mut addresses: Vec<IpAddr> = addresses
        .filter(|ip| scope != MdnsScope::Loopback || ip.is_loopback())
        .collect();
    addresses.sort_by_key(|ip| (!ip.is_ipv4(), ip.is_loopback(), *ip));
    addresses.first().copied()
}

fn url_of(scheme: &str, ip: IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V4(v4) => format!("{scheme}://{v4}:{port}"),
        IpAddr::V6(v6) => format!("{scheme}://[{v6}]:{port}"),
    }
}

/// Listens for `wait` and returns the hubs heard, by name. Blocking: run it off the
/// async workers.
///
/// # Errors
/// When mDNS cannot be used here.
pub fn find_hubs(scope: MdnsScope, wait: Duration) -> Result<Vec<FoundHub>, DiscoveryError> {
    if scope == MdnsScope::Off {
        return Ok(Vec::new());
    }
    let failed = |e: mdns_sd::Error| DiscoveryError(e.to_string());
    let daemon = ServiceDaemon::new().map_err(failed)?;
    if scope == MdnsScope::Loopback {
        daemon.disable_interface(IfKind::All).map_err(failed)?;
        daemon
            .enable_interface(IfKind::LoopbackV4)
            .map_err(failed)?;
    }
    let events = daemon.browse(SERVICE_TYPE).map_err(failed)?;
    let deadline = Instant::now() + wait;
    let mut found = BTreeMap::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        let Ok(event) = events.recv_timeout(left) else {
            break;
        };
        if let ServiceEvent::ServiceResolved(service) = event {
            let scheme = service
                .txt_properties
                .get_property_val_str(TXT_SCHEME)
                .unwrap_or("https");
            let scheme = if scheme == "http" { "http" } else { "https" };
            let addresses = service.addresses.iter().map(|a| a.to_ip_addr());
            let Some(ip) = best_address(addresses, scope) else {
                continue;
            };
            let name = service
                .fullname
                .strip_suffix(&format!(".{SERVICE_TYPE}"))
                .unwrap_or(&service.fullname)
                .replace("\\032", " ");
            found.insert(
                name.clone(),
                FoundHub {
                    name,
                    url: url_of(scheme, ip, service.port),
                    fingerprint: service
                        .txt_properties
                        .get_property_val_str(TXT_FINGERPRINT)
                        .map(str::to_owned),
                    version: service
                        .txt_properties
                        .get_property_val_str(TXT_VERSION)
                        .map(str::to_owned),
                },
            );
        }
    }
    let _ = daemon.shutdown();
    Ok(found.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_shown_is_the_one_a_person_would_type() {
        let lan: IpAddr = "192.168.1.10".parse().expect("ip");
        let loopback: IpAddr = "127.0.0.1".parse().expect("ip");
        let v6: IpAddr = "fe80::1".parse().expect("ip");
        assert_eq!(
            best_address([v6, loopback, lan].into_iter(), MdnsScope::All),
            Some(lan)
        );
        assert_eq!(
            best_address([lan, loopback].into_iter(), MdnsScope::Loopback),
            Some(loopback)
        );
        assert_eq!(best_address([lan].into_iter(), MdnsScope::Loopback), None);
        assert_eq!(url_of("https", lan, 7070), "https://192.168.1.10:7070");
        assert_eq!(url_of("http", v6, 7070), "http://[fe80::1]:7070");
    }

    #[test]
    fn nothing_is_heard_when_discovery_is_off() {
        assert_eq!(
            find_hubs(MdnsScope::Off, Duration::from_secs(5)).expect("off"),
            Vec::new()
        );
    }
}
