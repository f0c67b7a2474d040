//! The chime is really played: ALSA's default device is pointed at a WAV file sink
//! (an asoundrc under XDG_CONFIG_HOME), a real `rail-headless --sound` process gets a
//! new ticket from a real hub, and the captured audio is measured with sox.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rail_tests::{binary, order_for, HubProcess};

/// `sox <file> -n <effects> stat` as (name, value) pairs.
fn sox_stat(path: &std::path::Path) -> Vec<(String, f64)> {
    let output = Command::new("sox")
        .arg(path)
        .args([
            "-n", "silence", "1", "0.01", "1%", "reverse", "silence", "1", "0.01", "1%", "reverse",
            "stat",
        ])
        .output()
        .expect("sox (installed by cargo xtask setup)");
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((name.trim().to_owned(), value.trim().parse().ok()?))
        })
        .collect()
}

fn stat(stats: &[(String, f64)], name: &str) -> f64 {
    stats
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| *v)
        .unwrap_or_else(|| panic!("sox printed no {name:?}: {stats:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_ticket_plays_the_chime_on_the_default_sound_device() {
    let dir = tempfile::tempdir().expect("tempdir");
    let captured = dir.path().join("captured.wav");
    std::fs::create_dir_all(dir.path().join("alsa")).expect("alsa dir");
    // plug → S16_LE is required, or the WAV header lies about the format.
    std::fs::write(
        dir.path().join("alsa/asoundrc"),
        format!(
            "pcm.!default {{ type plug slave {{ pcm \"capture_file\" format S16_LE rate 48000 channels 2 }} }}\n\
             pcm.capture_file {{ type file slave.pcm \"null\" file \"{}\" format \"wav\" truncate true }}\n",
            captured.display()
        ),
    )
    .expect("asoundrc");

    let hub = HubProcess::start(dir.path()).expect("hub");
    let pos = hub.token("pos", &[]);
    let mut screen = Command::new(binary("rail-headless"))
        .args(["--hub", &hub.url, "--station", "grill", "--sound"])
        .arg("--db")
        .arg(dir.path().join("screen.sqlite3"))
        .env("RAIL_TOKEN", hub.token("kds", &["grill"]))
        .env("XDG_CONFIG_HOME", dir.path())
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rail-headless");
    let stdout = BufReader::new(screen.stdout.take().expect("stdout"));
    let stderr = BufReader::new(screen.stderr.take().expect("stderr"));
    let (lines_tx, lines) = std::sync::mpsc::channel::<String>();
    for reader in [
        Box::new(stdout) as Box<dyn BufRead + Send>,
        Box::new(stderr),
    ] {
        let tx = lines_tx.clone();
        std::thread::spawn(move || {
            reader
                .lines()
                .map_while(Result::ok)
                .for_each(|l| drop(tx.send(l)))
        });
    }
    let wait_line = |needle: &str| {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return,
                Ok(_) => continue,
                Err(_) => panic!("rail-headless never printed {needle:?}"),
            }
        }
    };
    wait_line("Online");
    assert!(
        !captured.exists() || std::fs::metadata(&captured).map(|m| m.len()).unwrap_or(0) < 1024,
        "silent before any ticket"
    );
    hub.post_order(&pos, order_for("7", "grill", "Burger"))
        .await
        .expect("order");
    wait_line("cue played");
    let _ = screen.kill();
    let _ = screen.wait();

    let stats = sox_stat(&captured);
    eprintln!("captured chime: {stats:?}");
    let length = stat(&stats, "Length (seconds)");
    let amplitude = stat(&stats, "Maximum amplitude");
    let frequency = stat(&stats, "Rough   frequency");
    // The chime is 0.67 s of 880 Hz then 1318.5 Hz at 0.7 of full scale.
    assert!((0.5..=1.0).contains(&length), "chime length {length} s");
    assert!(amplitude > 0.3, "chime amplitude {amplitude}");
    assert!(
        (700.0..=1500.0).contains(&frequency),
        "chime frequency {frequency} Hz"
    );
}
