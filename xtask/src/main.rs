//! `cargo xtask <task>`: the project's entry points, the same on a laptop and in CI.
//!
//! - `setup`: installs what building and testing need (Debian packages, the UI's npm
//!   packages, tauri-driver), skipping what is already there.
//! - `demo`: setup, build the app, and run the kitchen screen against an embedded hub
//!   with a simulated POS. Without a display it runs under Xvfb and saves screenshots.
//! - `test`: setup, then every check and test: formatting, lints, the UI's type check
//!   and unit tests, the Rust tests (hub + engines through real sockets and SQLite),
//!   and the end-to-end test in the real window under Xvfb through WebDriver.
//! - On demand, bounded in time: `chaos`, `fuzz` (see [`fuzz`]), `fuzz-api` (see
//!   [`fuzz_api`]), `screenshots` and the benchmarks `bench-ui`, `bench-latency`,
//!   `bench-capacity`, `bench-reconnect`, `bench-peer` (figures in docs/benchmarks.md).

mod fuzz;
mod fuzz_api;

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

/// Debian packages for Tauri (WebKitGTK), sound (ALSA), the headless window tests
/// (Xvfb, WebKitWebDriver) and screenshots/sound checks (ImageMagick, sox).
const APT_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "librsvg2-dev",
    "libayatana-appindicator3-dev",
    "libssl-dev",
    "libxdo-dev",
    "libasound2-dev",
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "imagemagick",
    "sox",
    "alsa-utils",
];

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root()?;
    match args.first().map(String::as_str) {
        Some("setup") => setup(&root),
        Some("demo") => {
            let seconds = flag_value(&args, "--seconds")?;
            let size = args
                .iter()
                .position(|a| a == "--size")
                .and_then(|i| args.get(i + 1))
                .cloned();
            setup(&root)?;
            build_app(&root)?;
            demo(&root, seconds, size.as_deref())
        }
        Some("test") => {
            setup(&root)?;
            test(&root)
        }
        Some("bench-ui") => {
            setup(&root)?;
            build_app(&root)?;
            run(Command::new("cargo")
                .args(["build", "--bins", "-p", "rail-hub", "-p", "rail-engine"])
                .current_dir(&root))?;
            run(&mut window_test(
                &root,
                "1280x800",
                "bench_ui",
                &["--nocapture"],
            )?)
        }
        Some("bench-latency") => release_benchmark(&root, "bench_latency"),
        Some("bench-capacity") => release_benchmark(&root, "bench_capacity"),
        Some("bench-reconnect") => release_benchmark(&root, "bench_reconnect"),
        Some("bench-peer") => {
            let peer = root.join("tests/peers/socketio");
            run(Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&peer))?;
            release_benchmark(&root, "bench_peer")
        }
        Some("fuzz") => {
            let seconds = flag_value(&args, "--seconds")?.unwrap_or(60);
            let mut targets = Vec::new();
            let mut rest = args.iter().skip(1);
            while let Some(arg) = rest.next() {
                if arg == "--seconds" {
                    rest.next();
                } else {
                    targets.push(arg.clone());
                }
            }
            fuzz::fuzz(&root, seconds, &targets)
        }
        Some("fuzz-api") => {
            let seconds = flag_value(&args, "--seconds")?.unwrap_or(120);
            fuzz_api::fuzz_api(&root, seconds)
        }
        Some("chaos") => {
            let seconds = flag_value(&args, "--seconds")?.unwrap_or(600);
            let seed = flag_value(&args, "--seed")?;
            run(Command::new("cargo")
                .args(["build", "--bins", "-p", "rail-hub", "-p", "rail-engine"])
                .current_dir(&root))?;
            let mut command = Command::new("cargo");
            command
                .args([
                    "test",
                    "-p",
                    "rail-tests",
                    "--test",
                    "chaos",
                    "--",
                    "--nocapture",
                ])
                .env("RAIL_CHAOS_SECONDS", seconds.to_string())
                .current_dir(&root);
            if let Some(seed) = seed {
                command.env("RAIL_CHAOS_SEED", seed.to_string());
            }
            run(&mut command)
        }
        Some("screenshots") => {
            setup(&root)?;
            build_app(&root)?;
            screenshots(&root)
        }
        _ => {
            eprintln!(
                "usage: cargo xtask <setup | demo [--seconds N] [--size WxH] | test | screenshots |\n\
                 \x20                  chaos [--seconds N] [--seed S] | fuzz [--seconds N] [TARGET…] |\n\
                 \x20                  fuzz-api [--seconds N] |\n\
                 \x20                  bench-ui | bench-latency | bench-capacity | bench-reconnect | bench-peer>"
            );
            std::process::exit(2);
        }
    }
}

