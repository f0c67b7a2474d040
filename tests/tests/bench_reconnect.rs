//! Reconnect benchmark: a `rail-hub` process and 100 screen engines with the shipped
//! reconnect settings (backoff 1.5 s doubling to 30 s, reachability probe every 1 s).
//! The hub is killed, stays down for each outage length, and is started again on the
//! same port and database. Measures, from the moment the hub listens again, how long
//! each screen takes to be online, and what the hub saw in that first second
//! (WebSocket sessions opened) — beside the same outage with the probe off, i.e. with
//! the backoff alone. Run by `cargo xtask bench-reconnect`; prints a table for
//! `docs/benchmarks.md`. `RAIL_BENCH_OUTAGES` (seconds, comma-separated) overrides the
//! outages, `RAIL_BENCH_BACKOFF_ONLY_UP_TO` the longest outage also run without probe.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rail_engine::{Backoff, Engine, LinkState};
use rail_tests::percentile;
use rail_tests::{screen_config, wait_for, HubProcess};

const STATIONS: [&str; 5] = ["grill", "fry", "saute", "salad", "bar"];
const SCREENS_PER_STATION: usize = 20;

fn env_list(name: &str, default: &[u64]) -> Vec<u64> {
    std::env::var(name)
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .unwrap_or_else(|| default.to_vec())
}

async fn start_screens(hub: &HubProcess, dir: &std::path::Path, probe: bool) -> Vec<Engine> {
    let mut screens = Vec::new();
    for station in STATIONS {
        let token = hub.token("kds", &[station]);
        for n in 0..SCREENS_PER_STATION {
            let db = dir.join(format!("{station}-{n}-{probe}.sqlite3"));
            let mut config = screen_config(hub, token.clone(), &[&format!("kds:{station}")], db);
            // What a screen ships with, not the fast settings of the functional tests.
            config.backoff = Backoff::default();
            config.connect_timeout = Duration::from_secs(10);
            if !probe {
                config.probe_interval = Duration::from_secs(24 * 3600);
            }
            screens.push(Engine::start(config).expect("engine"));
        }
    }
    wait_all(&screens, true, Duration::from_secs(60)).await;
    screens
}

/// Waits until every screen is online (`online`) or every one is not.
async fn wait_all(screens: &[Engine], online: bool, timeout: Duration) {
    let what = if online {
        "every screen online"
    } else {
        "every screen offline"
    };
    wait_for(what, timeout, || {
        screens
            .iter()
            .all(|e| (e.state().status.connection.state == LinkState::Online) == online)
    })
    .await;
}

/// One outage: returns seconds from the hub listening to each screen online, the
/// sessions the hub opened in its first second, and probes per screen per second.
async fn outage(hub: &mut HubProcess, screens: &[Engine], seconds: u64) -> (Vec<f64>, u64, f64) {
    hub.kill();
    wait_all(screens, false, Duration::from_secs(30)).await;
    let probes_before: u64 = screens.iter().map(Engine::probes_sent).sum();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let probes_during: u64 = screens.iter().map(Engine::probes_sent).sum::<u64>() - probes_before;

    // Each screen's first moment online after the restart, from its own state stream.
    let online_at: Arc<Mutex<Vec<Option<Instant>>>> =
        Arc::new(Mutex::new(vec![None; screens.len()]));
    for (index, engine) in screens.iter().enumerate() {
        let mut states = engine.watch_status();
        let online_at = online_at.clone();
        tokio::spawn(async move {
            loop {
                if states.borrow_and_update().connection.state == LinkState::Online {
                    online_at.lock().unwrap_or_else(|p| p.into_inner())[index] =
                        Some(Instant::now());
                    return;
                }
                if states.changed().await.is_err() {
                    return;
                }
            }
        });
    }
    hub.restart().expect("hub restart");
    let listening = Instant::now();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let opened_first_second = hub.connections_opened().await;
    wait_all(screens, true, Duration::from_secs(120)).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let times = online_at
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .map(|at| {
            at.expect("every screen came back")
                .saturating_duration_since(listening)
                .as_secs_f64()
        })
        .collect();
    let probe_rate = probes_during as f64 / seconds.max(1) as f64 / screens.len() as f64;
    (times, opened_first_second, probe_rate)
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a benchmark: run through `cargo xtask bench-reconnect`"]
async fn hundred_screens_come_back_after_hub_outages() {
    let outages = env_list("RAIL_BENCH_OUTAGES", &[5, 30, 120, 600]);
    let backoff_only_up_to = env_list("RAIL_BENCH_BACKOFF_ONLY_UP_TO", &[120])[0];
    let dir = tempfile::tempdir().expect("tempdir");
    let caches = tempfile::tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .expect("cache dir");
    let mut hub = HubProcess::start(dir.path()).expect("hub");
    let mut rows = Vec::new();
    for probe in [true, false] {
        let screens = start_screens(&hub, caches.path(), probe).await;
        for &seconds in outages
            .iter()
            .filter(|&&s| probe || s <= backoff_only_up_to)
        {
            eprintln!("outage of {seconds} s, probe {probe}");
            let (mut times, opened, probe_rate) = outage(&mut hub, &screens, seconds).await;
            times.sort_by(f64::total_cmp);
            rows.push(format!(
                "| {seconds} s | {} | {} | {:.2} | {:.2} | {:.2} | {opened} | {probe_rate:.2} |",
                if probe {
                    "probe + backoff"
                } else {
                    "backoff only"
                },
                times.len(),
                percentile(&times, 0.5),
                percentile(&times, 0.99),
                percentile(&times, 1.0),
            ));
        }
        for engine in screens {
            engine.shutdown().await;
        }
    }
    println!(
        "\n{} screens, hub killed and restarted after each outage",
        STATIONS.len() * SCREENS_PER_STATION
    );
    println!("\n| outage | reconnect | screens | p50 (s) | p99 (s) | max (s) | sessions opened in the hub's first second | probes per screen per second while down |");
    println!("|---|---|---|---|---|---|---|---|");
    for row in &rows {
        println!("{row}");
    }
    assert!(!rows.is_empty(), "nothing measured");
}
