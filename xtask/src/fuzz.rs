//! `cargo xtask fuzz [--seconds N] [TARGET…]`: runs the cargo-fuzz targets in `fuzz/`
//! for a bounded time each, prints what they did, and turns every crash into a
//! regression input under `fuzz/regressions/<target>/` (replayed by
//! `cargo test -p rail-fuzz`).
//!
//! cargo-fuzz passes nightly-only flags to rustc; `RUSTC_BOOTSTRAP=1` lets this
//! machine's stable toolchain accept them (no other toolchain can be installed here).
//! Builds are optimised with debug assertions and overflow checks on, without a
//! sanitizer: the project's crates forbid `unsafe`, and AddressSanitizer would only
//! instrument Rust code that cannot corrupt memory, at twice the build and run time.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context};

/// Every target, in `fuzz/fuzz_targets/`.
pub const TARGETS: &[&str] = &["hub_rest", "hub_socket", "screen_wire", "printer_chit"];

/// What one run of one target did.
struct Outcome {
    target: String,
    runs: String,
    coverage: String,
    crashes: Vec<String>,
}

/// Runs `targets` (all when empty) for `seconds` each.
pub fn fuzz(root: &Path, seconds: u64, targets: &[String]) -> anyhow::Result<()> {
    let targets: Vec<String> = if targets.is_empty() {
        TARGETS.iter().map(|t| (*t).to_owned()).collect()
    } else {
        targets.to_vec()
    };
    for target in &targets {
        if !TARGETS.contains(&target.as_str()) {
            bail!(
                "unknown fuzz target {target:?}; targets: {}",
                TARGETS.join(", ")
            );
        }
    }
    if !crate::succeeds("cargo", &["fuzz", "--version"]) {
        crate::run(Command::new("cargo").args(["install", "cargo-fuzz", "--locked"]))?;
    }
    let mut outcomes = Vec::new();
    for target in &targets {
        outcomes.push(run_target(root, target, seconds)?);
    }
    println!("\n| target | seconds | runs | coverage (edges) | crashes |");
    println!("|---|---|---|---|---|");
    for o in &outcomes {
        println!(
            "| {} | {seconds} | {} | {} | {} |",
            o.target,
            o.runs,
            o.coverage,
            if o.crashes.is_empty() {
                "none".to_owned()
            } else {
                o.crashes.join(", ")
            }
        );
    }
    let crashed: Vec<&Outcome> = outcomes.iter().filter(|o| !o.crashes.is_empty()).collect();
    if !crashed.is_empty() {
        bail!(
            "crashes saved under fuzz/regressions/: `cargo test -p rail-fuzz` replays them; \
             fix the code, keep the inputs, commit both"
        );
    }
    Ok(())
}

fn run_target(root: &Path, target: &str, seconds: u64) -> anyhow::Result<Outcome> {
    let fuzz = root.join("fuzz");
    let corpus = fuzz.join("corpus").join(target);
    let artifacts = fuzz.join("artifacts").join(target);
    std::fs::create_dir_all(&corpus)?;
    std::fs::create_dir_all(&artifacts)?;
    let before: Vec<_> = list(&artifacts);
    let mut command = Command::new("cargo");
    command
        .args(["fuzz", "run", "-O", "-a", "--sanitizer", "none", target])
        .arg(&corpus)
        .arg(fuzz.join("seeds").join(target))
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-dict={}", fuzz.join("dicts/rail.dict").display()))
        .arg("-timeout=20")
        .arg("-rss_limit_mb=4096")
        .env("RUSTC_BOOTSTRAP", "1")
        .current_dir(root);
    // The screen's harness opens a fresh SQLite file (fsync'd) per input: keep those
    // in memory so the fuzzer spends its time on the code, not the disk.
    if Path::new("/dev/shm").is_dir() {
        command.env("TMPDIR", "/dev/shm");
    }
    let log_path = fuzz.join("logs").join(format!("{target}.log"));
    std::fs::create_dir_all(log_path.parent().context("logs dir")?)?;
    command.stderr(std::fs::File::create(&log_path)?);
    eprintln!("$ {}", crate::describe(&command));
    eprintln!(
        "  ({seconds} s; libFuzzer's output goes to {})",
        log_path.display()
    );
    let status = command
        .status()
        .with_context(|| format!("running cargo fuzz for {target}"))?;
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    let runs = log
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("Done "))
        .map(|l| l.split_whitespace().next().unwrap_or("?").to_owned())
        .unwrap_or_else(|| "?".into());
    let coverage = log
        .lines()
        .rev()
        .find_map(|l| l.split("cov: ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or("?")
        .to_owned();
    let mut crashes = Vec::new();
    for found in list(&artifacts).into_iter().filter(|f| !before.contains(f)) {
        let name = found
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let saved = fuzz.join("regressions").join(target).join(&name);
        std::fs::create_dir_all(saved.parent().context("regressions dir")?)?;
        std::fs::copy(&found, &saved)?;
        eprintln!("{target}: crash saved as {}", saved.display());
        crashes.push(name);
    }
    if !status.success() && crashes.is_empty() {
        // Not a finding: the build or libFuzzer itself failed. Show why.
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        for line in tail.into_iter().rev() {
            eprintln!("{line}");
        }
        bail!("cargo fuzz failed for {target} without a crash input");
    }
    if !status.success() {
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        for line in tail.into_iter().rev() {
            eprintln!("{line}");
        }
    }
    Ok(Outcome {
        target: target.to_owned(),
        runs,
        coverage,
        crashes,
    })
}

fn list(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default()
}
