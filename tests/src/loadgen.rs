//! One load generator for Rail's hub and a peer server (Socket.IO v4), so both are
//! measured by the same code in the same run: screens that subscribe to a station's
//! channel, a POS that posts orders, and the time from each POST to each screen.
//!
//! Both peers are spoken to through the same WebSocket client (tokio-tungstenite) and the
//! same JSON decoding (`serde_json::Value`), so the client's cost is the same on both
//! sides. Socket.IO needs a few lines of its own framing on top (Engine.IO v4 packets
//! `0` open, `2`/`3` ping/pong, `40` connect, `42` event, `43` ack): a Socket.IO client
//! crate would bring its own WebSocket stack and skew the comparison.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

/// A server under load.
#[derive(Clone, Debug)]
pub enum Target {
    /// Rail's hub: bearer tokens, `subscribe` messages, event envelopes.
    Rail {
        http: String,
        kds_token: String,
        pos_token: String,
    },
    /// The Socket.IO peer (`tests/peers/socketio/server.mjs`).
    SocketIo { http: String, token: String },
}

/// When each order was received by one screen: `(order index, instant)`.
pub type Receipts = Arc<Mutex<Vec<(u32, Instant)>>>;

/// One subscribed screen.
pub struct Screen {
    pub receipts: Receipts,
    task: JoinHandle<()>,
}

impl Drop for Screen {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Screen {
    /// How many orders this screen has received so far.
    pub fn count(&self) -> usize {
        self.receipts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }

