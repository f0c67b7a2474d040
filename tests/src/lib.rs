//! Helpers for cross-component tests: start a real `rail-hub` process on a free port,
//! issue tokens, post orders like a POS, and wait for conditions without fixed sleeps.

pub mod browser;
pub mod cluster;
pub mod eventually;
pub mod loadgen;
pub mod peer;
pub mod printer;
pub mod proxy;
pub mod reckoning;
pub mod screen;
pub mod window;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use anyhow::{bail, Context};
pub use eventually::{eventually, eventually_blocking, holds};
use rail_engine::{Backoff, EngineConfig, SoundConfig};
use rail_protocol::Ticket;

/// `target/debug` (or whichever profile dir holds this test binary).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    // target/debug/deps/<test>-<hash> → target/debug
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Path of a workspace binary; `cargo xtask test` builds them before the tests run.
pub fn binary(name: &str) -> PathBuf {
    let path = target_dir().join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --bins` (cargo xtask test does) before these tests",
        path.display()
    );
    path
}

/// Starts a server process that prints `<announcement><url>` as its first line, and
/// returns it with that url.
///
/// # Errors
/// When it cannot be started or its first line is not the announcement (it is killed).
pub fn spawn_announced(
    command: &mut Command,
    announcement: &str,
) -> anyhow::Result<(Child, String)> {
    let (child, url, _) = spawn_announced_after(command, announcement, 0)?;
    Ok((child, url))
}

/// Like [`spawn_announced`], for a server that prints up to `before` other lines (its
/// extra ports) ahead of the announcement; those lines are returned too.
///
/// # Errors
/// When it cannot be started or does not announce itself in time (it is killed).
pub fn spawn_announced_after(
    command: &mut Command,
    announcement: &str,
    before: usize,
) -> anyhow::Result<(Child, String, Vec<String>)> {
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {:?}", command.get_program()))?;
    let stdout = child.stdout.take().context("server stdout")?;
    let mut reader = BufReader::new(stdout);
    let mut earlier = Vec::new();
    loop {
        let mut line = String::new();
        reader
            .read_line(&mut line)
            .context("reading the server's address")?;
        if let Some(url) = line.trim().strip_prefix(announcement) {
            return Ok((child, url.to_owned(), earlier));
        }
        if earlier.len() == before || line.is_empty() {
            let _ = child.kill();
            let _ = child.wait();
            bail!("{:?} did not start: {line:?}", command.get_program());
        }
        earlier.push(line.trim().to_owned());
    }
}

/// How to start a hub process.
#[derive(Debug, Clone)]
pub struct HubOptions {
    pub db: PathBuf,
    /// 0 for any free port.
    pub port: u16,
    /// Heartbeat passed to the hub, in seconds.
    pub heartbeat_secs: u64,
    /// A configured signing secret; `None` uses the one kept in the database.
    pub secret: Option<String>,
    /// A configuration file (`--config`).
    pub config: Option<PathBuf>,
    /// `RUST_LOG` for the hub.
    pub log_filter: String,
    /// Serve HTTPS and WSS with the hub's own CA (made in `tls/` beside the database)
    /// instead of the plain HTTP most tests use (`--insecure-http`).
    pub tls: bool,
    /// Announce the hub with mDNS on loopback (never on a real interface: a test must
    /// not talk to the network); off otherwise.
    pub mdns: bool,
    /// A PostgreSQL store (`--store`) instead of the SQLite file `db`.
    pub store: Option<String>,
    /// The NATS server of the hub's cluster (`--nats`).
    pub nats: Option<String>,
    /// The throwaway PostgreSQL server of `store`, when the run gave the hub one of
    /// its own (`RAIL_TEST_STORE=postgres`); shared by restarts of the hub.
    pub postgres: Option<Arc<rail_hub::testing::TempPostgres>>,
}

impl HubOptions {
    /// Defaults: any port, 25 s heartbeat, the database's own secret, warnings only
    /// (`RAIL_TEST_HUB_LOG`, when set, replaces that filter to debug a failing test).
    pub fn new(db: PathBuf) -> Self {
        // With RAIL_TEST_STORE=postgres every test hub keeps its data on a throwaway
        // PostgreSQL server of its own: the same tests, on the other store.
        let postgres = std::env::var("RAIL_TEST_STORE")
            .is_ok_and(|store| store == "postgres")
            .then(|| {
                Arc::new(rail_hub::testing::TempPostgres::start().expect("throwaway PostgreSQL"))
            });
        let store = postgres
            .as_ref()
            .map(|server| server.new_database().expect("database"));
        HubOptions {
            db,
            port: 0,
            heartbeat_secs: 25,
            secret: None,
            config: None,
            log_filter: std::env::var("RAIL_TEST_HUB_LOG").unwrap_or_else(|_| "warn".into()),
            tls: false,
            mdns: false,
            store,
            nats: None,
            postgres,
        }
    }

    /// Defaults for a hub in `dir` (database `hub.sqlite3`) reading `toml` as its
    /// configuration file (written to `hub.toml` there).
    ///
    /// # Panics
    /// When the file cannot be written.
    pub fn configured(dir: &Path, toml: &str) -> Self {
        let config = dir.join("hub.toml");
        std::fs::write(&config, toml).expect("writing hub.toml");
        HubOptions {
            config: Some(config),
            ..HubOptions::new(dir.join("hub.sqlite3"))
        }
    }
}

/// A `rail-hub serve` child process with its own database.
pub struct HubProcess {
    child: Child,
    pub db: PathBuf,
    pub url: String,
    options: HubOptions,
    /// WAL checkpoints the hub has announced (with `log_filter` letting them through),
    /// across restarts.
    checkpoints: Arc<(Mutex<u64>, Condvar)>,
    /// The lines the hub printed before its address (its printer ports).
    announced: Vec<String>,
}

/// The hub's announcement before each WAL checkpoint (logged at debug level).
const CHECKPOINT_LINE: &str = "checkpointing the WAL";

impl HubProcess {
    /// Starts a hub on a free loopback port with its database in `dir`.
    pub fn start(dir: &Path) -> anyhow::Result<Self> {
        Self::start_with(HubOptions::new(dir.join("hub.sqlite3")))
    }

    /// Starts a hub with a given database, port (0 for any), heartbeat and secret.
    pub fn start_on(
        db: PathBuf,
        port: u16,
        heartbeat_secs: u64,
        secret: Option<String>,
    ) -> anyhow::Result<Self> {
        Self::start_with(HubOptions {
            port,
            heartbeat_secs,
            secret,
            ..HubOptions::new(db)
        })
    }

    /// Like [`HubProcess::start_on`], with the hub checkpointing its WAL every 100 ms
    /// and announcing each checkpoint, so a test can kill it in the middle of one
    /// ([`HubProcess::kill_at_checkpoint`]) without waiting long for the next.
    pub fn start_announcing_checkpoints(db: PathBuf, heartbeat_secs: u64) -> anyhow::Result<Self> {
        let config = db.with_extension("checkpoints.toml");
        std::fs::write(&config, "checkpoint_interval_ms = 100\n")
            .with_context(|| format!("writing {}", config.display()))?;
        Self::start_with(HubOptions {
            heartbeat_secs,
            config: Some(config),
            log_filter: "warn,rail_hub::store::checkpoint=debug".into(),
            ..HubOptions::new(db)
        })
    }

    /// Starts a hub as `options` say.
    pub fn start_with(options: HubOptions) -> anyhow::Result<Self> {
        Self::spawn(options, Arc::default())
    }

    fn spawn(options: HubOptions, checkpoints: Arc<(Mutex<u64>, Condvar)>) -> anyhow::Result<Self> {
        let mut command = Command::new(binary("rail-hub"));
        if let Some(secret) = &options.secret {
            command.env("RAIL_HUB_SECRET", secret);
        }
        command
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{}", options.port),
                "--heartbeat-secs",
                &options.heartbeat_secs.to_string(),
            ])
            .env("RUST_LOG", &options.log_filter)
            .stderr(Stdio::piped());
        // With a PostgreSQL store, the hub's own files still go beside `db`.
        command.arg("--db").arg(&options.db);
        if let Some(url) = &options.store {
            command.args(["--store", url]);
        }
        if let Some(url) = &options.nats {
            command.args(["--nats", url]);
        }
        if let Some(config) = &options.config {
            command.arg("--config").arg(config);
        }
        if !options.tls {
            command.arg("--insecure-http");
        }
        command.args(["--mdns", if options.mdns { "loopback" } else { "off" }]);
        // Printer ports are announced before the hub itself.
        let (mut child, url, announced) =
            spawn_announced_after(&mut command, "rail-hub listening on ", 64)?;
        if let Some(stderr) = child.stderr.take() {
            let seen = checkpoints.clone();
            // Passes the hub's log through and counts its checkpoint announcements.
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if line.contains(CHECKPOINT_LINE) {
                        let (count, changed) = &*seen;
                        *count.lock().unwrap_or_else(|p| p.into_inner()) += 1;
                        changed.notify_all();
                    } else {
                        eprintln!("{line}");
                    }
                }
            });
        }
        let port = url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .context("hub port")?;
        Ok(HubProcess {
            child,
            db: options.db.clone(),
            url,
            options: HubOptions { port, ..options },
            checkpoints,
            announced,
        })
    }

    /// An HTTP client for this hub: trusting its own CA (and nothing else) when it
    /// serves HTTPS, as a paired screen does.
    pub fn client(&self) -> reqwest::Client {
        let mut builder = reqwest::Client::builder();
        if self.options.tls {
            if let Some(ca) = self
                .ca_pem()
                .ok()
                .and_then(|pem| reqwest::Certificate::from_pem(pem.as_bytes()).ok())
            {
                builder = builder.tls_certs_only([ca]);
            }
        }
        builder.build().unwrap_or_default()
    }

    /// A request to this hub with an optional bearer token and JSON body: its status and
    /// its body (as a JSON string when the body is not JSON, `null` when empty).
    ///
    /// # Errors
    /// When the request cannot be sent or its body read.
    pub async fn request_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> anyhow::Result<(u16, serde_json::Value)> {
        let mut request = self.client().request(method, format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let text = response.text().await?;
        let body = if text.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
        };
        Ok((status, body))
    }

    /// A WebSocket to this hub's socket endpoint (plain HTTP hubs), signed in with
    /// `bearer` when given.
    ///
    /// # Panics
    /// When the connection or the handshake fails.
    pub async fn socket(&self, bearer: Option<&str>) -> HubSocket {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let url = format!(
            "{}{}",
            self.url.replacen("http", "ws", 1),
            rail_protocol::SOCKET_PATH
        );
        let mut request = url.into_client_request().expect("request");
        if let Some(token) = bearer {
            request.headers_mut().insert(
                "authorization",
                format!("Bearer {token}").parse().expect("header"),
            );
        }
        tokio_tungstenite::connect_async(request)
            .await
            .expect("connect")
            .0
    }

    /// Sets the admin page's password for the location `demo` (`rail-hub admin`).
    pub fn set_admin_password(&self, password: &str) {
        let mut command = Command::new(binary("rail-hub"));
        command
            .args(["admin", "--location", "demo"])
            .arg("--db")
            .arg(&self.db);
        if let Some(url) = &self.options.store {
            command.args(["--store", url]);
        }
        let status = command
            .env("RAIL_ADMIN_PASSWORD", password)
            .stdout(Stdio::null())
            .status()
            .expect("rail-hub admin");
        assert!(status.success(), "setting the admin password failed");
    }

    /// The hub's own certificate authority (PEM), for a hub started with `tls`.
    pub fn ca_pem(&self) -> anyhow::Result<String> {
        let dir = self.db.parent().context("database directory")?.join("tls");
        std::fs::read_to_string(dir.join("ca.pem")).context("reading the hub's CA")
    }

    /// The fingerprint the hub announced for its certificate (a `tls` hub).
    pub fn fingerprint(&self) -> Option<String> {
        self.announced
            .iter()
            .find_map(|line| line.strip_prefix("rail-hub certificate fingerprint "))
            .map(str::to_owned)
    }

    /// The one-time setup code a hub with no admin account announced at start.
    pub fn setup_code(&self) -> Option<String> {
        self.announced.iter().find_map(|line| {
            let rest = line.strip_prefix("rail-hub first start: ")?;
            let code = rest.split("setup code ").nth(1)?;
            code.split_whitespace().next().map(str::to_owned)
        })
    }

    /// The address of the printer port named `name` (`127.0.0.1:PORT`).
    pub fn printer_address(&self, name: &str) -> Option<String> {
        let prefix = format!("rail-hub printer {name} listening on ");
        self.announced
            .iter()
            .find_map(|line| line.strip_prefix(&prefix).map(str::to_owned))
    }

    /// Waits (up to `timeout`) for the hub to announce its next WAL checkpoint and
    /// SIGKILLs it right then, while the checkpoint runs. Returns whether a checkpoint
    /// was announced in time (the hub is killed either way).
    pub fn kill_at_checkpoint(&mut self, timeout: Duration) -> bool {
        let (count, changed) = &*self.checkpoints;
        let guard = count.lock().unwrap_or_else(|p| p.into_inner());
        let before = *guard;
        let (guard, _) = changed
            .wait_timeout_while(guard, timeout, |seen| *seen == before)
            .unwrap_or_else(|p| p.into_inner());
        let announced = *guard > before;
        drop(guard);
        self.kill();
        announced
    }

    /// The hub's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the hub at once (SIGKILL: a crash, not a shutdown).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Whether the process is still running (not killed, not exited).
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Asks the hub to shut down (SIGTERM), as systemd does, and waits for it to exit.
    pub fn terminate(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }

    /// Starts the hub again on the same port and database.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        self.kill();
        // The port may take a moment to be free again.
        *self = eventually_blocking("the hub to start again", Duration::from_secs(10), || {
            Self::spawn(self.options.clone(), self.checkpoints.clone())
                .map_err(|error| format!("{error:#}"))
        })?;
        Ok(())
    }

    /// A token for this hub's database (location `demo`).
    pub fn token(&self, role: &str, stations: &[&str]) -> String {
        self.device_token(role, stations, &format!("test-{role}"))
    }

    /// A `staff` token for one employee's handheld.
    pub fn staff_token(&self, employee: &str) -> String {
        self.token_with(
            "staff",
            &[],
            &format!("handheld-{employee}"),
            &["--employee", employee],
        )
    }

    /// A token for one named device (its events carry the name as `by`).
    pub fn device_token(&self, role: &str, stations: &[&str], device: &str) -> String {
        self.token_with(role, stations, device, &[])
    }

    fn token_with(&self, role: &str, stations: &[&str], device: &str, extra: &[&str]) -> String {
        let mut command = Command::new(binary("rail-hub"));
        if let Some(secret) = &self.options.secret {
            command.env("RAIL_HUB_SECRET", secret);
        }
        command.args([
            "token",
            "--location",
            "demo",
            "--role",
            role,
            "--device",
            device,
        ]);
        match &self.options.store {
            Some(url) => command.args(["--store", url]),
            None => command.arg("--db").arg(&self.db),
        };
        for station in stations {
            command.args(["--station", station]);
        }
        command.args(extra);
        let output = command.output().expect("running rail-hub token");
        assert!(
            output.status.success(),
            "token failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    /// Posts an order as a POS; returns the created tickets.
    pub async fn post_order(
        &self,
        pos_token: &str,
        order: serde_json::Value,
    ) -> anyhow::Result<Vec<Ticket>> {
        let response = self
            .client()
            .post(format!("{}/api/orders", self.url))
            .bearer_auth(pos_token)
            .json(&order)
            .send()
            .await?;
        let status = response.status();
        let body = response.text().await?;
        if !status.is_success() {
            bail!("order refused: {status} {body}");
        }
        let created: rail_protocol::OrderCreated = serde_json::from_str(&body)?;
        Ok(created.tickets)
    }

    /// A ticket as the hub records it.
    pub async fn ticket(&self, token: &str, id: &str) -> anyhow::Result<Ticket> {
        let response = self
            .client()
            .get(format!("{}/api/tickets/{id}", self.url))
            .bearer_auth(token)
            .send()
            .await?;
        let status = response.status();
        if !status.is_success() {
            bail!("ticket lookup failed: {status} {}", response.text().await?);
        }
        Ok(response.json().await?)
    }

    /// Bumps a ticket through the REST API, as a screen's outbox would.
    pub async fn bump(&self, token: &str, id: &str) -> anyhow::Result<()> {
        let response = self
            .client()
            .post(format!("{}/api/tickets/{id}/bump", self.url))
            .bearer_auth(token)
            .send()
            .await?;
        let status = response.status();
        if !status.is_success() {
            bail!("bump refused: {status} {}", response.text().await?);
        }
        Ok(())
    }

    /// Open tickets of a station as the hub records them.
    pub async fn open_tickets(&self, token: &str, station: &str) -> anyhow::Result<Vec<Ticket>> {
        let response = self
            .client()
            .get(format!("{}/api/stations/{station}/tickets", self.url))
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?;
        Ok(response.json().await?)
    }
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// An engine configuration for tests: fast backoff, no sound.
pub fn screen_config(
    hub: &HubProcess,
    token: String,
    channels: &[&str],
    db: PathBuf,
) -> EngineConfig {
    let mut config = EngineConfig::new(
        hub.url.clone(),
        token,
        channels.iter().map(|c| (*c).to_owned()).collect(),
        db,
    );
    config.backoff = Backoff {
        base: Duration::from_millis(100),
        cap: Duration::from_millis(800),
    };
    config.sound = SoundConfig {
        enabled: false,
        ..SoundConfig::default()
    };
    config.connect_timeout = Duration::from_secs(2);
    config
}

/// This machine's clock in ms since the Unix epoch: hub time, for a hub on this machine.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The value at fraction `p` (0.5 for the median) of `sorted`, nearest rank.
///
/// # Panics
/// When `sorted` is empty.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// Polls `check` until it returns true; fails the test after `timeout`.
pub async fn wait_for(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    if let Err(error) = eventually(what, timeout, || std::future::ready(holds(check()))).await {
        panic!("{error}");
    }
}

/// A one-item order for `station`.
pub fn order_for(number: &str, station: &str, item: &str) -> serde_json::Value {
    serde_json::json!({
        "number": number,
        "table": "T5",
        "items": [{ "name": item, "station": station, "modifiers": ["no onion"] }]
    })
}

impl HubProcess {
    /// `host:port` of the hub, for a proxy to forward to.
    pub fn address(&self) -> String {
        self.url.trim_start_matches("http://").to_owned()
    }

    /// Counts events of `kind` on `channel` in the hub's own event log.
    pub fn count_events(&self, channel: &str, kind: &str) -> u64 {
        self.strings("SELECT frame FROM events WHERE channel = ?1", Some(channel))
            .iter()
            .filter_map(|frame| serde_json::from_str::<serde_json::Value>(frame).ok())
            .filter(|event| event["type"] == kind)
            .count() as u64
    }

    /// The tickets whose arrival on a station's rail the store has a screen's proof of.
    pub fn proven_tickets(&self) -> Vec<String> {
        self.strings(
            "SELECT ticket_id FROM deliveries WHERE proven_at_ms IS NOT NULL",
            None,
        )
    }

    /// The oldest sequence the hub's replay history still keeps of `channel`.
    pub fn oldest_kept(&self, channel: &str) -> Option<u64> {
        self.logged_seqs(channel).first().copied()
    }

    /// The newest sequence number `channel` has handed out.
    pub fn last_seq(&self, channel: &str) -> u64 {
        self.strings(
            "SELECT CAST(COALESCE(MAX(last_seq), 0) AS TEXT) FROM channels WHERE channel = ?1",
            Some(channel),
        )
        .first()
        .and_then(|seq| seq.parse().ok())
        .unwrap_or(0)
    }

    /// Every sequence number in `channel`'s event log, in order.
    pub fn logged_seqs(&self, channel: &str) -> Vec<u64> {
        let mut seqs: Vec<u64> = self
            .strings(
                "SELECT CAST(seq AS TEXT) FROM events WHERE channel = ?1",
                Some(channel),
            )
            .iter()
            .filter_map(|seq| seq.parse().ok())
            .collect();
        seqs.sort_unstable();
        seqs
    }

    /// The first column (text) of every row `sql` selects from the hub's store, SQLite
    /// file or PostgreSQL database; `?1` is `param`.
    fn strings(&self, sql: &str, param: Option<&str>) -> Vec<String> {
        let Some(url) = &self.options.store else {
            let conn = self.read_only_db();
            let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
            let params: Vec<&str> = param.into_iter().collect();
            let values = stmt
                .query_map(rusqlite::params_from_iter(params), |row| row.get(0))
                .and_then(|rows| rows.collect::<Result<Vec<String>, _>>())
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            return values;
        };
        let (url, sql, param) = (
            url.clone(),
            sql.replace("?1", "$1"),
            param.map(str::to_owned),
        );
        // On a thread of its own: the client may not block inside a test's runtime.
        std::thread::spawn(move || {
            let mut client = postgres::Client::connect(&url, postgres::NoTls)
                .unwrap_or_else(|e| panic!("connecting to the store: {e}"));
            let rows = match &param {
                Some(param) => client.query(&sql, &[param]),
                None => client.query(&sql, &[]),
            }
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
            rows.iter().map(|row| row.get::<_, String>(0)).collect()
        })
        .join()
        .expect("reading the store")
    }

    fn read_only_db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open_with_flags(&self.db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("opening the hub database")
    }

    /// Hub time of the `kind` event of ticket `ticket_id` on `channel`, if there is one.
    pub fn event_time(&self, channel: &str, kind: &str, ticket_id: &str) -> Option<i64> {
        // The envelope's `ts` is the time the hub wrote the event.
        self.strings(
            "SELECT frame FROM events WHERE channel = ?1 ORDER BY seq",
            Some(channel),
        )
        .iter()
        .find_map(|frame| {
            let event: serde_json::Value = serde_json::from_str(frame).ok()?;
            (event["type"] == kind && event["data"]["ticket"]["id"] == ticket_id)
                .then(|| event["ts"].as_i64())
                .flatten()
        })
    }

    /// Every `kind` event on `channel` in the hub's log, as `(ticket id, by)`.
    pub fn ticket_events(&self, channel: &str, kind: &str) -> Vec<(String, Option<String>)> {
        let frames = self.strings(
            "SELECT frame FROM events WHERE channel = ?1 ORDER BY seq",
            Some(channel),
        );
        frames
            .iter()
            .filter_map(|frame| serde_json::from_str::<serde_json::Value>(frame).ok())
            .filter(|event| event["type"] == kind)
            .map(|event| {
                (
                    event["data"]["ticket"]["id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    event["data"]["by"].as_str().map(str::to_owned),
                )
            })
            .collect()
    }

    /// Every value of the first column `sql` selects from the hub's database.
    fn column<C: FromIterator<String>>(&self, sql: &str) -> C {
        self.strings(sql, None).into_iter().collect()
    }

    /// Idempotency keys the hub has recorded an answer for.
    pub fn idempotency_keys(&self) -> std::collections::HashSet<String> {
        self.column("SELECT key FROM idempotency")
    }

    /// Order numbers as the hub recorded them (one per order row).
    pub fn order_numbers(&self) -> Vec<String> {
        self.column("SELECT number FROM orders")
    }

    /// The hub's count of WebSocket connections accepted since it started.
    pub async fn connections_opened(&self) -> u64 {
        self.metric("rail_connections_opened_total").await
    }

    /// A counter from the hub's `/metrics`.
    pub async fn metric(&self, name: &str) -> u64 {
        let text = self
            .client()
            .get(format!("{}/metrics", self.url))
            .bearer_auth(self.token("operator", &[]))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .expect("reading /metrics")
            .text()
            .await
            .expect("reading /metrics");
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
            .and_then(|count| count.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} in /metrics"))
    }

    /// Rows in the hub's orders table.
    pub fn count_orders(&self) -> u64 {
        self.strings("SELECT CAST(COUNT(*) AS TEXT) FROM orders", None)
            .first()
            .and_then(|count| count.parse().ok())
            .unwrap_or(0)
    }

    /// Open tickets of a station as `(id, version)`, oldest first.
    pub async fn open_versions(&self, token: &str, station: &str) -> Vec<(String, u64)> {
        self.open_tickets(token, station)
            .await
            .expect("open tickets")
            .into_iter()
            .map(|t| (t.id, t.version))
            .collect()
    }

    /// Posts an order like a POS that retries until the hub answers, with one
    /// idempotency key, so a crash between commit and answer cannot double it.
    pub async fn post_order_until_accepted(
        &self,
        pos_token: &str,
        key: &str,
        order: &serde_json::Value,
    ) {
        let client = &self.client();
        let url = &self.url;
        let accepted = eventually(
            "the hub to accept the order",
            Duration::from_secs(30),
            move || async move {
                let sent = client
                    .post(format!("{url}/api/orders"))
                    .bearer_auth(pos_token)
                    .header("idempotency-key", key)
                    .json(order)
                    .send()
                    .await;
                match sent {
                    Ok(response) if response.status().is_success() => Ok(Ok(())),
                    Ok(response) if response.status().is_client_error() => {
                        Ok(Err(format!("order refused: {}", response.status())))
                    }
                    Ok(response) => Err(response.status().to_string()),
                    Err(error) => Err(error.to_string()),
                }
            },
        )
        .await;
        match accepted {
            Ok(Ok(())) => {}
            Ok(Err(refused)) => panic!("{refused}"),
            Err(error) => panic!("order {key}: {error}"),
        }
    }
}

/// A client's WebSocket to a hub ([`HubProcess::socket`]).
pub type HubSocket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The environment variable `name` read as a `T`, or `default` when it is unset or
/// unreadable (how the long runs and benchmarks take their sizes).
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Asserts a list has no repeated ids.
pub fn assert_unique(what: &str, tickets: &[(String, u64)]) {
    let mut ids: Vec<&String> = tickets.iter().map(|(id, _)| id).collect();
    ids.sort();
    let before = ids.len();
    ids.dedup();
    assert_eq!(
        before,
        ids.len(),
        "{what} shows a ticket twice: {tickets:?}"
    );
}

/// How long a screen may take to settle after chaos.
pub const SETTLE: Duration = Duration::from_secs(30);

/// Waits until `screen` shows exactly the hub's open tickets (ids and versions) and has
/// nothing left to send.
pub async fn assert_converges(
    hub: &HubProcess,
    token: &str,
    station: &str,
    screen: &screen::ScreenProcess,
) {
    let converged = eventually("the screen to equal the hub", SETTLE, move || async move {
        let hub_open = hub.open_versions(token, station).await;
        let shown = screen.open();
        if screen.online() && screen.pending() == 0 && shown == hub_open {
            Ok(shown)
        } else {
            Err(format!(
                "\n screen {shown:?}\n hub    {hub_open:?}\n state {}",
                screen.state()
            ))
        }
    })
    .await;
    match converged {
        Ok(shown) => assert_unique("the screen", &shown),
        Err(error) => panic!("{error}"),
    }
}

/// [`wait_for`] with the time a screen may take to settle after chaos.
pub async fn wait_until(what: &str, check: impl FnMut() -> bool) {
    wait_for(what, SETTLE, check).await;
}
