//! Rail's hub beside a Socket.IO v4 server doing the same room fan-out, in one run, driven
//! by one load generator (`rail_tests::loadgen`): fan-out latency, the highest sustained
//! delivery rate, server CPU per delivery and memory per idle connection, printed as a
//! table with Rail's figures as ratios of the peer's. Run by `cargo xtask bench-peer`.
//!
//! Sizes: `RAIL_BENCH_CONNECTIONS` idle connections (10,000), `RAIL_BENCH_SCREENS`
//! screens for the latency run (100), `RAIL_BENCH_FANOUT` screens for the rate ramp (500).

use std::time::{Duration, Instant};

use rail_tests::loadgen::{
    burst, print_ramps, ramp, rss_kib, sustained, Burst, Plan, Target, SATURATED_P99_MS, STEP,
    SUSTAINED_P99_MS,
};
use rail_tests::peer::SocketIoPeer;
use rail_tests::{env_or, HubProcess};

const CHANNEL: &str = "kds:grill";
const STATION: &str = "grill";
/// The latency run: a steady rush, 50 orders a second for ten seconds.
const LATENCY_ORDERS: u32 = 500;
const LATENCY_RATE: u32 = 50;
/// The ramp: orders per second, each step four seconds.
const RAMP: [u32; 11] = [25, 50, 75, 100, 150, 200, 300, 400, 600, 800, 1200];
/// The POS ramp: orders per second on a few screens, so the order path saturates
/// before the fan-out does.
const POS_RAMP: [u32; 12] = [
    100, 200, 300, 400, 600, 800, 1200, 1600, 2400, 3200, 4000, 4800,
];
const POS_SCREENS: usize = 10;
const POS_CHANNEL: &str = "kds:fry";
const POS_STATION: &str = "fry";

struct Figures {
    name: &'static str,
    connections: usize,
    open_secs: f64,
    kib_per_connection: f64,
    latency: Burst,
    /// Order rates on a few screens: the POS path.
    pos_ramp: Vec<Burst>,
    /// Order rates on many screens: the fan-out.
    ramp: Vec<Burst>,
}

impl Figures {
    /// The fastest fan-out step that kept up within the latency bound.
    fn sustained(&self) -> Option<&Burst> {
        sustained(&self.ramp)
    }

    /// The most events per second delivered in any step that delivered everything,
    /// whatever the latency: the fan-out's ceiling.
    fn peak(&self) -> Option<&Burst> {
        self.ramp
            .iter()
            .filter(|b| b.delivered == b.expected)
            .max_by(|a, b| a.delivery_rate.total_cmp(&b.delivery_rate))
    }
}

/// A server under test, running until dropped.
enum Server {
    /// The hub and the directory of its database (removed when dropped).
    Rail {
        hub: Box<HubProcess>,
        _dir: tempfile::TempDir,
    },
    SocketIo(SocketIoPeer),
}

impl Server {
    fn start_rail() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let hub = HubProcess::start(dir.path())?;
        Ok(Server::Rail {
            hub: Box::new(hub),
            _dir: dir,
        })
    }

    fn start_socketio() -> anyhow::Result<Self> {
        Ok(Server::SocketIo(SocketIoPeer::start()?))
    }

    fn target(&self) -> Target {
        match self {
            Server::Rail { hub, .. } => Target::Rail {
                http: hub.url.clone(),
                kds_token: hub.token("kds", &[STATION, POS_STATION]),
                pos_token: hub.token("pos", &[]),
            },
            Server::SocketIo(peer) => Target::SocketIo {
                http: peer.url.clone(),
                token: peer.token.clone(),
            },
        }
    }

    fn pid(&self) -> u32 {
        match self {
            Server::Rail { hub, .. } => hub.pid(),
            Server::SocketIo(peer) => peer.pid(),
        }
    }
}

