//! The screen under load, measured in the real app: 200 open tickets. Run by
//! `cargo xtask bench-ui`, which prints the figures recorded in `docs/benchmarks.md`.
//! Not part of the test suite: timings on a shared machine are reported, never asserted.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rail_tests::percentile;
use rail_tests::window::{station_args, AppSession};
use rail_tests::{eventually, holds, order_for, HubProcess};

/// Open tickets before the probes (`RAIL_BENCH_TICKETS`, default 200).
fn tickets() -> usize {
    std::env::var("RAIL_BENCH_TICKETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}
/// Enough probes that p99 is not just the slowest of a few.
const PROBES: usize = 200;

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

/// `(pid, parent pid, utime + stime in clock ticks)` of every process.
fn processes() -> Vec<(u32, u32, u64)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // Fields after the command name, which is in parentheses and may hold spaces.
        let Some(rest) = stat.rsplit_once(')').map(|(_, rest)| rest) else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let (Some(ppid), Some(utime), Some(stime)) =
            (fields.get(1), fields.get(11), fields.get(12))
        else {
            continue;
        };
        if let (Ok(ppid), Ok(utime), Ok(stime)) =
            (ppid.parse(), utime.parse::<u64>(), stime.parse::<u64>())
        {
            out.push((pid, ppid, utime + stime));
        }
    }
    out
}

/// `root` and all its descendants (the WebKit processes).
fn tree(root: u32, all: &[(u32, u32, u64)]) -> Vec<u32> {
    let mut members = vec![root];
    let mut grew = true;
    while grew {
        grew = false;
        for (pid, ppid, _) in all {
            if members.contains(ppid) && !members.contains(pid) {
                members.push(*pid);
                grew = true;
            }
        }
    }
    members
}

/// CPU ticks used so far by `root` and all its descendants.
fn tree_ticks(root: u32) -> u64 {
    let all = processes();
    let members = tree(root, &all);
    all.iter()
        .filter(|(pid, _, _)| members.contains(pid))
        .map(|(_, _, ticks)| ticks)
        .sum()
}

/// Proportional set size of `root` and each descendant, in MiB, by process name:
/// what the app and its WebKit processes cost the machine, shared pages split among
/// their sharers.
fn tree_pss_mib(root: u32) -> Vec<(String, f64)> {
    let all = processes();
    tree(root, &all)
        .iter()
        .filter_map(|pid| {
            let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
            let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
            let kib = rollup
                .lines()
                .find_map(|line| line.strip_prefix("Pss:"))
                .and_then(|rest| {
                    rest.trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse::<u64>()
                        .ok()
                })?;
            Some((name.trim().to_owned(), kib as f64 / 1024.0))
        })
        .collect()
}

/// The app's pid, found by the unique cache path on its command line.
fn app_pid(marker: &str) -> Option<u32> {
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline);
            (cmdline.contains(marker) && cmdline.split('\0').next()?.ends_with("/rail"))
                .then_some(pid)
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run through `cargo xtask bench-ui`"]
async fn two_hundred_open_tickets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = HubProcess::start(dir.path()).expect("hub");
    let pos = hub.token("pos", &[]);
    let tickets_open = tickets();
    for n in 0..tickets_open {
        hub.post_order(&pos, order_for(&format!("{}", 1000 + n), "grill", "Burger"))
            .await
            .expect("order");
    }
    let db = dir.path().join("bench-screen.sqlite3");
    let kds = hub.token("kds", &["grill"]);
    let args = station_args(&hub.url, &kds, "grill", &db);
    let started = Instant::now();
    let session = AppSession::open(&args).await.expect("app");
    let client = &session.client;
    let result = async {
        // 1. Start to every ticket drawn.
        eventually("every ticket drawn", Duration::from_secs(60), || async {
            let drawn = client.execute("return document.querySelectorAll('[data-ticket-id]').length", vec![]).await?;
            holds(drawn.as_u64() == Some(tickets_open as u64))
                .map_err(|_| anyhow::anyhow!("only {drawn} of {tickets_open} tickets drawn"))
        })
        .await?;
        let startup = started.elapsed();

        // 2. POS post → card in the DOM, timed in the page, 30 times, 200 tickets open.
        client
            .execute(
                "window.__seen = {}; new MutationObserver(() => { for (const el of document.querySelectorAll('[data-order-number]')) { const n = el.dataset.orderNumber; if (!(n in window.__seen)) window.__seen[n] = Date.now(); } }).observe(document.body, { childList: true, subtree: true }); return true;",
                vec![],
            )
            .await?;
        let mut sent = Vec::new();
        for probe in 0..PROBES {
            let number = format!("{}", 5000 + probe);
            sent.push((number.clone(), now_ms()));
            let tickets = hub.post_order(&pos, order_for(&number, "grill", "Probe")).await?;
            // Bumped again once drawn (not before: a bump arriving first would keep the
            // card from ever being drawn), so the rail stays at the same length.
            let drawn = format!("return window.__seen[{number:?}] ?? null");
            let deadline = Instant::now() + Duration::from_secs(5);
            while client.execute(&drawn, vec![]).await?.is_null() && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            for ticket in tickets {
                hub.bump(&kds, &ticket.id).await?;
            }
        }
        let seen = client.execute("return window.__seen", vec![]).await?;
        let mut latencies: Vec<f64> = sent
            .iter()
            .filter_map(|(number, at)| seen.get(number).and_then(serde_json::Value::as_f64).map(|drawn| drawn - at))
            .collect();
        anyhow::ensure!(latencies.len() == PROBES, "saw {} of {PROBES} probe tickets drawn", latencies.len());
        latencies.sort_by(f64::total_cmp);

        // 3. Idle: 230 tickets on the rail, timers ticking each second, nothing else.
        let pid = app_pid(&db.display().to_string()).ok_or_else(|| anyhow::anyhow!("app process not found"))?;
        let ticks_per_second = 100.0; // CLK_TCK on Linux
        let idle = Duration::from_secs(20);
        let before = tree_ticks(pid);
        tokio::time::sleep(idle).await;
        let used = tree_ticks(pid) - before;
        let idle_cpu = used as f64 / ticks_per_second / idle.as_secs_f64() * 100.0;
        let processes = tree_pss_mib(pid);
        let pss: f64 = processes.iter().map(|(_, mib)| mib).sum();

        println!("\n| measure (real app, release build, WebKitGTK, Xvfb 1280×800) | value |");
        println!("|---|---|");
        println!("| open tickets | {tickets_open} (each probe bumped once drawn) |");
        println!("| app start → {tickets_open} cached/synced tickets drawn | {:.0} ms |", startup.as_secs_f64() * 1000.0);
        println!("| POS POST → card in the DOM, p50 | {:.1} ms |", percentile(&latencies, 0.5));
        println!("| POS POST → card in the DOM, p95 | {:.1} ms |", percentile(&latencies, 0.95));
        println!("| POS POST → card in the DOM, p99 | {:.1} ms |", percentile(&latencies, 0.99));
        println!("| POS POST → card in the DOM, max | {:.1} ms |", percentile(&latencies, 1.0));
        println!("| idle CPU, app + WebKit processes, timers ticking | {idle_cpu:.1} % of one core |");
        println!("| memory, app + WebKit processes (sum of PSS) | {pss:.0} MiB |");
        for (name, mib) in &processes {
            println!("| … of which {name} | {mib:.0} MiB |");
        }
        anyhow::Ok(())
    }
    .await;
    session.close().await;
    result.expect("benchmark could not measure");
}