fn flag_value(args: &[String], flag: &str) -> anyhow::Result<Option<u64>> {
    match args.iter().position(|a| a == flag) {
        None => Ok(None),
        Some(i) => {
            let value = args
                .get(i + 1)
                .with_context(|| format!("{flag} needs a value"))?;
            Ok(Some(value.parse().with_context(|| {
                format!("{flag} {value}: not a number")
            })?))
        }
    }
}

fn workspace_root() -> anyhow::Result<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map(Path::to_path_buf)
        .context("xtask has no parent directory")
}

/// Runs a command, echoing it, and fails if it fails.
pub(crate) fn run(command: &mut Command) -> anyhow::Result<()> {
    eprintln!("\n==> {}", describe(command));
    let status = command
        .status()
        .with_context(|| format!("could not start {}", describe(command)))?;
    if !status.success() {
        bail!("{} failed ({status})", describe(command));
    }
    Ok(())
}

pub(crate) fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

pub(crate) fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// `apt-get` as root, or through sudo.
fn apt_get() -> Command {
    if is_root() {
        Command::new("apt-get")
    } else {
        let mut command = Command::new("sudo");
        command.arg("apt-get");
        command
    }
}

fn setup(root: &Path) -> anyhow::Result<()> {
    let mut missing: Vec<&str> = APT_PACKAGES
        .iter()
        .copied()
        .filter(|pkg| {
            let out = Command::new("dpkg-query")
                .args(["-W", "-f=${Status}", pkg])
                .output();
            !out.map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
                .unwrap_or(false)
        })
        .collect();
    if !succeeds("node", &["--version"]) {
        missing.extend(["nodejs", "npm"]);
    }
    if missing.is_empty() {
        eprintln!("==> system packages: all present");
    } else {
        run(apt_get().arg("update"))?;
        run(apt_get()
            .env("DEBIAN_FRONTEND", "noninteractive")
            .args(["install", "-y", "--no-install-recommends"])
            .args(&missing))?;
    }
    // `npm ci` refuses this lockfile on Linux-only registries (TOOLING.md); `npm install`
    // honours it and leaves it unchanged.
    run(Command::new("npm")
        .args(["install", "--no-audit", "--no-fund"])
        .current_dir(root.join("ui")))?;
    if tauri_driver().is_none() {
        run(Command::new("cargo").args([
            "install",
            "tauri-driver",
            "--locked",
            "--version",
            "2.1.0",
        ]))?;
    }
    Ok(())
}

fn tauri_driver() -> Option<PathBuf> {
    if succeeds("tauri-driver", &["--help"]) {
        return Some(PathBuf::from("tauri-driver"));
    }
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    let path = home.join("bin").join("tauri-driver");
    path.exists().then_some(path)
}

/// Builds the app as it ships (assets embedded), unoptimised: `tauri build --debug`.
fn build_app(root: &Path) -> anyhow::Result<()> {
    run(Command::new(root.join("ui/node_modules/.bin/tauri"))
        .args(["build", "--debug", "--no-bundle"])
        .current_dir(root)
        // Keeps the CLI from prompting or trying to sign anything.
        .env("CI", "true"))
}

fn test(root: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    run(Command::new("cargo")
        .args(["fmt", "--all", "--", "--check"])
        .current_dir(root))?;
    let ui = root.join("ui");
    run(Command::new("npm").args(["run", "check"]).current_dir(&ui))?;
    run(Command::new("npm").args(["test"]).current_dir(&ui))?;
    // The cross-component tests start these binaries as real processes.
    run(Command::new("cargo")
        .args(["build", "--bins", "-p", "rail-hub", "-p", "rail-engine"])
        .current_dir(root))?;
    run(Command::new("cargo")
        .args([
            "test",
            "--workspace",
            "--exclude",
            "rail-app",
            "--exclude",
            "xtask",
        ])
        .current_dir(root))?;
    check_bindings_fresh(root)?;
    build_app(root)?;
    run(Command::new("cargo")
        .args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])
        .current_dir(root))?;
    end_to_end(root)?;
    eprintln!(
        "\n==> all checks and tests passed in {:.0?}",
        started.elapsed()
    );
    Ok(())
}

/// `cargo test` regenerated the TypeScript bindings (ts-rs) and `docs/openapi.json`;
/// they must equal the committed ones, or the UI and integrators see stale types.
fn check_bindings_fresh(root: &Path) -> anyhow::Result<()> {
    let output = Command::new("git")
        .args([
            "status",
            "--porcelain",
            "--",
            "ui/src/lib/bindings",
            "docs/openapi.json",
        ])
        .current_dir(root)
        .output()
        .context("running git status")?;
    let changes = String::from_utf8_lossy(&output.stdout);
    if !changes.trim().is_empty() {
        bail!(
            "the generated TypeScript bindings are stale; commit ui/src/lib/bindings:\n{changes}"
        );
    }
    eprintln!("==> TypeScript bindings match the Rust wire types");
    Ok(())
}

fn end_to_end(root: &Path) -> anyhow::Result<()> {
    run(&mut window_test(
        root,
        "1280x800",
        "e2e_window",
        &["--test-threads=1"],
    )?)
}