    /// Takes the receipts gathered so far.
    pub fn drain(&self) -> Vec<(u32, Instant)> {
        std::mem::take(&mut *self.receipts.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// The order index carried in an order number (`"<index>"`).
fn index_of(ticket: &Value) -> Option<u32> {
    ticket.get("orderNumber")?.as_str()?.parse().ok()
}

fn record(receipts: &Receipts, ticket: Option<&Value>) {
    if let Some(index) = ticket.and_then(index_of) {
        receipts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((index, Instant::now()));
    }
}

impl Target {
    /// A short name for tables.
    pub fn name(&self) -> &'static str {
        match self {
            Target::Rail { .. } => "Rail",
            Target::SocketIo { .. } => "Socket.IO",
        }
    }

    fn http(&self) -> &str {
        match self {
            Target::Rail { http, .. } | Target::SocketIo { http, .. } => http,
        }
    }

    /// Opens a screen subscribed to `channel`; returns once the server confirmed it.
    ///
    /// # Errors
    /// When the connection or the subscription fails.
    pub async fn screen(&self, channel: &str) -> anyhow::Result<Screen> {
        let receipts: Receipts = Arc::default();
        let (subscribed_tx, subscribed_rx) = tokio::sync::oneshot::channel();
        let task = match self {
            Target::Rail { kds_token, .. } => tokio::spawn(rail_screen(
                self.http().replace("http://", "ws://") + rail_protocol::SOCKET_PATH,
                kds_token.clone(),
                channel.to_owned(),
                receipts.clone(),
                subscribed_tx,
            )),
            Target::SocketIo { token, .. } => tokio::spawn(socketio_screen(
                self.http().replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket",
                token.clone(),
                channel.to_owned(),
                receipts.clone(),
                subscribed_tx,
            )),
        };
        let confirmed = tokio::time::timeout(Duration::from_secs(30), subscribed_rx).await;
        match confirmed {
            Ok(Ok(Ok(()))) => Ok(Screen { receipts, task }),
            Ok(Ok(Err(error))) => Err(error),
            Ok(Err(_)) => bail!("{} screen ended before subscribing", self.name()),
            Err(_) => bail!("{} screen not subscribed within 30 s", self.name()),
        }
    }

    /// Opens `count` screens on `channel`, `batch` at a time.
    ///
    /// # Errors
    /// When any of them fails.
    pub async fn screens(
        &self,
        channel: &str,
        count: usize,
        batch: usize,
    ) -> anyhow::Result<Vec<Screen>> {
        let mut screens = Vec::with_capacity(count);
        while screens.len() < count {
            let n = batch.min(count - screens.len());
            let opened = futures_util::future::join_all((0..n).map(|_| self.screen(channel))).await;
            for screen in opened {
                screens.push(screen?);
            }
        }
        Ok(screens)
    }

    /// Posts a one-item order for `station` whose number is `index`, as a POS.
    ///
    /// # Errors
    /// When the request fails or the server refuses it.
    pub async fn post(
        &self,
        client: &reqwest::Client,
        index: u32,
        station: &str,
    ) -> anyhow::Result<()> {
        let token = match self {
            Target::Rail { pos_token, .. } => pos_token,
            Target::SocketIo { token, .. } => token,
        };
        let order = crate::order_for(&index.to_string(), station, "Burger");
        let response = client
            .post(format!("{}/api/orders", self.http()))
            .bearer_auth(token)
            .json(&order)
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("{} refused an order: {}", self.name(), response.status());
        }
        Ok(())
    }
}

async fn rail_screen(
    url: String,
    token: String,
    channel: String,
    receipts: Receipts,
    subscribed: tokio::sync::oneshot::Sender<anyhow::Result<()>>,
) {
    let connect = async {
        let mut request = url.as_str().into_client_request()?;
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {token}").parse()?);
        let (socket, _) = tokio_tungstenite::connect_async(request).await?;
        anyhow::Ok(socket)
    };
    let mut socket = match connect.await {
        Ok(socket) => socket,
        Err(error) => {
            let _ = subscribed.send(Err(error.context("connecting to Rail")));
            return;
        }
    };
    let subscribe = serde_json::json!({ "type": "subscribe", "channel": channel }).to_string();
    if let Err(error) = socket.send(Message::Text(subscribe.into())).await {
        let _ = subscribed.send(Err(error.into()));
        return;
    }
    let mut subscribed = Some(subscribed);
    // Like a real screen, it tells the hub what it has applied, at most every quarter
    // second: without it the hub would rightly raise a delivery alert for every ticket.
    let mut report = tokio::time::interval(Duration::from_millis(250));
    let (mut applied, mut reported) = (0_u64, 0_u64);
    loop {
        let message = tokio::select! {
            message = socket.next() => message,
            _ = report.tick() => {
                if applied > reported {
                    reported = applied;
                    let report = serde_json::json!({ "type": "applied", "channel": channel, "seq": applied });
                    if socket.send(Message::Text(report.to_string().into())).await.is_err() {
                        return;
                    }
                }
                continue;
            }
        };
        let Some(Ok(message)) = message else {
            return;
        };
        let Message::Text(text) = message else {
            continue;
        };
        let Ok(value) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        if let Some(seq) = value.get("seq").and_then(Value::as_u64) {
            applied = applied.max(seq);
        }
        match value.get("type").and_then(Value::as_str) {
            Some("subscribed") => {
                if let Some(tx) = subscribed.take() {
                    let _ = tx.send(Ok(()));
                }
            }
            Some("error") => {
                if let Some(tx) = subscribed.take() {
                    let _ = tx.send(Err(anyhow::anyhow!("Rail refused: {text}")));
                }
            }
            Some("kds:ticket-new") => record(&receipts, value.pointer("/data/ticket")),
            _ => {}
        }
    }
}

async fn socketio_screen(
    url: String,
    token: String,
    channel: String,
    receipts: Receipts,
    subscribed: tokio::sync::oneshot::Sender<anyhow::Result<()>>,
) {
    let handshake = async {
        let (mut socket, _) = tokio_tungstenite::connect_async(url.as_str()).await?;
        let open = socket.next().await.context("no open packet")??;
        if !open.to_text()?.starts_with('0') {
            bail!("expected an Engine.IO open packet, got {open}");
        }
        let connect = format!("40{}", serde_json::json!({ "token": token }));
        socket.send(Message::Text(connect.into())).await?;
        loop {
            let reply = socket.next().await.context("closed during connect")??;
            let text = reply.to_text()?;
            if text.starts_with("40") {
                break;
            }
            if text.starts_with("44") {
                bail!("Socket.IO refused: {text}");
            }
        }
        let subscribe = format!("420{}", serde_json::json!(["subscribe", channel]));
        socket.send(Message::Text(subscribe.into())).await?;
        anyhow::Ok(socket)
    };
    let mut socket = match handshake.await {
        Ok(socket) => socket,
        Err(error) => {
            let _ = subscribed.send(Err(error.context("connecting to Socket.IO")));
            return;
        }
    };
    let mut subscribed = Some(subscribed);
    while let Some(Ok(message)) = socket.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        if text.as_str() == "2" {
            if socket.send(Message::Text("3".into())).await.is_err() {
                return;
            }
        } else if let Some(ack) = text.strip_prefix("430") {
            let refused = serde_json::from_str::<Value>(ack)
                .ok()
                .and_then(|v| v.pointer("/0/error").map(ToString::to_string));
            if let Some(tx) = subscribed.take() {
                let _ = tx.send(match refused {
                    None => Ok(()),
                    Some(error) => Err(anyhow::anyhow!("Socket.IO refused: {error}")),
                });
            }
        } else if let Some(event) = text.strip_prefix("42") {
            if let Ok(value) = serde_json::from_str::<Value>(event) {
                if value.pointer("/0").and_then(Value::as_str) == Some("kds:ticket-new") {
                    record(&receipts, value.pointer("/1/ticket"));
                }
            }
        }
    }
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Percentiles {
    pub samples: usize,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

impl Percentiles {
    /// Percentiles of `latencies` (milliseconds, any order).
    pub fn of(mut latencies: Vec<f64>) -> Self {
        if latencies.is_empty() {
            return Percentiles::default();
        }
        latencies.sort_by(f64::total_cmp);
        let pick = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize];
        Percentiles {
            samples: latencies.len(),
            p50: pick(0.50),
            p95: pick(0.95),
            p99: pick(0.99),
            max: pick(1.0),
        }
    }
}

/// The outcome of one steady burst of orders.
#[derive(Debug, Clone, Copy)]
pub struct Burst {
    /// Orders per second asked for.
    pub rate: u32,
    /// Orders the POS got posted (all accepted).
    pub posted: usize,
    /// Deliveries expected (`posted × screens`) and made.
    pub expected: usize,
    pub delivered: usize,
    /// Deliveries per second over the burst plus the drain after it.
    pub delivery_rate: f64,
    pub latency: Percentiles,
    /// POST to the first screen that had it, per order: what a kitchen sees of the
    /// hub's own path, without the fan-out to the other screens.
    pub first: Percentiles,
    /// Server CPU time spent per 1,000 deliveries, in milliseconds.
    pub cpu_ms_per_1000: f64,
}

/// CPU time (user + system) a process has used, in milliseconds.
pub fn cpu_ms(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line; 12 and 13 after the name.
    (ticks(11) + ticks(12)) * 1000.0 / 100.0
}

/// Resident memory of a process, in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// A steady burst of orders: `count` one-item orders for `station` at `rate` per
/// second, numbered from `first`; then up to `drain` for the screens to catch up.
#[derive(Debug, Clone, Copy)]
pub struct Plan<'a> {
    pub station: &'a str,
    pub first: u32,
    pub count: u32,
    pub rate: u32,
    pub drain: Duration,
}

/// Runs `plan` against `target` (whose process is `server_pid`): each order is posted
/// on its own task at its own moment, so a slow answer never delays the next order.
///
/// # Errors
/// When an order is refused or cannot be sent.
pub async fn burst(
    target: &Target,
    server_pid: u32,
    screens: &[Screen],
    plan: Plan<'_>,
) -> anyhow::Result<Burst> {
    burst_across(std::slice::from_ref(target), &[server_pid], screens, plan).await
}

/// [`burst`] against several servers of one kitchen (hubs sharing a store): orders
/// go to each in turn, and the CPU time of every process counts.
///
/// # Errors
/// When an order is refused or cannot be sent.
pub async fn burst_across(
    targets: &[Target],
    server_pids: &[u32],
    screens: &[Screen],
    plan: Plan<'_>,
) -> anyhow::Result<Burst> {
    let Plan {
        station,
        first,
        count,
        rate,
        drain,
    } = plan;
    for screen in screens {
        screen.drain();
    }
    let client = reqwest::Client::new();
    let sent: Arc<Mutex<Vec<Option<Instant>>>> = Arc::new(Mutex::new(vec![None; count as usize]));
    let cpu_of = || server_pids.iter().map(|pid| cpu_ms(*pid)).sum::<f64>();
    let cpu_before = cpu_of();
    let started = Instant::now();
    let interval = Duration::from_secs_f64(1.0 / f64::from(rate));
    let mut posts = Vec::with_capacity(count as usize);
    for n in 0..count {
        tokio::time::sleep_until((started + interval * n).into()).await;
        let (target, client, sent, station) = (
            targets[n as usize % targets.len()].clone(),
            client.clone(),
            sent.clone(),
            station.to_owned(),
        );
        posts.push(tokio::spawn(async move {
            sent.lock().unwrap_or_else(|p| p.into_inner())[n as usize] = Some(Instant::now());
            target.post(&client, first + n, &station).await
        }));
    }
    for post in posts {
        post.await.context("posting task")??;
    }
    let expected = count as usize * screens.len();
    let deadline = Instant::now() + drain;
    while Instant::now() < deadline && screens.iter().map(Screen::count).sum::<usize>() < expected {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let cpu = cpu_of() - cpu_before;
    let sent = sent.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let mut latencies = Vec::with_capacity(expected);
    let mut firsts = vec![f64::INFINITY; count as usize];
    let mut last_receipt = started;
    for screen in screens {
        for (index, at) in screen.drain() {
            let Some(Some(posted)) = index.checked_sub(first).and_then(|i| sent.get(i as usize))
            else {
                continue;
            };
            last_receipt = last_receipt.max(at);
            let latency = at.saturating_duration_since(*posted).as_secs_f64() * 1000.0;
            let order = (index - first) as usize;
            firsts[order] = firsts[order].min(latency);
            latencies.push(latency);
        }
    }
    let delivered = latencies.len();
    let span = last_receipt
        .duration_since(started)
        .max(Duration::from_millis(1));
    Ok(Burst {
        rate,
        posted: count as usize,
        expected,
        delivered,
        delivery_rate: delivered as f64 / span.as_secs_f64(),
        latency: Percentiles::of(latencies),
        first: Percentiles::of(firsts.into_iter().filter(|l| l.is_finite()).collect()),
        cpu_ms_per_1000: if delivered == 0 {
            f64::NAN
        } else {
            cpu * 1000.0 / delivered as f64
        },
    })
}

/// A step is sustained when every delivery arrived and p99 stayed under 100 ms, the
/// bound a kitchen screen is held to.
pub const SUSTAINED_P99_MS: f64 = 100.0;
/// A ramp stops once the server is saturated: deliveries missing after the drain, or
/// p99 beyond this.
pub const SATURATED_P99_MS: f64 = 1000.0;
/// How long each step of a ramp posts orders.
pub const STEP: Duration = Duration::from_secs(4);

/// The fastest step of `steps` that kept up within the latency bound.
pub fn sustained(steps: &[Burst]) -> Option<&Burst> {
    steps
        .iter()
        .filter(|b| b.delivered == b.expected && b.latency.p99 <= SUSTAINED_P99_MS)
        .max_by(|a, b| a.delivery_rate.total_cmp(&b.delivery_rate))
}

/// Steps through `rates` (orders per second, [`STEP`] each) on `screens` until the
/// servers saturate; orders go to each of `targets` in turn.
///
/// # Errors
/// When an order is refused or cannot be sent.
pub async fn ramp(
    targets: &[Target],
    pids: &[u32],
    screens: &[Screen],
    station: &str,
    rates: &[u32],
    first: &mut u32,
) -> anyhow::Result<Vec<Burst>> {
    let mut steps = Vec::new();
    for &rate in rates {
        let count = rate * STEP.as_secs() as u32;
        let plan = Plan {
            station,
            first: *first,
            count,
            rate,
            drain: Duration::from_secs(3),
        };
        let step = burst_across(targets, pids, screens, plan).await?;
        *first += count;
        eprintln!("{}: {} screens {step:?}", targets[0].name(), screens.len());
        let saturated = step.delivered < step.expected || step.latency.p99 > SATURATED_P99_MS;
        steps.push(step);
        if saturated {
            break;
        }
        // Let the last step's backlog clear before the next.
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Ok(steps)
}

/// Every step of the ramps given, one row each.
pub fn print_ramps(ramps: &[(&str, &[Burst])]) {
    println!(
        "| server | screens | orders/s | deliveries | events/s | p50 ms | p99 ms | max ms | CPU ms / 1,000 |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (name, steps) in ramps {
        for step in *steps {
            println!(
                "| {name} | {} | {} | {} of {} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} |",
                step.expected.checked_div(step.posted).unwrap_or(0),
                step.rate,
                step.delivered,
                step.expected,
                step.delivery_rate,
                step.latency.p50,
                step.latency.p99,
                step.latency.max,
                step.cpu_ms_per_1000
            );
        }
    }
}
