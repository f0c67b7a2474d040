//! The hub's tunables, with the defaults a restaurant gets without configuring anything.

use std::time::Duration;

use crate::routing::Routes;

/// Limits and timings of one hub. Every limit is explicit so that a misbehaving client
/// costs a bounded amount of memory and CPU.
#[derive(Debug, Clone)]
pub struct HubConfig {
    /// How often the hub sends a heartbeat (25 s). Clients declare the link
    /// dead after two missed heartbeats; the hub drops a peer silent for as long.
    pub heartbeat: Duration,
    /// How long a socket without an `Authorization` header may take to send `auth`.
    pub auth_timeout: Duration,
    /// Largest WebSocket message accepted (64 KB); larger closes with 1009.
    pub max_message_bytes: usize,
    /// Messages a client may send per minute before it gets `RATE_LIMITED`; twice
    /// that closes the socket with 1008.
    pub messages_per_minute: u32,
    /// Channels one socket may hold at once (10).
    pub max_subscriptions: usize,
    /// Frames queued for one slow client before it is dropped (close 1013) to resync;
    /// this bounds the hub's memory per connection.
    pub outbound_queue: usize,
    /// Events older than this are pruned from the replay history.
    pub history_max_age: Duration,
    /// At most this many events are kept per channel.
    pub history_per_channel: u64,
    /// How long the service record (reports, flight recorder) is kept (35 days).
    pub record_max_age: Duration,
    /// How long a guest's link keeps working after its order closed (30 minutes).
    pub guest_grace: Duration,
    /// Label `/metrics` subscription gauges with locations and channel names. Off by
    /// default: they name restaurants, orders and tables.
    pub metrics_tenant_labels: bool,
    /// How often the WAL is checkpointed in the background (100 ms). SQLite starts
    /// writing the WAL from its beginning again after a checkpoint, so the interval
    /// sets how much memory commits write through: at a second, a busy kitchen's WAL
    /// grew to megabytes that were out of the CPU's caches by the time they were
    /// written again, and an order's commit took measurably longer (see
    /// docs/benchmarks.md). A checkpoint with nothing new to fold in costs no fsync.
    pub checkpoint_interval: Duration,
    /// How long an access token bought with a device secret lives (15 minutes):
    /// short, so that what a device may do follows the registry within minutes.
    pub access_token_ttl: Duration,
    /// How long a pairing code stays valid (10 minutes).
    pub pairing_ttl: Duration,
    /// The hub's TLS as pairing tells screens; `None` when it serves plain HTTP.
    pub tls: Option<TlsIdentity>,
    pub routes: Routes,
    /// Printer ports: where POSes print kitchen chits that become orders.
    pub printers: Vec<crate::printer::Printer>,
    /// How long dishes take: the menu's prep times, for scheduled orders.
    pub prep_times: crate::schedule::PrepTimes,
    /// How long a ticket may be on no screen of its station before the hub escalates.
    pub delivery_alert: Duration,
    /// Station → `host:port` of a network kitchen printer that prints a ticket no
    /// screen of the station has.
    pub fallback_printers: std::collections::BTreeMap<String, String>,
}

impl Default for HubConfig {
    fn default() -> Self {
        HubConfig {
            heartbeat: Duration::from_secs(25),
            auth_timeout: Duration::from_secs(5),
            max_message_bytes: 64 * 1024,
            messages_per_minute: 100,
            max_subscriptions: 10,
            outbound_queue: 1024,
            // A kitchen's longest day, with margin: a screen off since breakfast still
            // replays instead of resetting.
            history_max_age: Duration::from_secs(36 * 3600),
            history_per_channel: 100_000,
            // Five weeks: this week against the same day of last month.
            record_max_age: Duration::from_secs(35 * 24 * 3600),
            guest_grace: Duration::from_secs(rail_protocol::guest::DEFAULT_GRACE_MINUTES * 60),
            metrics_tenant_labels: false,
            checkpoint_interval: crate::store::DEFAULT_CHECKPOINT_INTERVAL,
            access_token_ttl: Duration::from_secs(15 * 60),
            pairing_ttl: Duration::from_secs(10 * 60),
            tls: None,
            routes: Routes::default(),
            printers: Vec::new(),
            prep_times: crate::schedule::PrepTimes::default(),
            // Long enough for a screen on a slow Wi-Fi to report, short enough that the
            // pass hears of a dead screen while the food can still be on time.
            delivery_alert: Duration::from_secs(5),
            fallback_printers: std::collections::BTreeMap::new(),
        }
    }
}

