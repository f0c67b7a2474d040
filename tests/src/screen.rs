//! A screen as a real process (`rail-headless --json`): its latest state is read from
//! its output, commands go to its standard input, and it can be SIGKILLed like a
//! screen whose power is cut.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::binary;

pub struct ScreenProcess {
    child: Child,
    stdin: ChildStdin,
    state: Arc<Mutex<Option<Value>>>,
    hub_url: String,
    token: String,
    station: String,
    pub db: PathBuf,
}

impl ScreenProcess {
    pub fn start(hub_url: &str, token: &str, station: &str, db: PathBuf) -> Self {
        let mut child = Command::new(binary("rail-headless"))
            .args(["--hub", hub_url, "--station", station, "--json"])
            .arg("--db")
            .arg(&db)
            .env("RAIL_TOKEN", token)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting rail-headless");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let state = Arc::new(Mutex::new(None));
        let latest = state.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(value) = serde_json::from_str::<Value>(&line) {
                    *latest.lock().unwrap_or_else(|p| p.into_inner()) = Some(value);
                }
            }
        });
        ScreenProcess {
            child,
            stdin,
            state,
            hub_url: hub_url.to_owned(),
            token: token.to_owned(),
            station: station.to_owned(),
            db,
        }
    }

    /// The last state the screen printed.
    pub fn state(&self) -> Value {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .unwrap_or(Value::Null)
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

    /// Sends a command line (`bump <id>`, `recall <id>`).
    pub fn command(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").expect("writing to rail-headless");
        self.stdin.flush().expect("flushing rail-headless stdin");
    }

    /// SIGKILL: no shutdown, no flush, like pulling the plug.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Kills the screen and starts it again on the same cache file.
    pub fn restart(&mut self) {
        self.kill();
        *self = ScreenProcess::start(&self.hub_url, &self.token, &self.station, self.db.clone());
    }
}

impl Drop for ScreenProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
