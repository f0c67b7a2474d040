//! The chaos run: seeded and bounded in time. A POS posts orders, three grill screens
//! (real processes, each behind its own controllable link) bump tickets, and at random
//! the links are cut or blocked, screens are SIGKILLed and restarted, and the hub is
//! killed and restarted. At the end every screen equals the hub, no ticket is lost or
//! doubled, and every bump a screen made reached the hub.
//!
//! `cargo xtask test` runs a short version (RAIL_CHAOS_SECONDS, default 12, fixed seed);
//! `cargo xtask chaos --seconds 600 [--seed N]` runs a long one.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use rail_tests::proxy::Proxy;
use rail_tests::screen::ScreenProcess;
use rail_tests::{assert_converges, order_for, wait_until, HubProcess};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_chaos_leaves_every_screen_equal_to_the_hub() {
    let seed: u64 = env_or("RAIL_CHAOS_SEED", 20261123);
    let seconds: u64 = env_or("RAIL_CHAOS_SECONDS", 12);
    eprintln!("chaos: seed {seed}, {seconds} s (rerun with RAIL_CHAOS_SEED={seed})");
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut hub = HubProcess::start_on(dir.path().join("hub.sqlite3"), 0, 1, None).expect("hub");
    let pos = hub.token("pos", &[]);
    let token = hub.token("kds", &["grill"]);
    let mut proxies = Vec::new();
    let mut screens = Vec::new();
    for n in 0..3 {
        let proxy = Proxy::start(hub.address()).await.expect("proxy");
        screens.push(ScreenProcess::start(
            &proxy.url,
            &token,
            "grill",
            dir.path().join(format!("screen-{n}.sqlite3")),
        ));
        proxies.push(proxy);
    }
    wait_until("screens online", || {
        screens.iter().all(ScreenProcess::online)
    })
    .await;

    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut posted = 0u32;
    let mut bumped: HashSet<String> = HashSet::new();
    let mut counts = [0u32; 6];
    while Instant::now() < deadline {
        match rng.random_range(0..100) {
            0..45 => {
                // The POS retries with one key until the hub answers, as a POS should.
                hub.post_order_until_accepted(
                    &pos,
                    &format!("chaos-{posted}"),
                    &order_for(&posted.to_string(), "grill", "Dish"),
                )
                .await;
                posted += 1;
                counts[0] += 1;
            }
            45..70 => {
                let screen = rng.random_range(0..screens.len());
                let open = screens[screen].open();
                if !open.is_empty() {
                    let (id, _) = open[rng.random_range(0..open.len())].clone();
                    screens[screen].command(&format!("bump {id}"));
                    bumped.insert(id);
                    counts[1] += 1;
                }
            }
            70..80 => {
                proxies[rng.random_range(0..proxies.len())].cut();
                counts[2] += 1;
            }
            80..87 => {
                let proxy = &proxies[rng.random_range(0..proxies.len())];
                proxy.block();
                tokio::time::sleep(Duration::from_millis(rng.random_range(100..800))).await;
                proxy.unblock();
                counts[3] += 1;
            }
            87..94 => {
                screens[rng.random_range(0..3)].restart();
                counts[4] += 1;
            }
            _ => {
                hub.kill();
                tokio::time::sleep(Duration::from_millis(rng.random_range(50..500))).await;
                hub.restart().expect("hub restart");
                counts[5] += 1;
            }
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(5..60))).await;
    }
    eprintln!(
        "chaos: {} orders, {} bumps, {} cuts, {} blocks, {} screen kills, {} hub kills",
        counts[0], counts[1], counts[2], counts[3], counts[4], counts[5]
    );
    for proxy in &proxies {
        proxy.unblock();
    }
    for screen in &screens {
        assert_converges(&hub, &token, "grill", screen).await;
    }
    assert_eq!(
        hub.count_orders(),
        u64::from(posted),
        "every order exactly once"
    );
    let open: HashSet<String> = hub
        .open_versions(&token, "grill")
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let lost: Vec<&String> = bumped.iter().filter(|id| open.contains(*id)).collect();
    assert!(
        lost.is_empty(),
        "bumps made on a screen never reached the hub: {lost:?}"
    );
    let bump_events = hub.count_events("kds:grill", "kds:ticket-bumped");
    assert_eq!(
        bump_events + open.len() as u64,
        u64::from(posted),
        "each ticket open or bumped exactly once"
    );
}
