//! One hub against three, on the same machine and under the same load: a fan-out ramp
//! (many screens, orders per second rising) and a POS ramp (few screens, the order
//! path). Three set-ups, each on fresh processes:
//!
//! - one hub on SQLite (the default: one restaurant),
//! - one hub on PostgreSQL (the same hub on the shared store, alone),
//! - three hubs on one PostgreSQL store and one NATS server, screens spread over them
//!   and orders posted to each in turn.
//!
//! Every server runs on this machine beside the load generator: the figures say what
//! the cluster costs and how it behaves, not how far it scales on machines of its own.
//!
//! `cargo xtask bench-cluster` runs it on release builds and prints the tables.

use std::time::Duration;

use rail_hub::testing::{TempNats, TempPostgres};
use rail_tests::loadgen::{print_ramps, ramp, sustained, Burst, Target};
use rail_tests::{env_or, HubOptions, HubProcess};

/// Orders per second on many screens: the fan-out.
const RAMP: [u32; 8] = [25, 50, 100, 150, 200, 300, 400, 600];
/// Orders per second on a few screens: the order path.
const POS_RAMP: [u32; 10] = [100, 200, 300, 400, 600, 800, 1200, 1600, 2400, 3200];
const POS_SCREENS: usize = 10;

/// A set-up under test: its hubs, and what keeps their store and NATS alive.
struct Setup {
    hubs: Vec<HubProcess>,
    _dir: tempfile::TempDir,
    _postgres: Option<TempPostgres>,
    _nats: Option<TempNats>,
}

impl Setup {
    fn start(hubs: usize, postgres: bool) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        // Commits on disk before they are answered, as in production.
        let server = postgres.then(|| TempPostgres::start_durable().expect("PostgreSQL"));
        let store = server.as_ref().map(|s| s.new_database().expect("database"));
        let nats = (hubs > 1).then(|| TempNats::start().expect("NATS"));
        let hubs = (0..hubs)
            .map(|n| {
                HubProcess::start_with(HubOptions {
                    store: store.clone(),
                    nats: nats.as_ref().map(TempNats::url),
                    ..HubOptions::new(dir.path().join(format!("hub-{n}.sqlite3")))
                })
                .expect("hub")
            })
            .collect();
        Setup {
            hubs,
            _dir: dir,
            _postgres: server,
            _nats: nats,
        }
    }

    fn targets(&self) -> Vec<Target> {
        let pos = self.hubs[0].token("pos", &[]);
        let kds = self.hubs[0].token("kds", &["grill", "fry"]);
        self.hubs
            .iter()
            .map(|hub| Target::Rail {
                http: hub.url.clone(),
                kds_token: kds.clone(),
                pos_token: pos.clone(),
            })
            .collect()
    }

    fn pids(&self) -> Vec<u32> {
        self.hubs.iter().map(HubProcess::pid).collect()
    }
}

/// Opens `count` screens on `channel`, spread over the targets in turn.
async fn spread_screens(
    targets: &[Target],
    channel: &str,
    count: usize,
) -> Vec<rail_tests::loadgen::Screen> {
    let mut screens = Vec::with_capacity(count);
    for (n, target) in targets.iter().enumerate() {
        let share = count / targets.len() + usize::from(n < count % targets.len());
        screens.extend(target.screens(channel, share, 100).await.expect("screens"));
    }
    screens
}

struct Figures {
    name: &'static str,
    fan_out: Vec<Burst>,
    pos: Vec<Burst>,
}

/// One ramp of `rates` on `screens` screens of `station`, on a fresh set-up.
async fn measure_ramp(
    hubs: usize,
    postgres: bool,
    station: &str,
    screens: usize,
    rates: &[u32],
) -> Vec<Burst> {
    let setup = Setup::start(hubs, postgres);
    let targets = setup.targets();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let open = spread_screens(&targets, &format!("kds:{station}"), screens).await;
    let mut first = 0;
    ramp(&targets, &setup.pids(), &open, station, rates, &mut first)
        .await
        .expect("ramp")
}

async fn measure(name: &'static str, hubs: usize, postgres: bool) -> Figures {
    let screens = env_or::<usize>("RAIL_BENCH_SCREENS", 300);
    let fan_out = measure_ramp(hubs, postgres, "grill", screens, &RAMP).await;
    let pos = measure_ramp(hubs, postgres, "fry", POS_SCREENS, &POS_RAMP).await;
    eprintln!("{name}: done");
    Figures { name, fan_out, pos }
}

fn row(what: &str, figures: &[Figures], pick: impl Fn(&Figures) -> Option<&Burst>) {
    let cells: Vec<String> = figures
        .iter()
        .map(|f| match pick(f) {
            Some(b) => format!(
                "{} orders/s, {:.0} deliveries/s, p50 {:.1} / p99 {:.1} ms, {:.0} CPU ms / 1,000",
                b.rate, b.delivery_rate, b.latency.p50, b.latency.p99, b.cpu_ms_per_1000
            ),
            None => "none within 100 ms p99".into(),
        })
        .collect();
    println!("| {what} | {} |", cells.join(" | "));
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a benchmark: run through `cargo xtask bench-cluster`"]
async fn one_hub_beside_three() {
    let figures = vec![
        measure("1 hub, SQLite", 1, false).await,
        measure("1 hub, PostgreSQL", 1, true).await,
        measure("3 hubs, PostgreSQL + NATS", 3, true).await,
    ];
    let screens = env_or::<usize>("RAIL_BENCH_SCREENS", 300);
    println!("\n## Sustained (every delivery made, p99 ≤ 100 ms)\n");
    let names: Vec<&str> = figures.iter().map(|f| f.name).collect();
    println!("| | {} |", names.join(" | "));
    println!("|---|{}", "---|".repeat(figures.len()));
    row(&format!("fan-out, {screens} screens"), &figures, |f| {
        sustained(&f.fan_out)
    });
    row(&format!("POS path, {POS_SCREENS} screens"), &figures, |f| {
        sustained(&f.pos)
    });
    println!("\n## Every step\n");
    let mut ramps: Vec<(String, &[Burst])> = Vec::new();
    for f in &figures {
        ramps.push((format!("{} fan-out", f.name), &f.fan_out));
        ramps.push((format!("{} POS", f.name), &f.pos));
    }
    let ramps: Vec<(&str, &[Burst])> = ramps.iter().map(|(n, s)| (n.as_str(), *s)).collect();
    print_ramps(&ramps);
}
