//! `rail-headless`: the screen engine without a window. It logs what a screen would
//! show, for tests, benchmarks and diagnosing a site over SSH. Lines on standard input
//! act like a cook's taps: `bump <ticket id>`, `bump-item <ticket id> <item id>`,
//! `recall-item <ticket id> <item id>`, `ack <ticket id>`, `recall <ticket id>` and
//! `serve <order id>`. Each line is answered on standard output
//! once its action is durably in the outbox (`ok <key> <line>`, or with `--json`
//! `{"reply":{"line":…,"ok":true,"key":…}}`) or refused (`error <line>: <why>`,
//! `{"reply":{"line":…,"ok":false,"error":…}}`), so a caller knows which actions a
//! power cut can no longer lose.

use std::path::PathBuf;

use clap::Parser;
use rail_engine::settings::{self, ScreenArgs};
use rail_engine::{Engine, ScreenState};

#[derive(Parser)]
#[command(
    name = "rail-headless",
    version,
    about = "Rail's screen engine, without a window"
)]
struct Cli {
    #[command(flatten)]
    screen: ScreenArgs,
    /// Play cues (off by default: a headless box rarely has speakers).
    #[arg(long)]
    sound: bool,
    /// Print the full screen state as one JSON line whenever it changes.
    #[arg(long)]
    json: bool,
    /// Print the Argon2 hash of a settings PIN for `settings_pin_hash`, and exit.
    #[arg(long, value_name = "PIN")]
    hash_pin: Option<String>,
    /// Pair first: with the hub named by --hub, else the first one heard on the network
    /// (mDNS, see --mdns; each printed as `found hub <url> <name>`). Prints
    /// `pair code <digits>`, waits for the manager to approve it, saves the credentials
    /// (see --device-file), then runs.
    #[arg(long)]
    pair: bool,
    /// The name this screen asks to be paired under [default: the host name].
    #[arg(long, requires = "pair")]
    name: Option<String>,
}

/// The first hub heard on the network, after listening a few seconds.
async fn discover(scope: rail_protocol::discovery::MdnsScope) -> anyhow::Result<String> {
    let hubs = tokio::task::spawn_blocking(move || {
        rail_engine::discovery::find_hubs(scope, std::time::Duration::from_secs(3))
    })
    .await??;
    for hub in &hubs {
        say(&format!("found hub {} {}", hub.url, hub.name))?;
    }
    hubs.first()
        .map(|hub| hub.url.clone())
        .ok_or_else(|| anyhow::anyhow!("no hub heard on the network: name one with --hub"))
}

/// Pairs with `hub_url` and saves the credentials where the engine will look for them.
async fn pair(cli: &Cli, hub_url: &str) -> anyhow::Result<()> {
    use anyhow::Context;
    let path = cli
        .screen
        .device_file
        .clone()
        .or_else(settings::device_file_default)
        .context("no place for the device file: pass --device-file")?;
    let name = match &cli.name {
        Some(name) => name.clone(),
        None => std::fs::read_to_string("/etc/hostname")
            .map(|host| host.trim().to_owned())
            .ok()
            .filter(|host| !host.is_empty())
            .unwrap_or_else(|| "kitchen screen".to_owned()),
    };
    let ticket = rail_engine::pairing::request(hub_url, &name).await?;
    say(&format!("pair code {}", ticket.code))?;
    if let Some(fingerprint) = &ticket.hub_fingerprint {
        say(&format!("hub fingerprint {fingerprint}"))?;
    }
    let client = rail_engine::pairing::client_for(&ticket)?;
    let device = rail_engine::pairing::wait(&client, hub_url, &ticket).await?;
    rail_engine::access::save_paired(&path, &device)
        .with_context(|| format!("saving the credentials to {}", path.display()))?;
    say(&format!(
        "paired as {:?} ({}) with {hub_url}",
        device.credentials.name, device.credentials.role
    ))?;
    Ok(())
}

fn summary(state: &ScreenState) -> String {
    let tickets: Vec<String> = state
        .board
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
        state.status.connection.state,
        state.board.tickets.len(),
        state.status.pending_actions,
        tickets.join(" ")
    )
}

/// The answer to one command line: printed once the action is committed in the
/// outbox (`ok`, with the idempotency key it will be delivered under) or refused.
#[derive(serde::Serialize)]
struct Reply<'a> {
    line: &'a str,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl Reply<'_> {
    /// `{"reply":{…}}` in JSON mode; `ok <key> <line>` or `error <line>: <why>` otherwise.
    fn print(&self, json: bool) -> std::io::Result<()> {
        let text = if json {
            serde_json::to_string(&serde_json::json!({ "reply": self }))?
        } else if let Some(key) = &self.key {
            format!("ok {key} {}", self.line)
        } else {
            format!(
                "error {}: {}",
                self.line,
                self.error.as_deref().unwrap_or_default()
            )
        };
        say(&text)
    }
}