/// Measures one kind of server: the idle connections on one fresh process, the load on
/// another, so neither phase disturbs the other (closing 10,000 sockets, or a GC after
/// it, would otherwise land in the latency run).
async fn measure(start: fn() -> anyhow::Result<Server>) -> anyhow::Result<Figures> {
    let connections = env_or::<usize>("RAIL_BENCH_CONNECTIONS", 10_000);
    let screens = env_or::<usize>("RAIL_BENCH_SCREENS", 100);
    let fanout = env_or::<usize>("RAIL_BENCH_FANOUT", 500);

    let server = start()?;
    let (target, pid) = (server.target(), server.pid());
    let name = target.name();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = rss_kib(pid);
    let opened = Instant::now();
    let idle = target.screens(CHANNEL, connections, 250).await?;
    let open_secs = opened.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_kib(pid);
    let kib_per_connection = after.saturating_sub(before) as f64 / connections as f64;
    eprintln!("{name}: {connections} idle connections in {open_secs:.1} s, {before} → {after} KiB");
    drop(idle);
    drop(server);

    let server = start()?;
    let (target, pid) = (server.target(), server.pid());
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut first = 0;
    let mut screens_open = target.screens(CHANNEL, screens, 100).await?;
    let plan = Plan {
        station: STATION,
        first,
        count: LATENCY_ORDERS,
        rate: LATENCY_RATE,
        drain: Duration::from_secs(5),
    };
    let latency = burst(&target, pid, &screens_open, plan).await?;
    first += LATENCY_ORDERS;
    eprintln!("{name}: latency run {latency:?}");

    // The POS side: few screens, so the order path is what saturates. On a station of
    // its own: the tens of thousands of tickets it leaves open would otherwise be the
    // snapshot of every screen opened for the fan-out ramp.
    let pos_screens = target.screens(POS_CHANNEL, POS_SCREENS, 100).await?;
    let pos_ramp = ramp(
        std::slice::from_ref(&target),
        &[pid],
        &pos_screens,
        POS_STATION,
        &POS_RAMP,
        &mut first,
    )
    .await?;
    drop(pos_screens);

    screens_open.extend(
        target
            .screens(CHANNEL, fanout.saturating_sub(screens), 100)
            .await?,
    );
    let ramp = ramp(
        std::slice::from_ref(&target),
        &[pid],
        &screens_open,
        STATION,
        &RAMP,
        &mut first,
    )
    .await?;
    Ok(Figures {
        name,
        connections,
        open_secs,
        kib_per_connection,
        latency,
        pos_ramp,
        ramp,
    })
}

fn ratio(rail: f64, peer: f64) -> String {
    if peer > 0.0 && rail.is_finite() && peer.is_finite() {
        format!("{:.2}×", rail / peer)
    } else {
        "n/a".into()
    }
}

/// A delivery rate of both servers, and the order rate and latency it came with.
fn rate_rows(what: &str, rail: &Burst, peer: &Burst) {
    println!(
        "| {what} | {:.0} events/s | {:.0} events/s | {} | higher |",
        rail.delivery_rate,
        peer.delivery_rate,
        ratio(rail.delivery_rate, peer.delivery_rate)
    );
    println!(
        "| … at orders/s, latency p50 / p99 | {} /s, {:.1} / {:.1} ms | {} /s, {:.1} / {:.1} ms | | |",
        rail.rate,
        rail.latency.p50,
        rail.latency.p99,
        peer.rate,
        peer.latency.p50,
        peer.latency.p99
    );
}

