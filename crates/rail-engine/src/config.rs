//! How a screen is set up: which hub, which token, which channels, where its cache lives.

use std::path::PathBuf;
use std::time::Duration;

/// Reconnection backoff (base 1.5 s, doubling, capped at 30 s), with jitter so that a
/// hub restart does not bring every screen back in the same millisecond. While the hub
/// is unreachable, a probe every `EngineConfig::probe_interval` cuts it short.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_millis(1500),
            cap: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    /// The delay before retry number `attempt` (0-based): exponential, capped, then
    /// scaled by a random factor in [0.5, 1].
    pub fn delay(&self, attempt: u32) -> Duration {
        let exponential = self
            .base
            .saturating_mul(2u32.saturating_pow(attempt.min(16)));
        let capped = exponential.min(self.cap);
        capped.mul_f64(rand::random_range(0.5..=1.0))
    }
}

/// Sound settings.
#[derive(Debug, Clone)]
pub struct SoundConfig {
    pub enabled: bool,
    /// 0.0 (silent) to 1.0 (full).
    pub volume: f32,
    /// Cues this screen does not play.
    pub muted: Vec<crate::sound::Cue>,
}

impl SoundConfig {
    /// The sound a screen profile asks for.
    pub fn from_profile(profile: &rail_protocol::ScreenProfile) -> Self {
        SoundConfig {
            enabled: profile.sound_enabled,
            volume: profile.volume,
            muted: profile
                .muted_cues
                .iter()
                .filter_map(|name| crate::sound::Cue::parse(name))
                .collect(),
        }
    }
}

impl Default for SoundConfig {
    fn default() -> Self {
        SoundConfig {
            enabled: true,
            volume: 1.0,
            muted: Vec::new(),
        }
    }
}

/// One screen's configuration.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// The hub's base URL, e.g. `http://192.168.1.10:7070`.
    pub hub_url: String,
    /// Other hubs of the same kitchen (sharing one store), tried in turn when the
    /// one in use cannot be reached. Given as `hub_url` with commas between.
    pub more_hubs: Vec<String>,
    /// How the screen proves who it is: a configured token or a paired device.
    pub credential: crate::access::Credential,
    /// The certificate authority (PEM) that alone vouches for an `https://` hub: the
    /// one pairing handed over. `None`: the public roots.
    pub hub_ca: Option<String>,
    /// Channels to follow: `kds:<station>` for a station, `location:<id>` for expo.
    pub channels: Vec<String>,
    /// Also follow the whole location of the token (expo); its id comes from `ready`.
    pub expo: bool,
    /// The SQLite cache file.
    pub db_path: PathBuf,
    pub sound: SoundConfig,
    pub backoff: Backoff,
    /// How long one connection attempt may take.
    pub connect_timeout: Duration,
    /// How often an unreachable hub is probed (a TCP connect) while reconnects back off;
    /// the screen is online again within about this long of the hub listening.
    pub probe_interval: Duration,
}

impl EngineConfig {
    /// A configuration with the defaults for everything but what must be given.
    pub fn new(
        hub_url: impl Into<String>,
        token: impl Into<String>,
        channels: Vec<String>,
        db_path: impl Into<PathBuf>,
    ) -> Self {
        let mut hubs = hub_list(&hub_url.into()).into_iter();
        EngineConfig {
            hub_url: hubs.next().unwrap_or_default(),
            more_hubs: hubs.collect(),
            credential: crate::access::Credential::Token(token.into()),
            hub_ca: None,
            channels,
            expo: false,
            db_path: db_path.into(),
            sound: SoundConfig::default(),
            backoff: Backoff::default(),
            connect_timeout: Duration::from_secs(10),
            probe_interval: Duration::from_secs(1),
        }
    }

    /// A paired device's configuration: its hub and stations come from pairing (and
    /// the stations from each access token after that).
    pub fn paired(device: crate::access::PairedDevice, db_path: impl Into<PathBuf>) -> Self {
        let channels = device
            .credentials
            .stations
            .iter()
            .filter(|s| *s != "*")
            .map(|s| rail_protocol::Channel::Kds(s.clone()).to_string())
            .collect();
        let expo = device.credentials.role == rail_protocol::Role::Expo;
        let mut config = EngineConfig::new(device.hub_url.clone(), "", channels, db_path);
        config.expo = expo;
        config.hub_ca = device.ca_pem.clone();
        config.credential = crate::access::Credential::Device(device);
        config
    }

    /// Every hub of the kitchen, the first one first.
    pub fn hubs(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.hub_url.as_str()).chain(self.more_hubs.iter().map(String::as_str))
    }
}

/// The hubs of a kitchen as given: their URLs with commas between.
pub(crate) fn hub_list(hubs: &str) -> Vec<String> {
    hubs.split(',')
        .map(str::trim)
        .filter(|hub| !hub.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The WebSocket URL of the hub at `hub_url`.
pub(crate) fn socket_url(hub_url: &str) -> String {
    let base = hub_url.trim_end_matches('/');
    let base = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_owned()
    };
    format!("{base}{}", rail_protocol::SOCKET_PATH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_then_caps_and_stays_jittered() {
        let backoff = Backoff::default();
        let first = backoff.delay(0);
        assert!(
            first >= Duration::from_millis(750) && first <= Duration::from_millis(1500),
            "{first:?}"
        );
        for attempt in [5, 10, 40] {
            let delay = backoff.delay(attempt);
            assert!(
                delay >= Duration::from_secs(15) && delay <= Duration::from_secs(30),
                "{delay:?}"
            );
        }
    }

    #[test]
    fn socket_url_follows_the_scheme() {
        assert_eq!(
            socket_url("http://127.0.0.1:7070/"),
            "ws://127.0.0.1:7070/api/socket"
        );
        assert_eq!(
            socket_url("https://hub.example"),
            "wss://hub.example/api/socket"
        );
    }

    #[test]
    fn several_hubs_are_given_with_commas_and_the_first_is_used_first() {
        let config = EngineConfig::new(
            "http://10.0.0.1:7070, http://10.0.0.2:7070,,http://10.0.0.3:7070",
            "t",
            Vec::new(),
            "x.db",
        );
        assert_eq!(
            config.hubs().collect::<Vec<_>>(),
            [
                "http://10.0.0.1:7070",
                "http://10.0.0.2:7070",
                "http://10.0.0.3:7070"
            ]
        );
    }
}
