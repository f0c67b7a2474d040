//! A screen as a real process (`rail-headless --json`): its latest state is read from
//! its output, commands go to its standard input and are answered on its output once
//! the action is durably queued, and it can be SIGKILLed like a screen whose power is
//! cut.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;

use crate::binary;
use crate::eventually::eventually_blocking;

/// What became of one command line sent to a screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Committed in the screen's outbox under this idempotency key: it must reach the
    /// hub exactly once.
    Acked(String),
    /// Refused by the screen with this reason: nothing was queued.
    Refused(String),
    /// Sent, but the screen died before answering: it may reach the hub or not, but
    /// never twice.
    Unanswered,
}

/// A command line and what became of it.
#[derive(Debug, Clone)]
pub struct Sent {
    pub line: String,
    pub outcome: Outcome,
}

/// What the reader thread has seen on the process's standard output.
#[derive(Default)]
struct Output {
    state: Option<Value>,
    /// Replies in the order they came, which is the order of the commands.
    replies: Vec<Outcome>,
    /// Lines that are neither a state nor a reply (`pair code …`, `paired as …`).
    said: Vec<String>,
}

pub struct ScreenProcess {
    child: Child,
    stdin: ChildStdin,
    output: Arc<Mutex<Output>>,
    reader: Option<JoinHandle<()>>,
    /// Command lines sent to this process, in order.
    sent: Vec<String>,
    /// Commands of earlier (killed) processes on the same cache, with their outcomes.
    history: Vec<Sent>,
    hub_url: String,
    token: String,
    station: String,
    pub db: PathBuf,
}

fn reply_outcome(reply: &Value) -> Outcome {
    match (reply["ok"].as_bool(), reply["key"].as_str()) {
        (Some(true), Some(key)) => Outcome::Acked(key.to_owned()),
        _ => Outcome::Refused(reply["error"].as_str().unwrap_or_default().to_owned()),
    }
}

/// `rail-headless --json` with its cache at `db`.
fn headless(db: &std::path::Path) -> Command {
    let mut command = Command::new(binary("rail-headless"));
    command.arg("--json").arg("--db").arg(db);
    command
}

/// `rail-headless` for a screen with no token, whatever the environment says.
fn without_token(db: &std::path::Path, device_file: &std::path::Path) -> Command {
    let mut command = headless(db);
    command
        .arg("--device-file")
        .arg(device_file)
        .env_remove("RAIL_TOKEN")
        .env_remove("RAIL_HUB_URL");
    command
}

impl ScreenProcess {
    pub fn start(hub_url: &str, token: &str, station: &str, db: PathBuf) -> Self {
        let mut command = headless(&db);
        command
            .args(["--hub", hub_url, "--station", station])
            .env("RAIL_TOKEN", token);
        Self::spawn(command, hub_url, token, station, db)
    }

    /// An expo screen: every station of the token's location, and the pass.
    pub fn start_expo(hub_url: &str, token: &str, db: PathBuf) -> Self {
        let mut command = headless(&db);
        command
            .args(["--hub", hub_url, "--expo"])
            .env("RAIL_TOKEN", token);
        Self::spawn(command, hub_url, token, "", db)
    }

    /// Like [`ScreenProcess::start`], for an HTTPS hub whose CA is in `ca_file`.
    pub fn start_trusting(
        hub_url: &str,
        token: &str,
        station: &str,
        db: PathBuf,
        ca_file: &std::path::Path,
    ) -> Self {
        let mut command = headless(&db);
        command
            .args(["--hub", hub_url, "--station", station])
            .arg("--hub-ca")
            .arg(ca_file)
            .env("RAIL_TOKEN", token);
        Self::spawn(command, hub_url, token, station, db)
    }

    /// A screen with no credentials that pairs with the hub first (`--pair`), saving
    /// its credentials in `device_file`; [`ScreenProcess::said`] shows its code.
    pub fn pairing(hub_url: &str, name: &str, device_file: &std::path::Path, db: PathBuf) -> Self {
        let mut command = without_token(&db, device_file);
        command.args(["--hub", hub_url, "--pair", "--name", name]);
        Self::spawn(command, hub_url, "", "", db)
    }