fn print_table(rail: &Figures, peer: &Figures) {
    let screens = env_or::<usize>("RAIL_BENCH_SCREENS", 100);
    let fanout = env_or::<usize>("RAIL_BENCH_FANOUT", 500);
    println!(
        "\n| measure | {} | {} | Rail ÷ {} | better |",
        rail.name, peer.name, peer.name
    );
    println!("|---|---|---|---|---|");
    let row = |what: String, r: f64, p: f64, unit: &str, better: &str| {
        println!(
            "| {what} | {r:.2}{unit} | {p:.2}{unit} | {} | {better} |",
            ratio(r, p)
        );
    };
    row(
        format!("memory per idle connection ({} held)", rail.connections),
        rail.kib_per_connection,
        peer.kib_per_connection,
        " KiB",
        "lower",
    );
    row(
        "time to open and subscribe them".into(),
        rail.open_secs,
        peer.open_secs,
        " s",
        "lower",
    );
    let (rl, pl) = (rail.latency.latency, peer.latency.latency);
    let setting = format!("{screens} screens, {LATENCY_RATE} orders/s");
    let (rf, pf) = (rail.latency.first, peer.latency.first);
    row(
        format!("POST → first screen p50 ({setting})"),
        rf.p50,
        pf.p50,
        " ms",
        "lower",
    );
    row(
        format!("POST → first screen p99 ({setting})"),
        rf.p99,
        pf.p99,
        " ms",
        "lower",
    );
    row(
        format!("POST → screen p50 ({setting})"),
        rl.p50,
        pl.p50,
        " ms",
        "lower",
    );
    row(
        format!("POST → screen p95 ({setting})"),
        rl.p95,
        pl.p95,
        " ms",
        "lower",
    );
    row(
        format!("POST → screen p99 ({setting})"),
        rl.p99,
        pl.p99,
        " ms",
        "lower",
    );
    row(
        format!("POST → screen max ({setting})"),
        rl.max,
        pl.max,
        " ms",
        "lower",
    );
    row(
        format!("server CPU per 1,000 deliveries ({setting})"),
        rail.latency.cpu_ms_per_1000,
        peer.latency.cpu_ms_per_1000,
        " ms",
        "lower",
    );
    println!(
        "| deliveries made ({setting}) | {} of {} | {} of {} | | |",
        rail.latency.delivered,
        rail.latency.expected,
        peer.latency.delivered,
        peer.latency.expected
    );
    if let (Some(r), Some(p)) = (sustained(&rail.pos_ramp), sustained(&peer.pos_ramp)) {
        println!(
            "| highest sustained order rate ({POS_SCREENS} screens) | {} orders/s | {} orders/s | {} | higher |",
            r.rate,
            p.rate,
            ratio(f64::from(r.rate), f64::from(p.rate))
        );
        println!(
            "| … latency p50 / p99, server CPU per order | {:.1} / {:.1} ms, {:.2} ms | {:.1} / {:.1} ms, {:.2} ms | | |",
            r.latency.p50,
            r.latency.p99,
            r.cpu_ms_per_1000 * POS_SCREENS as f64 / 1000.0,
            p.latency.p50,
            p.latency.p99,
            p.cpu_ms_per_1000 * POS_SCREENS as f64 / 1000.0
        );
    }
    match (rail.sustained(), peer.sustained()) {
        (Some(r), Some(p)) => {
            rate_rows(
                &format!("highest sustained delivery rate ({fanout} screens)"),
                r,
                p,
            );
            row(
                "server CPU per 1,000 deliveries at that rate".into(),
                r.cpu_ms_per_1000,
                p.cpu_ms_per_1000,
                " ms",
                "lower",
            );
        }
        _ => println!("| highest sustained delivery rate | not reached by one of the two | | | |"),
    }
    if let (Some(r), Some(p)) = (rail.peak(), peer.peak()) {
        rate_rows(
            &format!("peak delivery rate, any latency ({fanout} screens)"),
            r,
            p,
        );
    }
    println!(
        "\nRamps ({POS_SCREENS} screens, then {fanout}; {} s a step; sustained: every delivery arrived and p99 ≤ \
         {SUSTAINED_P99_MS} ms; the ramp stops when deliveries go missing or p99 > \
         {SATURATED_P99_MS} ms):\n",
        STEP.as_secs()
    );
    print_ramps(&[
        (rail.name, &rail.pos_ramp),
        (peer.name, &peer.pos_ramp),
        (rail.name, &rail.ramp),
        (peer.name, &peer.ramp),
    ]);
}