/// The hub's configuration file (TOML). Every field is optional; command-line flags and
/// environment variables override what the file says. See `packaging/hub.toml`.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<std::net::SocketAddr>,
    pub db: Option<std::path::PathBuf>,
    /// A PostgreSQL database shared by several hubs (`postgres://user@host/db`, with
    /// `?sslmode=verify-full&sslrootcert=<CA file>` for TLS), instead of the SQLite
    /// file `db`.
    pub store: Option<String>,
    /// NATS server through which hubs sharing `store` tell each other of their events
    /// (`tls://host:4222` for TLS; a NATS cluster's servers with commas between).
    pub nats: Option<String>,
    /// The CA certificates (PEM) that signed the NATS server's certificate; naming
    /// them makes the connection TLS. Without it a `tls://` server is checked against
    /// the system's CAs.
    pub nats_ca: Option<std::path::PathBuf>,
    /// The certificate (PEM) and its key this hub shows a NATS server that asks its
    /// clients for one.
    pub nats_cert: Option<std::path::PathBuf>,
    pub nats_key: Option<std::path::PathBuf>,
    pub secret: Option<String>,
    pub heartbeat_secs: Option<u64>,
    pub auth_timeout_secs: Option<u64>,
    pub max_message_bytes: Option<usize>,
    pub messages_per_minute: Option<u32>,
    pub max_subscriptions: Option<usize>,
    pub outbound_queue: Option<usize>,
    pub history_max_age_hours: Option<u64>,
    pub history_per_channel: Option<u64>,
    /// Days the service record (reports, flight recorder) is kept (35).
    pub record_days: Option<u64>,
    /// Minutes a guest's link keeps working after its order closed (30).
    pub guest_grace_minutes: Option<u64>,
    pub metrics_tenant_labels: Option<bool>,
    pub checkpoint_interval_ms: Option<u64>,
    pub access_token_ttl_secs: Option<u64>,
    pub pairing_ttl_secs: Option<u64>,
    /// TLS: a certificate chain and key (PEM) to serve with instead of the hub's own
    /// CA, extra names for the hub's own certificate, and the development switch to
    /// plain HTTP.
    #[serde(default)]
    pub tls: TlsFile,
    /// Where the hub announces itself with mDNS: `all` interfaces (default),
    /// `loopback` only, or `off`.
    pub mdns: Option<rail_protocol::discovery::MdnsScope>,
    pub routes: Option<Routes>,
    pub printers: Option<Vec<crate::printer::PrinterFile>>,
    /// Prep time of an item the menu does not list, in minutes (5).
    pub default_prep_minutes: Option<f64>,
    /// `[prep_times]`: item name → minutes, case-insensitive.
    pub prep_times: Option<std::collections::BTreeMap<String, f64>>,
    /// Seconds a ticket may be on no screen of its station before expo and the POS
    /// are told and it is printed on the station's fallback printer (5).
    pub delivery_alert_secs: Option<f64>,
    /// `[fallback_printers]`: station → `host:port` of a kitchen printer.
    pub fallback_printers: Option<std::collections::BTreeMap<String, String>>,
}

