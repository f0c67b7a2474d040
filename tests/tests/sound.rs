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

/// Points ALSA's default device of processes given `XDG_CONFIG_HOME=dir` at a WAV file
/// sink; answers the file. The sink reopens (and truncates) the file for each cue, so
/// it holds the last cue played.
fn alsa_file_sink(dir: &std::path::Path) -> std::path::PathBuf {
    let captured = dir.join("captured.wav");
    std::fs::create_dir_all(dir.join("alsa")).expect("alsa dir");
    // plug → S16_LE is required, or the WAV header lies about the format.
    std::fs::write(
        dir.join("alsa/asoundrc"),
        format!(
            "pcm.!default {{ type plug slave {{ pcm \"capture_file\" format S16_LE rate 48000 channels 2 }} }}\n\
             pcm.capture_file {{ type file slave.pcm \"null\" file \"{}\" format \"wav\" truncate true }}\n",
            captured.display()
        ),
    )
    .expect("asoundrc");
    captured
}

/// A `rail-headless --sound` process with `args`, and every line it prints.
fn screen_with_sound(
    dir: &std::path::Path,
    token: &str,
    args: &[&str],
) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    let mut screen = Command::new(binary("rail-headless"))
        .args(args)
        .arg("--sound")
        .arg("--db")
        .arg(dir.join("screen.sqlite3"))
        .env("RAIL_TOKEN", token)
        .env("XDG_CONFIG_HOME", dir)
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
    (screen, lines)
}

/// Waits (15 s at most) for a line containing `needle`.
fn wait_line(lines: &std::sync::mpsc::Receiver<String>, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) if line.contains(needle) => return,
            Ok(_) => continue,
            Err(_) => panic!("rail-headless never printed {needle:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_ticket_plays_the_chime_on_the_default_sound_device() {
    let dir = tempfile::tempdir().expect("tempdir");
    let captured = alsa_file_sink(dir.path());
    let hub = HubProcess::start(dir.path()).expect("hub");
    let pos = hub.token("pos", &[]);
    let (mut screen, lines) = screen_with_sound(
        dir.path(),
        &hub.token("kds", &["grill"]),
        &["--hub", &hub.url, "--station", "grill"],
    );
    wait_line(&lines, "Online");
    assert!(
        !captured.exists() || std::fs::metadata(&captured).map(|m| m.len()).unwrap_or(0) < 1024,
        "silent before any ticket"
    );
    hub.post_order(&pos, order_for("7", "grill", "Burger"))
        .await
        .expect("order");
    wait_line(&lines, "cue played");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expo_hears_its_own_chime_when_every_station_of_an_order_is_done() {
    let dir = tempfile::tempdir().expect("tempdir");
    let captured = alsa_file_sink(dir.path());
    let hub = HubProcess::start(dir.path()).expect("hub");
    let pos = hub.token("pos", &[]);
    let cooks = hub.token("kds", &["*"]);
    let (mut screen, lines) = screen_with_sound(
        dir.path(),
        &hub.token("expo", &[]),
        &["--hub", &hub.url, "--expo"],
    );
    wait_line(&lines, "Online");
    let order = serde_json::json!({ "id": "r1", "number": "8", "items": [
        { "name": "Burger", "station": "grill" }, { "name": "Fries", "station": "fry" } ] });
    hub.post_order(&pos, order).await.expect("order");
    wait_line(&lines, "NewTicket");
    hub.bump(&cooks, "r1:grill").await.expect("grill done");
    hub.bump(&cooks, "r1:fry").await.expect("fry done");
    wait_line(&lines, "OrderReady");
    let _ = screen.kill();
    let _ = screen.wait();

    let stats = sox_stat(&captured);
    eprintln!("captured ready chime: {stats:?}");
    let length = stat(&stats, "Length (seconds)");
    let frequency = stat(&stats, "Rough   frequency");
    // C6, E6, G6: 0.78 s, higher than the new-ticket chime.
    assert!(
        (0.6..=1.1).contains(&length),
        "ready chime length {length} s"
    );
    assert!(
        (900.0..=1800.0).contains(&frequency),
        "ready chime frequency {frequency} Hz"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expo_sounds_an_alarm_of_its_own_when_no_screen_of_a_station_has_a_ticket() {
    let dir = tempfile::tempdir().expect("tempdir");
    let captured = alsa_file_sink(dir.path());
    let hub = HubProcess::start_with(rail_tests::HubOptions::configured(
        dir.path(),
        "delivery_alert_secs = 1\n",
    ))
    .expect("hub");
    let pos = hub.token("pos", &[]);
    let (mut screen, lines) = screen_with_sound(
        dir.path(),
        &hub.token("expo", &[]),
        &["--hub", &hub.url, "--expo"],
    );
    wait_line(&lines, "Online");
    // No grill screen runs: the ticket reaches no one, and expo is alerted.
    hub.post_order(&pos, order_for("9", "grill", "Ribeye"))
        .await
        .expect("order");
    wait_line(&lines, "NewTicket");
    wait_line(&lines, "Undelivered");
    let _ = screen.kill();
    let _ = screen.wait();

    // The sink holds the last cue played: the alarm, two square-wave tones three times,
    // 0.96 s. A square wave's mean level is nearly its RMS level (ratio 1.0), where the
    // sine chimes' is 0.90: the shape tells the alarm from every other cue.
    let stats = sox_stat(&captured);
    eprintln!("captured alarm: {stats:?}");
    let length = stat(&stats, "Length (seconds)");
    let shape = stat(&stats, "Mean    norm") / stat(&stats, "RMS     amplitude");
    assert!((0.85..=1.1).contains(&length), "alarm length {length} s");
    assert!(shape > 0.95, "mean/RMS {shape}: not the square-wave alarm");
}