/// The POS ramp alone on a fresh process of `start`: the order path's figures.
async fn measure_pos_path(start: fn() -> anyhow::Result<Server>) -> anyhow::Result<Vec<Burst>> {
    let server = start()?;
    let (target, pid) = (server.target(), server.pid());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let screens = target.screens(POS_CHANNEL, POS_SCREENS, 100).await?;
    let mut first = 0;
    ramp(
        std::slice::from_ref(&target),
        &[pid],
        &screens,
        POS_STATION,
        &POS_RAMP,
        &mut first,
    )
    .await
}

/// The latency run alone on a fresh process of `start`.
async fn measure_latency(start: fn() -> anyhow::Result<Server>) -> anyhow::Result<Burst> {
    let server = start()?;
    let (target, pid) = (server.target(), server.pid());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let screens = env_or::<usize>("RAIL_BENCH_SCREENS", 100);
    let screens_open = target.screens(CHANNEL, screens, 100).await?;
    let plan = Plan {
        station: STATION,
        first: 0,
        count: LATENCY_ORDERS,
        rate: LATENCY_RATE,
        drain: Duration::from_secs(5),
    };
    burst(&target, pid, &screens_open, plan).await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a benchmark: run through `cargo xtask bench-peer --latency`"]
async fn latency_beside_socketio() {
    let screens = env_or::<usize>("RAIL_BENCH_SCREENS", 100);
    let mut runs = Vec::new();
    // Alternated, three times each, so a change in the machine's load shows as a
    // spread within a server's runs rather than as a difference between servers.
    for _ in 0..3 {
        runs.push((
            "Rail",
            measure_latency(Server::start_rail).await.expect("Rail"),
        ));
        runs.push((
            "Socket.IO",
            measure_latency(Server::start_socketio)
                .await
                .expect("the Socket.IO peer"),
        ));
    }
    println!(
        "\n| server ({screens} screens, {LATENCY_RATE} orders/s) | first screen p50 / p99 ms | every screen p50 / p99 ms | deliveries | CPU ms / 1,000 |"
    );
    println!("|---|---|---|---|---|");
    for (name, run) in &runs {
        println!(
            "| {name} | {:.2} / {:.2} | {:.2} / {:.2} | {} of {} | {:.1} |",
            run.first.p50,
            run.first.p99,
            run.latency.p50,
            run.latency.p99,
            run.delivered,
            run.expected,
            run.cpu_ms_per_1000
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a benchmark: run through `cargo xtask bench-peer --pos`"]
async fn pos_path_beside_socketio() {
    let rail = measure_pos_path(Server::start_rail)
        .await
        .expect("measuring Rail");
    let peer = measure_pos_path(Server::start_socketio)
        .await
        .expect("measuring the Socket.IO peer");
    println!();
    print_ramps(&[("Rail", &rail), ("Socket.IO", &peer)]);
    match (sustained(&rail), sustained(&peer)) {
        (Some(r), Some(p)) => println!(
            "\nhighest sustained order rate ({POS_SCREENS} screens): Rail {} /s, Socket.IO {} /s ({})",
            r.rate,
            p.rate,
            ratio(f64::from(r.rate), f64::from(p.rate))
        ),
        _ => println!("\nhighest sustained order rate: not reached by one of the two"),
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a benchmark: run through `cargo xtask bench-peer`"]
async fn rail_beside_socketio() {
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let rail = measure(Server::start_rail).await.expect("measuring Rail");
    let socketio = measure(Server::start_socketio)
        .await
        .expect("measuring the Socket.IO peer");

    for figures in [&rail, &socketio] {
        assert!(
            figures.latency.delivered > 0 && !figures.ramp.is_empty(),
            "{}: nothing was measured",
            figures.name
        );
    }
    print_table(&rail, &socketio);
}