    /// A screen with no credentials and no hub address: it pairs with the first hub it
    /// hears announced on loopback (mDNS).
    pub fn pairing_discovered(name: &str, device_file: &std::path::Path, db: PathBuf) -> Self {
        let mut command = without_token(&db, device_file);
        command.args(["--pair", "--mdns", "loopback", "--name", name]);
        Self::spawn(command, "", "", "", db)
    }

    /// A screen paired earlier: it runs from the credentials in `device_file` alone.
    pub fn paired(device_file: &std::path::Path, db: PathBuf) -> Self {
        let command = without_token(&db, device_file);
        Self::spawn(command, "", "", "", db)
    }

    fn spawn(mut command: Command, hub_url: &str, token: &str, station: &str, db: PathBuf) -> Self {
        let mut child = command
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting rail-headless");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let output = Arc::new(Mutex::new(Output::default()));
        let seen = output.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
                let Ok(value) = serde_json::from_str::<Value>(&line) else {
                    seen.said.push(line);
                    continue;
                };
                match value.get("reply") {
                    Some(reply) => {
                        let outcome = reply_outcome(reply);
                        seen.replies.push(outcome);
                    }
                    None => seen.state = Some(value),
                }
            }
        });
        ScreenProcess {
            child,
            stdin,
            output,
            reader: Some(reader),
            sent: Vec::new(),
            history: Vec::new(),
            hub_url: hub_url.to_owned(),
            token: token.to_owned(),
            station: station.to_owned(),
            db,
        }
    }

    fn output(&self) -> std::sync::MutexGuard<'_, Output> {
        self.output.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Lines the screen printed that are neither states nor replies.
    pub fn said(&self) -> Vec<String> {
        self.output().said.clone()
    }

    /// The last state the screen printed.
    pub fn state(&self) -> Value {
        self.output().state.clone().unwrap_or(Value::Null)
    }

    pub fn online(&self) -> bool {
        self.state()["connection"]["state"] == "online"
    }

    /// Open tickets as `(id, version)`, in screen order.
    pub fn open(&self) -> Vec<(String, u64)> {
        self.state()["tickets"]
            .as_array()
            .map(|tickets| {
                tickets
                    .iter()
                    .map(|t| {
                        (
                            t["id"].as_str().unwrap_or_default().to_owned(),
                            t["version"].as_u64().unwrap_or(0),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn pending(&self) -> u64 {
        self.state()["pendingActions"].as_u64().unwrap_or(u64::MAX)
    }

    /// Sends a command line (`bump <id>`, `recall <id>`) without waiting for its answer.
    pub fn command(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").expect("writing to rail-headless");
        self.stdin.flush().expect("flushing rail-headless stdin");
        self.sent.push(line.to_owned());
    }

    /// Sends a command line and waits (up to `timeout`) for the screen's answer.
    pub fn command_answered(&mut self, line: &str, timeout: Duration) -> Outcome {
        self.command(line);
        let index = self.sent.len() - 1;
        let answered = eventually_blocking(&format!("an answer to {line:?}"), timeout, || {
            self.output().replies.get(index).cloned().ok_or("none yet")
        });
        answered.unwrap_or_else(|error| panic!("rail-headless: {error}"))
    }

    /// Every command sent to this screen (across restarts) with what became of it so
    /// far; commands of the live process not yet answered read `Unanswered`.
    pub fn commands(&self) -> Vec<Sent> {
        let replies = self.output().replies.clone();
        let mut all = self.history.clone();
        all.extend(self.sent.iter().enumerate().map(|(n, line)| Sent {
            line: line.clone(),
            outcome: replies.get(n).cloned().unwrap_or(Outcome::Unanswered),
        }));
        all
    }

    /// Whether the live process has answered every command sent to it.
    pub fn all_answered(&self) -> bool {
        self.output().replies.len() >= self.sent.len()
    }

    /// SIGKILL: no shutdown, no flush, like pulling the plug. Commands it had not
    /// answered are kept as `Unanswered`.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The reader ends at the dead process's end of output; after it, every answer
        // the process managed to print has been counted.
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        self.history = self.commands();
        self.sent.clear();
        self.output().replies.clear();
    }

    /// Kills the screen and starts it again on the same cache file.
    pub fn restart(&mut self) {
        self.kill();
        let history = std::mem::take(&mut self.history);
        *self = ScreenProcess::start(&self.hub_url, &self.token, &self.station, self.db.clone());
        self.history = history;
    }
}

impl Drop for ScreenProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
