//! Sound cues, on a thread of their own so playing never blocks sync.
//!
//! The output device is opened for each cue and closed after it: a kitchen screen is
//! silent most of the time, other programs may want the device, and a device that
//! appears (USB speaker plugged in) or disappears is picked up at the next cue. A
//! machine with no sound device logs one warning and carries on.

use std::io::Cursor;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::config::SoundConfig;

/// A sound the screen can make (see `assets/README.md`); its name is what
/// `[sound] muted_cues` and the UI use.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    ts_rs::TS,
)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum Cue {
    LinkRestored,
    Modified,
    NewTicket,
    OrderReady,
    Voided,
    Rush,
    LinkLost,
    /// Expo: no screen of a station has a ticket.
    Undelivered,
}

impl Cue {
    /// Every cue, for settings screens.
    pub const ALL: [Cue; 8] = [
        Cue::NewTicket,
        Cue::Rush,
        Cue::Modified,
        Cue::Voided,
        Cue::LinkLost,
        Cue::LinkRestored,
        Cue::OrderReady,
        Cue::Undelivered,
    ];

    /// The cue's name in `screen.toml` (`[sound] muted_cues`).
    pub fn name(self) -> &'static str {
        match self {
            Cue::NewTicket => "new-ticket",
            Cue::Rush => "rush",
            Cue::Modified => "modified",
            Cue::Voided => "voided",
            Cue::LinkLost => "link-lost",
            Cue::LinkRestored => "link-restored",
            Cue::OrderReady => "order-ready",
            Cue::Undelivered => "undelivered",
        }
    }

    pub fn parse(name: &str) -> Option<Cue> {
        Cue::ALL.into_iter().find(|cue| cue.name() == name)
    }

    fn bytes(self) -> &'static [u8] {
        match self {
            Cue::NewTicket => include_bytes!("../../../assets/sounds/new-ticket.wav"),
            Cue::Rush => include_bytes!("../../../assets/sounds/rush.wav"),
            Cue::Modified => include_bytes!("../../../assets/sounds/modified.wav"),
            Cue::Voided => include_bytes!("../../../assets/sounds/voided.wav"),
            Cue::LinkLost => include_bytes!("../../../assets/sounds/link-lost.wav"),
            Cue::LinkRestored => include_bytes!("../../../assets/sounds/link-restored.wav"),
            Cue::OrderReady => include_bytes!("../../../assets/sounds/order-ready.wav"),
            Cue::Undelivered => include_bytes!("../../../assets/sounds/undelivered.wav"),
        }
    }
}

/// Handle to the sound thread. Cheap to clone; dropping every handle ends the thread.
#[derive(Clone)]
pub struct SoundPlayer {
    cues: Option<Sender<Cue>>,
    played: Arc<AtomicU64>,
    /// Volume, muted cues and on/off as they are now: a screen profile from the hub
    /// changes them while the screen runs.
    live: Arc<Mutex<SoundConfig>>,
}

impl SoundPlayer {
    /// Starts the sound thread, or a silent player when sound is disabled. A screen
    /// started silent (its own settings or a flag) stays silent whatever a profile
    /// says later: silence chosen at the screen is final.
    pub fn start(config: SoundConfig) -> Self {
        let played = Arc::new(AtomicU64::new(0));
        let enabled = config.enabled;
        let live = Arc::new(Mutex::new(config));
        let silent = |played, live| SoundPlayer {
            cues: None,
            played,
            live,
        };
        if !enabled {
            return silent(played, live);
        }
        let (cues, queue) = mpsc::channel();
        let counter = played.clone();
        let settings = live.clone();
        let spawned = std::thread::Builder::new()
            .name("rail-sound".into())
            .spawn(move || sound_thread(queue, settings, counter));
        if let Err(error) = spawned {
            tracing::warn!(%error, "could not start the sound thread; sound is off");
            return silent(played, live);
        }
        SoundPlayer {
            cues: Some(cues),
            played,
            live,
        }
    }

    /// Takes new volume, muted cues and on/off for the next cues.
    pub fn set(&self, config: SoundConfig) {
        *self.live.lock().unwrap_or_else(|p| p.into_inner()) = config;
    }

    /// The settings the next cue plays with.
    pub fn current(&self) -> SoundConfig {
        self.live.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Asks for a cue without waiting for it to play.
    pub fn play(&self, cue: Cue) {
        if let Some(cues) = &self.cues {
            let _ = cues.send(cue);
        }
    }

    /// Cues actually sent to a device so far.
    pub fn played(&self) -> u64 {
        self.played.load(Ordering::Relaxed)
    }
}

/// After a failed attempt, the device is tried again at most this often: opening a
/// missing ALSA device is slow and prints to stderr every time.
const DEVICE_RETRY: Duration = Duration::from_secs(60);

fn sound_thread(queue: Receiver<Cue>, live: Arc<Mutex<SoundConfig>>, played: Arc<AtomicU64>) {
    let mut warned = false;
    let mut failed_at: Option<Instant> = None;
    while let Ok(first) = queue.recv() {
        // A burst (a snapshot after an outage) plays one cue, the most urgent of it,
        // not one per ticket.
        let mut cue = first;
        while let Ok(next) = queue.try_recv() {
            cue = cue.max(next);
        }
        let config = live.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if !config.enabled
            || config.muted.contains(&cue)
            || failed_at.is_some_and(|at| at.elapsed() < DEVICE_RETRY)
        {
            continue;
        }
        match play_once(cue, config.volume) {
            Ok(()) => {
                failed_at = None;
                played.fetch_add(1, Ordering::Relaxed);
                tracing::info!(?cue, "cue played");
            }
            Err(error) => {
                failed_at = Some(Instant::now());
                if !warned {
                    warned = true;
                    tracing::warn!(%error, "no sound device; carrying on without sound");
                }
            }
        }
    }
}

/// Why a cue could not be played.
#[derive(Debug, thiserror::Error)]
enum SoundError {
    #[error("no audio output: {0}")]
    Device(#[from] rodio::DeviceSinkError),
    #[error("cue could not be decoded: {0}")]
    Decode(#[from] rodio::decoder::DecoderError),
}

fn play_once(cue: Cue, volume: f32) -> Result<(), SoundError> {
    let mut sink = rodio::DeviceSinkBuilder::open_default_sink()?;
    sink.log_on_drop(false);
    let player = rodio::Player::connect_new(sink.mixer());
    player.set_volume(volume.clamp(0.0, 1.0));
    player.append(rodio::Decoder::try_from(Cursor::new(cue.bytes()))?);
    player.sleep_until_end();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cues_a_profile_may_mute_are_the_cues_the_screen_plays() {
        let names: Vec<&str> = Cue::ALL.iter().map(|cue| cue.name()).collect();
        assert_eq!(names, rail_protocol::profile::CUES);
    }

    #[test]
    fn a_screen_started_silent_stays_silent_whatever_it_is_told_later() {
        let player = SoundPlayer::start(SoundConfig {
            enabled: false,
            ..SoundConfig::default()
        });
        player.set(SoundConfig::default());
        assert!(
            player.cues.is_none(),
            "no sound thread for a silenced screen"
        );
        assert!(player.current().enabled, "the setting itself is kept");
    }
}