/// Writes one line to standard output; fails (rather than panicking, as `println!`
/// does) when nobody reads it any more.
fn say(line: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()
}

const USAGE: &str = "use `bump <ticket>`, `bump-item <ticket> <item>`, \
     `recall-item <ticket> <item>`, `ack <ticket>`, `recall <ticket>`, \
     or (an expo screen) `serve <order>`, `unserve <order>`, `rush <order> on|off`, \
     `fire <order> <course>`, `approve <code> <kds|expo> <station,station> <name>`";

/// Approves another screen's pairing code (an expo screen); answers its device id.
async fn approve(
    engine: &Engine,
    code: &str,
    role: &str,
    stations: &str,
    name: &str,
) -> Result<String, String> {
    let approval = rail_protocol::PairApproval {
        code: code.to_owned(),
        name: name.to_owned(),
        role: role.parse()?,
        stations: stations
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        profile: None,
    };
    engine
        .approve_pairing(&approval)
        .await
        .map(|device| device.id)
        .map_err(|e| e.to_string())
}

/// Applies command lines from standard input and answers each on standard output.
async fn read_commands(engine: Engine, json: bool) {
    use tokio::io::AsyncBufReadExt;
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let line = line.trim();
        let result = match line.split_whitespace().collect::<Vec<_>>().as_slice() {
            [] => continue,
            ["bump", id] => engine.bump(id).map(|k| k.0).map_err(|e| e.to_string()),
            ["recall", id] => engine.recall(id).map(|k| k.0).map_err(|e| e.to_string()),
            ["bump-item", id, item] => engine
                .bump_item(id, item)
                .map(|k| k.0)
                .map_err(|e| e.to_string()),
            ["recall-item", id, item] => engine
                .recall_item(id, item)
                .map(|k| k.0)
                .map_err(|e| e.to_string()),
            ["ack", id] => engine
                .acknowledge_changes(id)
                .map(|k| k.0)
                .map_err(|e| e.to_string()),
            ["serve", order] => engine.serve(order).map(|k| k.0).map_err(|e| e.to_string()),
            ["unserve", order] => engine
                .unserve(order)
                .map(|k| k.0)
                .map_err(|e| e.to_string()),
            ["rush", order, flag @ ("on" | "off")] => engine
                .set_rush(order, *flag == "on")
                .map(|k| k.0)
                .map_err(|e| e.to_string()),
            ["fire", order, course] => match course.parse::<u32>() {
                Ok(course) => engine
                    .fire_course(order, course)
                    .map(|k| k.0)
                    .map_err(|e| e.to_string()),
                Err(_) => Err(format!("{course:?} is not a course number")),
            },
            ["approve", code, role, stations, name @ ..] if !name.is_empty() => {
                approve(&engine, code, role, stations, &name.join(" ")).await
            }
            _ => Err(format!("unknown command: {USAGE}")),
        };
        let (key, error) = match result {
            Ok(key) => (Some(key), None),
            Err(error) => (None, Some(error)),
        };
        let printed = Reply {
            line,
            ok: key.is_some(),
            key,
            error,
        }
        .print(json);
        if printed.is_err() {
            // Whoever read the answers has gone.
            return;
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
    if let Some(pin) = &cli.hash_pin {
        println!("{}", settings::hash_pin(pin)?);
        return Ok(());
    }
    if cli.pair {
        let hub_url = match cli.screen.hub.clone() {
            Some(url) => url,
            None => discover(cli.screen.mdns).await?,
        };
        pair(&cli, &hub_url).await?;
    }
    let file = cli.screen.file()?;
    let overrides = cli.screen.overrides(Some(cli.sound));
    let config = file.engine_config(overrides, PathBuf::from("rail-screen.sqlite3"))?;
    let engine = Engine::start(config)?;
    tokio::spawn(read_commands(engine.clone(), cli.json));
    let mut states = engine.watch();
    loop {
        let state = states.current();
        let line = if cli.json {
            serde_json::to_string(&state)?
        } else {
            summary(&state)
        };
        if say(&line).is_err() {
            // The reader of standard output has gone (a closed pipe): stop quietly.
            break;
        }
        tokio::select! {
            changed = states.changed() => if changed.is_err() { break },
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    engine.shutdown().await;
    Ok(())
}
