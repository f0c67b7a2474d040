//! A screen configured only by its file: hub, token and expo mode from `screen.toml`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rail_tests::{binary, order_for, HubProcess};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expo_screen_configured_by_file_follows_every_station() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = HubProcess::start(dir.path()).expect("hub");
    let pos = hub.token("pos", &[]);
    let config = dir.path().join("screen.toml");
    std::fs::write(
        &config,
        format!(
            "hub_url = \"{}\"\ntoken = \"{}\"\nexpo = true\ndb = \"{}\"\n[timers]\nwarn_after_min = 2\nlate_after_min = 4\n",
            hub.url,
            hub.token("expo", &[]),
            dir.path().join("expo.sqlite3").display()
        ),
    )
    .expect("write config");
    let mut screen = Command::new(binary("rail-headless"))
        .arg("--config")
        .arg(&config)
        .env("RUST_LOG", "warn")
        .env_remove("RAIL_TOKEN")
        .env_remove("RAIL_HUB_URL")
        .stdout(Stdio::piped())
        .spawn()
        .expect("rail-headless");
    let grill = hub
        .post_order(&pos, order_for("1", "grill", "Burger"))
        .await
        .expect("order")[0]
        .clone();
    let fry = hub
        .post_order(&pos, order_for("2", "fry", "Fries"))
        .await
        .expect("order")[0]
        .clone();
    let stdout = screen.stdout.take().expect("stdout");
    let found = tokio::task::spawn_blocking(move || {
        use std::io::BufRead;
        let deadline = Instant::now() + Duration::from_secs(15);
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if line.contains("#1 [1x Burger]") && line.contains("#2 [1x Fries]") {
                return true;
            }
            if Instant::now() > deadline {
                break;
            }
        }
        false
    });
    let found = tokio::time::timeout(Duration::from_secs(20), found)
        .await
        .expect("in time")
        .expect("reader");
    let _ = screen.kill();
    let _ = screen.wait();
    assert!(found, "the expo screen shows {} and {}", grill.id, fry.id);

    // A broken file is refused with a message naming the mistake, before anything runs.
    std::fs::write(&config, "hub_url = \"http://x\"\nexpo = \"yes\"\n").expect("write");
    let output = Command::new(binary("rail-headless"))
        .arg("--config")
        .arg(&config)
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("expo") && stderr.contains("screen.toml"),
        "{stderr}"
    );
}
