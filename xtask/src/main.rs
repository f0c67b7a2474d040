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
//!   `bench-capacity`, `bench-reconnect`, `bench-peer`, `bench-printer` (figures in
//!   docs/benchmarks.md).

mod fuzz;
mod fuzz_api;
mod package;

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};

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
    "chromium",
    "chromium-driver",
    "lintian",
    "iproute2",
    "systemd",
    "imagemagick",
    "sox",
    "alsa-utils",
    // python-escpos prints real ESC/POS chits to the hub's printer ports in the tests.
    "python3",
    "python3-venv",
    // Several hubs share a PostgreSQL store and tell each other of events through NATS;
    // the tests start throwaway servers of both.
    "postgresql",
    "nats-server",
];

/// The Python package that plays the POS in the printer tests, pinned.
const PYTHON_ESCPOS: &str = "python-escpos==3.1";

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Rail's entry points: set up, demo, test, and the long runs"
)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Install what building and testing need (Debian packages, npm packages, tauri-driver).
    Setup,
    /// Set up, build the app and open the kitchen screen on a demo kitchen.
    Demo {
        /// Stop by itself after this many seconds.
        #[arg(long)]
        seconds: Option<u64>,
        /// Screen size, e.g. 1920x1080: full screen (kiosk mode) at that size.
        #[arg(long)]
        size: Option<String>,
    },
    /// Set up, then run every check and test (what CI runs).
    Test,
    /// Every view at 1280x800 and 1920x1080 from the real app, into docs/screenshots.
    Screenshots,
    /// The seeded chaos run: POS traffic, bumps, link cuts, screen and hub kills.
    Chaos {
        #[arg(long, default_value_t = 600)]
        seconds: u64,
        /// Three hubs on one PostgreSQL store and NATS, hubs and NATS killed at random,
        /// instead of one hub.
        #[arg(long)]
        cluster: bool,
        /// Replay a run; without it a new random mix (its seed is printed).
        #[arg(long)]
        seed: Option<u64>,
    },
    /// libFuzzer on the hub's REST API and socket messages and the screen's decoder.
    Fuzz {
        /// Seconds per target.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// Targets to run (all when none).
        targets: Vec<String>,
    },
    /// Schemathesis against a real hub, from docs/openapi.json.
    FuzzApi {
        #[arg(long, default_value_t = 120)]
        seconds: u64,
    },
    /// The screen with 200 open tickets: POS to pixels, frame times.
    BenchUi,
    /// A hub and 100 screens: POS to store latency, bump round trip.
    BenchLatency,
    /// 10,000 idle screens: memory per connection.
    BenchCapacity,
    /// 100 screens through hub outages of 5 s to 10 min: time back online.
    BenchReconnect,
    /// The hub beside a Socket.IO v4 server under the same load, as ratios.
    BenchPeer {
        /// Only the POS ramp (orders per second on ten screens), in a few minutes.
        #[arg(long, conflicts_with = "latency")]
        pos: bool,
        /// Only the latency run (100 screens, 50 orders/s), three times each, alternated.
        #[arg(long)]
        latency: bool,
    },
    /// The printer door: chits read a second, and chit to screen store latency.
    BenchPrinter,
    /// One hub (SQLite, PostgreSQL) beside three on one PostgreSQL store and NATS.
    BenchCluster,
    /// Release packages: the hub's .deb and the screen app's .deb (Tauri's bundler).
    Package,
}

