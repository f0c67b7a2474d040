//! The chaos run across several hubs: three hubs sharing one PostgreSQL store and one
//! NATS server; three grill screens (real processes), each given every hub's address
//! and starting on a different one; a POS posting to whichever hub answers. At random a
//! hub is SIGKILLed mid-burst (and later started again), NATS is killed and restarted,
//! and screens are killed and restarted. Screens on a killed hub must move to another
//! and carry on from their cursor.
//!
//! At the end: every screen equals the store; every order is recorded once; every bump
//! a screen acknowledged reached the store once; no ticket was bumped twice; no bump
//! appears that no screen made; the channel's sequence numbers run 1..N with no gap.
//!
//! `cargo xtask test` runs a short version (RAIL_CHAOS_SECONDS, default 15, fixed seed);
//! `cargo xtask chaos --cluster --seconds 600 [--seed N]` runs a long one.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rail_tests::cluster::Cluster;
use rail_tests::reckoning::assert_orders_and_bumps_once;
use rail_tests::screen::ScreenProcess;
use rail_tests::{assert_converges, env_or, order_for, wait_until};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[derive(Clone, Copy, Debug)]
enum Step {
    Order,
    Bump,
    HubKill,
    HubStart,
    NatsKill,
    ScreenKill,
}

fn pick(rng: &mut StdRng) -> Step {
    match rng.random_range(0..100) {
        0..40 => Step::Order,
        40..78 => Step::Bump,
        78..86 => Step::HubKill,
        86..93 => Step::HubStart,
        93..96 => Step::NatsKill,
        _ => Step::ScreenKill,
    }
}

/// Posts an order like a POS that knows every hub: one idempotency key, tried on each
/// hub in turn until one accepts it.
async fn post_anywhere(cluster: &Cluster, pos: &str, key: &str, order: &serde_json::Value) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let client = reqwest::Client::new();
    for hub in cluster.hubs.iter().cycle() {
        assert!(Instant::now() < deadline, "no hub accepted order {key}");
        let sent = client
            .post(format!("{}/api/orders", hub.url))
            .bearer_auth(pos)
            .header("idempotency-key", key)
            .json(order)
            .timeout(Duration::from_secs(5))
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => return,
            Ok(response) if response.status().is_client_error() => {
                panic!("order {key} refused: {}", response.status())
            }
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

/// A random open ticket on `screen`, if it shows any.
fn any_open(rng: &mut StdRng, screen: &ScreenProcess) -> Option<String> {
    let open = screen.open();
    (!open.is_empty()).then(|| open[rng.random_range(0..open.len())].0.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_hubs_and_nats_loses_and_doubles_nothing() {
    let seed: u64 = env_or("RAIL_CHAOS_SEED", 20261206);
    let seconds: u64 = env_or("RAIL_CHAOS_SECONDS", 15);
    eprintln!("cluster chaos: seed {seed}, {seconds} s (rerun with RAIL_CHAOS_SEED={seed})");
    let mut rng = StdRng::seed_from_u64(seed);
    let mut cluster = Cluster::start(3);
    let pos = cluster.hubs[0].token("pos", &[]);
    let reader = cluster.hubs[0].token("kds", &["grill"]);
    let devices: Vec<String> = (0..3).map(|n| format!("grill-{n}")).collect();
    let mut screens: Vec<ScreenProcess> = devices
        .iter()
        .enumerate()
        .map(|(n, device)| {
            ScreenProcess::start(
                &cluster.hub_list_from(n),
                &cluster.hubs[0].device_token("kds", &["grill"], device),
                "grill",
                cluster.dir.path().join(format!("{device}.sqlite3")),
            )
        })
        .collect();
    wait_until("screens online", || {
        screens.iter().all(ScreenProcess::online)
    })
    .await;

    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut posted = 0u32;
    let mut counts: HashMap<&'static str, u32> = HashMap::new();
    while Instant::now() < deadline {
        let step = pick(&mut rng);
        match step {
            Step::Order => {
                post_anywhere(
                    &cluster,
                    &pos,
                    &format!("cluster-chaos-{posted}"),
                    &order_for(&posted.to_string(), "grill", "Dish"),
                )
                .await;
                posted += 1;
            }
            Step::Bump => {
                let n = rng.random_range(0..screens.len());
                let Some(id) = any_open(&mut rng, &screens[n]) else {
                    continue;
                };
                screens[n].command(&format!("bump {id}"));
            }
            Step::HubKill => {
                // Always leave one hub up: the kitchen needs somewhere to go.
                let live: Vec<usize> = (0..cluster.hubs.len())
                    .filter(|n| cluster.hubs[*n].is_running())
                    .collect();
                if live.len() < 2 {
                    continue;
                }
                cluster.hubs[live[rng.random_range(0..live.len())]].kill();
            }
            Step::HubStart => {
                let Some(dead) = (0..cluster.hubs.len()).find(|n| !cluster.hubs[*n].is_running())
                else {
                    continue;
                };
                cluster.hubs[dead].restart().expect("hub restart");
            }
            Step::NatsKill => {
                cluster.nats.kill();
                tokio::time::sleep(Duration::from_millis(rng.random_range(100..1500))).await;
                cluster.nats.restart().expect("NATS restart");
            }
            Step::ScreenKill => {
                let n = rng.random_range(0..screens.len());
                screens[n].restart();
            }
        }
        *counts.entry(step_name(step)).or_default() += 1;
        tokio::time::sleep(Duration::from_millis(rng.random_range(5..40))).await;
    }
    eprintln!("cluster chaos: {posted} orders; steps {counts:?}");

    let hub = cluster.live_hub();
    for screen in &screens {
        assert_converges(hub, &reader, "grill", screen).await;
    }
    wait_until("every screen answered its commands", || {
        screens.iter().all(ScreenProcess::all_answered)
    })
    .await;

    let reckoning = assert_orders_and_bumps_once(hub, posted as usize, &devices, &screens);
    let seqs = hub.logged_seqs("kds:grill");
    let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
    assert_eq!(seqs, expected, "the channel's sequence has no gap");
    assert_eq!(
        seqs.len(),
        posted as usize + reckoning.bump_events,
        "one event per order and per bump"
    );
    eprintln!("cluster chaos: {reckoning:?}, {} events", seqs.len());
}

fn step_name(step: Step) -> &'static str {
    match step {
        Step::Order => "order",
        Step::Bump => "bump",
        Step::HubKill => "hub kill",
        Step::HubStart => "hub start",
        Step::NatsKill => "NATS kill",
        Step::ScreenKill => "screen kill",
    }
}