/// `[tls]` in the hub's configuration file.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFile {
    /// Certificate chain (PEM) to serve with; needs `key`.
    pub cert: Option<std::path::PathBuf>,
    /// Its private key (PEM).
    pub key: Option<std::path::PathBuf>,
    /// Where the hub keeps its own CA [default: `tls/` beside the database].
    pub dir: Option<std::path::PathBuf>,
    /// Names and addresses to add to the hub's own certificate (besides `localhost`,
    /// the host name, `<host>.local` and every interface address).
    #[serde(default)]
    pub names: Vec<String>,
    /// Serve plain HTTP and WS: for development only; tokens then cross the network
    /// in clear text.
    #[serde(default)]
    pub insecure_http: bool,
}

/// What screens learn about the hub's TLS when they pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsIdentity {
    /// The hub's own CA (PEM), which pairing hands to screens; `None` for a certificate
    /// from elsewhere.
    pub ca_pem: Option<String>,
    /// Fingerprint of that CA (or of the given certificate), for people to compare.
    pub fingerprint: String,
}

/// Why a configuration file was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a valid hub configuration: {source}")]
    Parse {
        path: String,
        source: Box<toml::de::Error>,
    },
    #[error("{0}")]
    Invalid(String),
}

impl FileConfig {
    /// Reads and parses a configuration file.
    ///
    /// # Errors
    /// When the file cannot be read or is not valid TOML for this structure.
    pub fn load(path: &std::path::Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.display().to_string(),
            source: Box::new(source),
        })
    }

    /// The hub configuration: defaults, overridden by this file.
    ///
    /// # Errors
    /// When a value is out of range (zero intervals or limits).
    pub fn hub_config(&self) -> Result<HubConfig, ConfigError> {
        let defaults = HubConfig::default();
        let positive = |name: &str, value: Option<u64>| match value {
            Some(0) => Err(ConfigError::Invalid(format!(
                "{name} must be greater than 0"
            ))),
            other => Ok(other),
        };
        Ok(HubConfig {
            heartbeat: positive("heartbeat_secs", self.heartbeat_secs)?
                .map_or(defaults.heartbeat, Duration::from_secs),
            auth_timeout: positive("auth_timeout_secs", self.auth_timeout_secs)?
                .map_or(defaults.auth_timeout, Duration::from_secs),
            max_message_bytes: positive(
                "max_message_bytes",
                self.max_message_bytes.map(|v| v as u64),
            )?
            .map_or(defaults.max_message_bytes, |v| v as usize),
            messages_per_minute: positive(
                "messages_per_minute",
                self.messages_per_minute.map(u64::from),
            )?
            .map_or(defaults.messages_per_minute, |v| v as u32),
            max_subscriptions: positive(
                "max_subscriptions",
                self.max_subscriptions.map(|v| v as u64),
            )?
            .map_or(defaults.max_subscriptions, |v| v as usize),
            outbound_queue: positive("outbound_queue", self.outbound_queue.map(|v| v as u64))?
                .map_or(defaults.outbound_queue, |v| v as usize),
            history_max_age: positive("history_max_age_hours", self.history_max_age_hours)?
                .map_or(defaults.history_max_age, |h| Duration::from_secs(h * 3600)),
            history_per_channel: positive("history_per_channel", self.history_per_channel)?
                .unwrap_or(defaults.history_per_channel),
            record_max_age: positive("record_days", self.record_days)?
                .map_or(defaults.record_max_age, |d| {
                    Duration::from_secs(d * 24 * 3600)
                }),
            guest_grace: self
                .guest_grace_minutes
                .map_or(defaults.guest_grace, |m| Duration::from_secs(m * 60)),
            metrics_tenant_labels: self
                .metrics_tenant_labels
                .unwrap_or(defaults.metrics_tenant_labels),
            checkpoint_interval: positive("checkpoint_interval_ms", self.checkpoint_interval_ms)?
                .map_or(defaults.checkpoint_interval, Duration::from_millis),
            access_token_ttl: positive("access_token_ttl_secs", self.access_token_ttl_secs)?
                .map_or(defaults.access_token_ttl, Duration::from_secs),
            pairing_ttl: positive("pairing_ttl_secs", self.pairing_ttl_secs)?
                .map_or(defaults.pairing_ttl, Duration::from_secs),
            tls: None,
            routes: self.routes.clone().unwrap_or(defaults.routes),
            prep_times: crate::schedule::PrepTimes::from_minutes(
                self.prep_times.clone().unwrap_or_default(),
                self.default_prep_minutes,
            )
            .map_err(ConfigError::Invalid)?,
            delivery_alert: match self.delivery_alert_secs {
                None => defaults.delivery_alert,
                Some(secs) if secs.is_finite() && secs > 0.0 && secs <= 3600.0 => {
                    Duration::from_secs_f64(secs)
                }
                Some(secs) => {
                    return Err(ConfigError::Invalid(format!(
                        "delivery_alert_secs {secs} must be above 0 and at most 3600"
                    )))
                }
            },
            fallback_printers: {
                let printers = self.fallback_printers.clone().unwrap_or_default();
                for (station, address) in &printers {
                    if address
                        .rsplit_once(':')
                        .is_none_or(|(host, port)| host.is_empty() || port.parse::<u16>().is_err())
                    {
                        return Err(ConfigError::Invalid(format!(
                            "fallback_printers.{station}: {address:?} is not host:port"
                        )));
                    }
                }
                printers
            },
            printers: self
                .printers
                .iter()
                .flatten()
                .map(crate::printer::PrinterFile::compile)
                .collect::<Result<_, _>>()
                .map_err(ConfigError::Invalid)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_sample_configuration_is_valid() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packaging/hub.toml");
        let file = FileConfig::load(&path).expect("packaging/hub.toml parses");
        let config = file.hub_config().expect("valid values");
        assert_eq!(config.heartbeat, Duration::from_secs(25));
        assert_eq!(config.checkpoint_interval, Duration::from_millis(100));
        assert_eq!(
            config.routes.by_category.get("burgers").map(String::as_str),
            Some("grill")
        );
        assert_eq!(
            config
                .routes
                .by_item
                .get("Caesar Salad")
                .map(String::as_str),
            Some("salad")
        );
    }

    #[test]
    fn mistakes_in_a_configuration_are_named() {
        let unknown: Result<FileConfig, _> = toml::from_str("heartbeat = 5");
        assert!(unknown
            .expect_err("unknown key")
            .to_string()
            .contains("heartbeat"));
        let zero: FileConfig = toml::from_str("heartbeat_secs = 0").expect("parses");
        assert!(zero
            .hub_config()
            .expect_err("zero")
            .to_string()
            .contains("heartbeat_secs"));
    }

    #[test]
    fn printer_ports_are_checked_at_start_up() {
        let port = |extra: &str| {
            format!(
                "[[printers]]\nname = \"grill\"\nlisten = \"127.0.0.1:9101\"\n\
                 location = \"bistro\"\nstation = \"grill\"\n{extra}"
            )
        };
        let file: FileConfig = toml::from_str(&port(
            "code_page = \"cp858\"\n[printers.layout]\nnumber = ['^CHK (?P<number>\\d+)']\n",
        ))
        .expect("parses");
        let config = file.hub_config().expect("valid");
        assert_eq!(config.printers.len(), 1);
        assert_eq!(
            config.printers[0].code_page,
            rail_printer::codepage::CodePage::Cp858
        );

        let bad_rule: FileConfig =
            toml::from_str(&port("[printers.layout]\nnumber = ['^CHK (\\d+)']\n")).expect("parses");
        let error = bad_rule
            .hub_config()
            .expect_err("no named capture")
            .to_string();
        assert!(
            error.contains("\"grill\"") && error.contains("`number`"),
            "{error}"
        );

        let bad_page: Result<FileConfig, _> = toml::from_str(&port("code_page = \"cp999\"\n"));
        assert!(bad_page
            .expect_err("unknown page")
            .to_string()
            .contains("cp999"));

        let bad_station: FileConfig =
            toml::from_str(&port("").replace("\"grill\"\n", "\"grill line\"\n")).expect("parses");
        assert!(bad_station.hub_config().is_err());
    }
}