fn main() -> anyhow::Result<()> {
    let root = workspace_root()?;
    match Cli::parse().task {
        Task::Setup => setup(&root),
        Task::Demo { seconds, size } => {
            setup(&root)?;
            build_app(&root)?;
            demo(&root, seconds, size.as_deref())
        }
        Task::Test => {
            setup(&root)?;
            test(&root)
        }
        Task::BenchUi => {
            // Measured as it ships: the app, the hub and the test in release builds.
            setup(&root)?;
            build_release_app(&root)?;
            run(Command::new("cargo")
                .args([
                    "build",
                    "--release",
                    "--bins",
                    "-p",
                    "rail-hub",
                    "-p",
                    "rail-engine",
                ])
                .current_dir(&root))?;
            run(&mut window_test(
                &root,
                "1280x800",
                "bench_ui",
                &["--nocapture"],
                Profile::Release,
            )?)
        }
        Task::BenchLatency => release_benchmark(&root, "bench_latency"),
        Task::BenchCapacity => release_benchmark(&root, "bench_capacity"),
        Task::BenchReconnect => release_benchmark(&root, "bench_reconnect"),
        Task::BenchPrinter => release_benchmark(&root, "bench_printer"),
        Task::BenchCluster => release_benchmark(&root, "bench_cluster"),
        Task::BenchPeer { pos, latency } => {
            let peer = root.join("tests/peers/socketio");
            run(Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&peer))?;
            let only = if pos {
                "pos_path_beside_socketio"
            } else if latency {
                "latency_beside_socketio"
            } else {
                "rail_beside_socketio"
            };
            release_benchmark_only(&root, "bench_peer", Some(only))
        }
        Task::Fuzz { seconds, targets } => fuzz::fuzz(&root, seconds, &targets),
        Task::FuzzApi { seconds } => fuzz_api::fuzz_api(&root, seconds),
        Task::Chaos {
            seconds,
            seed,
            cluster,
        } => {
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
                    if cluster { "chaos_cluster" } else { "chaos" },
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
        Task::Package => {
            setup(&root)?;
            package::package(&root)
        }
        Task::Screenshots => {
            setup(&root)?;
            build_app(&root)?;
            screenshots(&root)
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
    // Exactly the committed lockfile (it lists every platform's optional packages),
    // so set-up is reproducible and leaves the tree clean.
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(root.join("ui")))?;
    // The socket.io-client app the Socket.IO door's test drives.
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(root.join("tests/socketio")))?;
    // The hub embeds its admin and guest pages: build them before any cargo build of
    // the hub.
    run(Command::new("npm")
        .args(["run", "build:hub-pages"])
        .current_dir(root.join("ui")))?;
    python_env(root)?;
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

/// A virtualenv under `target/py` with python-escpos, which the printer tests use to
/// print as a POS would (their helper finds it there).
fn python_env(root: &Path) -> anyhow::Result<()> {
    let venv = root.join("target/py");
    let python = venv.join("bin/python");
    let has_escpos = Command::new(&python)
        .args(["-c", "import escpos.printer"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if has_escpos {
        eprintln!("==> python-escpos: present");
        return Ok(());
    }
    run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    run(Command::new(&python).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        PYTHON_ESCPOS,
    ]))
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

/// Builds the app as it ships, optimised (`tauri build --no-bundle`), for benchmarks.
fn build_release_app(root: &Path) -> anyhow::Result<()> {
    run(Command::new(root.join("ui/node_modules/.bin/tauri"))
        .args(["build", "--no-bundle"])
        .current_dir(root)
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
    // tests/tests/package.rs checks the hub's package, built here from the debug binary.
    package::hub_deb(root, Profile::Debug)?;
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
    // The hub's black-box tests again, each hub on a throwaway PostgreSQL server: the
    // same behaviour on both stores.
    run(Command::new("cargo")
        .args(["test", "-p", "rail-hub", "--test", "*"])
        .env("RAIL_TEST_STORE", "postgres")
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
        Profile::Debug,
    )?)
}

/// Which build a window test drives: the test uses the app, hub and headless screen
/// of its own profile's target directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Profile {
    Debug,
    Release,
}

/// `cargo test` of one of the real-window tests (`tests/tests/<test>.rs`, all
/// `#[ignore]`d) under a fresh Xvfb screen of `size`, with tauri-driver found.
fn window_test(
    root: &Path,
    size: &str,
    test: &str,
    test_args: &[&str],
    profile: Profile,
) -> anyhow::Result<Command> {
    let driver = tauri_driver().context("tauri-driver is not installed (cargo xtask setup)")?;
    let mut command = Command::new("xvfb-run");
    command
        .args(["-a", "-s", &format!("-screen 0 {size}x24")])
        .args(["cargo", "test"])
        .args((profile == Profile::Release).then_some("--release"))
        .args(["-p", "rail-tests", "--test", test, "--", "--ignored"])
        .args(test_args)
        .env("RAIL_TAURI_DRIVER", driver)
        .current_dir(root);
    Ok(command)
}

/// Runs a hub benchmark (`tests/tests/<test>.rs`) against optimised builds: it
/// measures the hub and the engine, not the compiler.
fn release_benchmark(root: &Path, test: &str) -> anyhow::Result<()> {
    release_benchmark_only(root, test, None)
}

/// Like `release_benchmark`, running only the test named `only` of that file.
fn release_benchmark_only(root: &Path, test: &str, only: Option<&str>) -> anyhow::Result<()> {
    run(Command::new("cargo")
        .args(["build", "--release", "--bins", "-p", "rail-hub"])
        .current_dir(root))?;
    let mut command = Command::new("cargo");
    command
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
        .current_dir(root);
    if let Some(only) = only {
        command.args(["--exact", only]);
    }
    run(&mut command)
}

/// Makes `docs/screenshots/*.png` from the real app at 1280×800 and 1920×1080.
fn screenshots(root: &Path) -> anyhow::Result<()> {
    run(Command::new("cargo")
        .args(["build", "--bins", "-p", "rail-hub", "-p", "rail-engine"])
        .current_dir(root))?;
    let out = root.join("docs/screenshots");
    std::fs::create_dir_all(&out)?;
    for size in ["1280x800", "1920x1080"] {
        run(window_test(
            root,
            size,
            "screenshots",
            &["--test-threads=1"],
            Profile::Debug,
        )?
        .env("RAIL_SCREEN_SIZE", size))?;
        for view in [
            "rail",
            "all-day",
            "expo",
            "settings",
            "pairing-keyboard",
            "pairing-code",
        ] {
            let name = format!("{view}-{size}.png");
            std::fs::copy(root.join("target/e2e").join(&name), out.join(&name))
                .with_context(|| format!("copying {name}"))?;
        }
    }
    // The admin page, as headless Chromium shows it during its test.
    run(Command::new("cargo")
        .args(["test", "-p", "rail-tests", "--test", "admin_page"])
        .current_dir(root))?;
    for view in [
        "admin-login",
        "admin-pairing",
        "admin-devices",
        "admin-kitchen",
        "admin-audit",
        "admin-reports",
        "admin-recorder",
    ] {
        let name = format!("{view}.png");
        std::fs::copy(root.join("target/e2e").join(&name), out.join(&name))
            .with_context(|| format!("copying {name}"))?;
    }
    // The guest page at phone size (390×844) and the pickup board at 1920×1080, as
    // headless Chromium shows them.
    for test in ["guest", "board"] {
        run(Command::new("cargo")
            .args(["test", "-p", "rail-tests", "--test", test])
            .current_dir(root))?;
    }
    for view in [
        "guest-preparing",
        "guest-ready",
        "guest-table",
        "board-1920x1080",
    ] {
        let name = format!("{view}.png");
        std::fs::copy(root.join("target/e2e").join(&name), out.join(&name))
            .with_context(|| format!("copying {name}"))?;
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
