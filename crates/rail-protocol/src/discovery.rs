//! How hubs announce themselves on the kitchen network (mDNS / DNS-SD), so a new
//! screen lists them instead of someone typing an address.

/// The DNS-SD service type hubs register.
pub const SERVICE_TYPE: &str = "_rail._tcp.local.";
/// TXT key: `https` or `http`.
pub const TXT_SCHEME: &str = "scheme";
/// TXT key: the hub's certificate fingerprint (HTTPS hubs).
pub const TXT_FINGERPRINT: &str = "fp";
/// TXT key: the hub's version.
pub const TXT_VERSION: &str = "v";

/// Which interfaces mDNS uses: every one (a kitchen), loopback only (tests on one
/// machine, which must not announce anything on a real network), or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MdnsScope {
    #[default]
    All,
    Loopback,
    Off,
}

impl std::str::FromStr for MdnsScope {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "all" => Ok(MdnsScope::All),
            "loopback" => Ok(MdnsScope::Loopback),
            "off" => Ok(MdnsScope::Off),
            other => Err(format!(
                "unknown mDNS scope {other:?}: all, loopback or off"
            )),
        }
    }
}