/// `cargo test` of one of the real-window tests (`tests/tests/<test>.rs`, all
/// `#[ignore]`d) under a fresh Xvfb screen of `size`, with tauri-driver found.
fn window_test(root: &Path, size: &str, test: &str, test_args: &[&str]) -> anyhow::Result<Command> {
    let driver = tauri_driver().context("tauri-driver is not installed (cargo xtask setup)")?;
    let mut command = Command::new("xvfb-run");
    command
        .args(["-a", "-s", &format!("-screen 0 {size}x24")])
        .args([
            "cargo",
            "test",
            "-p",
            "rail-tests",
            "--test",
            test,
            "--",
            "--ignored",
        ])
        .args(test_args)
        .env("RAIL_TAURI_DRIVER", driver)
        .current_dir(root);
    Ok(command)
}

/// Runs a hub benchmark (`tests/tests/<test>.rs`) against optimised builds: it
/// measures the hub and the engine, not the compiler.
fn release_benchmark(root: &Path, test: &str) -> anyhow::Result<()> {
    run(Command::new("cargo")
        .args(["build", "--release", "--bins", "-p", "rail-hub"])
        .current_dir(root))?;
    run(Command::new("cargo")
        .args([
            "test",
            "--release",
            "-p",
            "rail-tests",
            "--test",
            test,
            "--",
            "--ignored",
            "--nocapture",
        ])
        .current_dir(root))
}

/// Makes `docs/screenshots/*.png` from the real app at 1280×800 and 1920×1080.
fn screenshots(root: &Path) -> anyhow::Result<()> {
    run(Command::new("cargo")
        .args(["build", "--bins", "-p", "rail-hub", "-p", "rail-engine"])
        .current_dir(root))?;
    let out = root.join("docs/screenshots");
    std::fs::create_dir_all(&out)?;
    for size in ["1280x800", "1920x1080"] {
        run(window_test(root, size, "screenshots", &[])?.env("RAIL_SCREEN_SIZE", size))?;
        for view in ["rail", "all-day", "expo", "settings"] {
            let name = format!("{view}-{size}.png");
            std::fs::copy(root.join("target/e2e").join(&name), out.join(&name))
                .with_context(|| format!("copying {name}"))?;
        }
    }
    eprintln!("==> screenshots in {}", out.display());
    Ok(())
}

/// Runs the demo; under Xvfb when there is no display, saving a screenshot every few
/// seconds to `target/demo/screen.png`. With `size` (e.g. `1920x1080`) the screen is
/// that size and the app runs in kiosk mode, filling it.
fn demo(root: &Path, seconds: Option<u64>, size: Option<&str>) -> anyhow::Result<()> {
    let app = root.join("target/debug/rail");
    let data = root.join("target/demo");
    std::fs::create_dir_all(&data)?;
    let has_display =
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    let mut xvfb: Option<Child> = None;
    let mut command = Command::new(&app);
    command
        .args(["--demo", "--db"])
        .arg(data.join("screen.sqlite3"));
    command.env("XDG_DATA_HOME", data.join("xdg"));
    if size.is_some() {
        command.arg("--kiosk");
    }
    let display = if has_display {
        None
    } else {
        let number = (90..200)
            .find(|n| !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists())
            .context("no free X display")?;
        let display = format!(":{number}");
        eprintln!(
            "==> no display: running under Xvfb {display}; screenshots go to {}",
            data.join("screen.png").display()
        );
        let screen = format!("{}x24", size.unwrap_or("1280x800"));
        xvfb = Some(
            Command::new("Xvfb")
                .args([&display, "-screen", "0", &screen, "-nolisten", "tcp"])
                .spawn()
                .context("starting Xvfb")?,
        );
        std::thread::sleep(Duration::from_millis(500));
        command.env("DISPLAY", &display);
        Some(display)
    };
    eprintln!(
        "==> {} (close the window or press Ctrl-C to stop)",
        describe(&command)
    );
    let mut child = command
        .spawn()
        .with_context(|| format!("starting {}", app.display()))?;
    let started = Instant::now();
    let result = loop {
        if let Some(status) = child.try_wait()? {
            break if status.success() {
                Ok(())
            } else {
                Err(anyhow::anyhow!("rail exited with {status}"))
            };
        }
        if seconds.is_some_and(|s| started.elapsed() >= Duration::from_secs(s)) {
            let _ = child.kill();
            let _ = child.wait();
            break Ok(());
        }
        if let Some(display) = &display {
            let _ = Command::new("import")
                .args(["-display", display, "-window", "root"])
                .arg(data.join("screen.png"))
                .output();
        }
        std::thread::sleep(Duration::from_secs(3));
    };
    if let Some(mut xvfb) = xvfb {
        let _ = xvfb.kill();
        let _ = xvfb.wait();
    }
    result
}
