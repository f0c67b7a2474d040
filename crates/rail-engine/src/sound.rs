//! Sound cues, on a thread of their own so playing never blocks sync.
//!
//! The output device is opened for each cue and closed after it: a kitchen screen is
//! silent most of the time, other programs may want the device, and a device that
//! appears (USB speaker plugged in) or disappears is picked up at the next cue. A
//! machine with no sound device logs one warning and carries on.

use std::io::Cursor;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
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
    Voided,
    Rush,
    LinkLost,
}

impl Cue {
    /// Every cue, for settings screens.
    pub const ALL: [Cue; 6] = [
        Cue::NewTicket,
        Cue::Rush,
        Cue::Modified,
        Cue::Voided,
        Cue::LinkLost,
        Cue::LinkRestored,
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
        }
    }
}

/// Handle to the sound thread. Cheap to clone; dropping every handle ends the thread.
#[derive(Clone)]
pub struct SoundPlayer {
    cues: Option<Sender<Cue>>,
    played: Arc<AtomicU64>,
}

impl SoundPlayer {
    /// Starts the sound thread, or a silent player when sound is disabled.
    pub fn start(config: SoundConfig) -> Self {
        let played = Arc::new(AtomicU64::new(0));
        if !config.enabled {
            return SoundPlayer { cues: None, played };
        }
        let (cues, queue) = mpsc::channel();
        let counter = played.clone();
        let spawned = std::thread::Builder::new()
            .name("rail-sound".into())
            .spawn(move || sound_thread(queue, config, counter));
        if let Err(error) = spawned {
            tracing::warn!(%error, "could not start the sound thread; sound is off");
            return SoundPlayer { cues: None, played };
        }
        SoundPlayer {
            cues: Some(cues),
            played,
        }
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

fn sound_thread(queue: Receiver<Cue>, config: SoundConfig, played: Arc<AtomicU64>) {
    let volume = config.volume;
    let mut warned = false;
    let mut failed_at: Option<Instant> = None;
    while let Ok(first) = queue.recv() {
        // A burst (a snapshot after an outage) plays one cue, the most urgent of it,
        // not one per ticket.
        let mut cue = first;
        while let Ok(next) = queue.try_recv() {
            cue = cue.max(next);
        }
        if config.muted.contains(&cue) || failed_at.is_some_and(|at| at.elapsed() < DEVICE_RETRY) {
            continue;
        }
        match play_once(cue, volume) {
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
