//! `rail-headless`: the screen engine without a window. It logs what a screen would
//! show, for tests, benchmarks and diagnosing a site over SSH. Lines on standard input
//! act like a cook's taps: `bump <ticket id>` and `recall <ticket id>`.

use std::path::PathBuf;

use clap::Parser;
use rail_engine::{Engine, EngineConfig, ScreenState, SoundConfig};

#[derive(Parser)]
#[command(
    name = "rail-headless",
    version,
    about = "Rail's screen engine, without a window"
)]
struct Cli {
    /// The hub's base URL.
    #[arg(long, env = "RAIL_HUB_URL", default_value = "http://127.0.0.1:7070")]
    hub: String,
    /// The screen's device token.
    #[arg(long, env = "RAIL_TOKEN", hide_env_values = true)]
    token: String,
    /// Station to follow (repeat for several).
    #[arg(long = "station")]
    stations: Vec<String>,
    /// Other channels to follow, e.g. `location:<id>` for expo.
    #[arg(long = "channel")]
    channels: Vec<String>,
    /// The SQLite cache file.
    #[arg(long, env = "RAIL_DB", default_value = "rail-screen.sqlite3")]
    db: PathBuf,
    /// Play cues (off by default: a headless box rarely has speakers).
    #[arg(long)]
    sound: bool,
    /// Print the full screen state as one JSON line whenever it changes.
    #[arg(long)]
    json: bool,
}

fn summary(state: &ScreenState) -> String {
    let tickets: Vec<String> = state
        .tickets
        .iter()
        .map(|t| {
            let items: Vec<String> = t
                .items
                .iter()
                .map(|i| format!("{}x {}", i.qty, i.name))
                .collect();
            format!("#{} [{}]", t.order_number, items.join(", "))
        })
        .collect();
    format!(
        "{:?} | {} open, {} waiting to send | {}",
        state.connection.state,
        state.tickets.len(),
        state.pending_actions,
        tickets.join(" ")
    )
}

/// Applies `bump <id>` / `recall <id>` lines from standard input.
async fn read_commands(engine: Engine) {
    use tokio::io::AsyncBufReadExt;
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let result = match line.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["bump", id] => engine.bump(id).map(|()| format!("bumped {id}")),
            ["recall", id] => engine.recall(id).map(|()| format!("recalled {id}")),
            [] => continue,
            _ => {
                eprintln!(
                    "unknown command {line:?}: use `bump <ticket id>` or `recall <ticket id>`"
                );
                continue;
            }
        };
        match result {
            Ok(done) => tracing::info!("{done}"),
            Err(error) => eprintln!("{error}"),
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let mut channels: Vec<String> = cli.stations.iter().map(|s| format!("kds:{s}")).collect();
    channels.extend(cli.channels);
    anyhow::ensure!(
        !channels.is_empty(),
        "give at least one --station or --channel"
    );
    let mut config = EngineConfig::new(cli.hub, cli.token, channels, cli.db);
    config.sound = SoundConfig {
        enabled: cli.sound,
        ..SoundConfig::default()
    };
    let engine = Engine::start(config)?;
    tokio::spawn(read_commands(engine.clone()));
    let mut states = engine.watch();
    loop {
        let state = states.borrow_and_update().clone();
        if cli.json {
            println!("{}", serde_json::to_string(&state)?);
        } else {
            println!("{}", summary(&state));
        }
        tokio::select! {
            changed = states.changed() => if changed.is_err() { break },
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    engine.shutdown().await;
    Ok(())
}
