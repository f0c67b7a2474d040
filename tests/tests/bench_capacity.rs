//! Capacity benchmark: as many idle subscribed screens as one hub holds (default 10,000,
//! `RAIL_BENCH_CONNECTIONS`), the hub's memory per connection, and a fan-out of events
//! to all of them. Run by `cargo xtask bench-capacity`; prints a table.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use rail_protocol::{ClientMessage, Control, ServerMessage};
use rail_tests::loadgen::rss_kib;
use rail_tests::{order_for, wait_for, HubProcess};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const EVENTS: usize = 20;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a benchmark: run through `cargo xtask bench-capacity`"]
async fn many_idle_screens_on_one_hub() {
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let connections: usize = std::env::var("RAIL_BENCH_CONNECTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = HubProcess::start(dir.path()).expect("hub");
    let pid = hub.pid();
    let pos = hub.token("pos", &[]);
    let token = hub.token("kds", &["grill"]);
    let url = format!("{}/api/socket", hub.url.replace("http://", "ws://"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let base = rss_kib(pid);

    // Receive times of each event, per connection.
    let received: Arc<Mutex<Vec<(u64, Instant)>>> =
        Arc::new(Mutex::new(Vec::with_capacity(connections * EVENTS)));
    let opened = Instant::now();
    let mut tasks = Vec::with_capacity(connections);
    for batch in (0..connections).collect::<Vec<_>>().chunks(250) {
        let mut subscribed = Vec::new();
        for _ in batch {
            let mut request = url.as_str().into_client_request().expect("request");
            request.headers_mut().insert(
                "authorization",
                format!("Bearer {token}").parse().expect("header"),
            );
            let received = received.clone();
            let (subscribed_tx, subscribed_rx) = tokio::sync::oneshot::channel::<()>();
            subscribed.push(subscribed_rx);
            tasks.push(tokio::spawn(async move {
                let (socket, _) = tokio_tungstenite::connect_async(request)
                    .await
                    .expect("connect");
                let (mut sink, mut stream) = socket.split();
                let subscribe = serde_json::to_string(&ClientMessage::Subscribe {
                    channel: "kds:grill".into(),
                    since: None,
                })
                .expect("encode");
                sink.send(Message::Text(subscribe.into()))
                    .await
                    .expect("subscribe");
                let mut subscribed_tx = Some(subscribed_tx);
                while let Some(Ok(message)) = stream.next().await {
                    let Message::Text(text) = message else {
                        continue;
                    };
                    match serde_json::from_str::<ServerMessage>(&text) {
                        Ok(ServerMessage::Control(Control::Subscribed { .. })) => {
                            if let Some(tx) = subscribed_tx.take() {
                                let _ = tx.send(());
                            }
                        }
                        Ok(ServerMessage::Event(envelope)) => {
                            received
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .push((envelope.seq, Instant::now()));
                        }
                        _ => {}
                    }
                }
                drop(sink);
            }));
        }
        for done in subscribed {
            done.await.expect("subscribed");
        }
    }
    let connect_time = opened.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let loaded = rss_kib(pid);
    let per_connection = (loaded.saturating_sub(base)) as f64 / connections as f64;

    // Fan-out: each order's ticket event goes to every connection.
    let client = reqwest::Client::new();
    let mut sent = Vec::new();
    let fan_out = Instant::now();
    for n in 0..EVENTS {
        sent.push(Instant::now());
        hub.post_order(&pos, order_for(&n.to_string(), "grill", "Dish"))
            .await
            .expect("order");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_for(
        "every connection to get every event",
        Duration::from_secs(60),
        || received.lock().unwrap_or_else(|p| p.into_inner()).len() >= connections * EVENTS,
    )
    .await;
    let delivered_in = fan_out.elapsed();
    drop(client);
    let mut latencies: Vec<f64> = received
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .map(|(seq, at)| at.duration_since(sent[(*seq - 1) as usize]).as_secs_f64() * 1000.0)
        .collect();
    latencies.sort_by(f64::total_cmp);
    let pick = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize];
    println!("\n| measure | value |");
    println!("|---|---|");
    println!("| idle subscribed connections held | {connections} |");
    println!(
        "| time to open and subscribe them all | {:.1} s |",
        connect_time.as_secs_f64()
    );
    println!(
        "| hub memory before → after | {} → {} MiB |",
        base / 1024,
        loaded / 1024
    );
    println!("| hub memory per idle connection | {per_connection:.1} KiB |");
    println!(
        "| events delivered | {} ({EVENTS} × {connections}) |",
        latencies.len()
    );
    println!(
        "| POS POST → event at a socket, p50 / p99 / max | {:.1} / {:.1} / {:.1} ms |",
        pick(0.5),
        pick(0.99),
        pick(1.0)
    );
    println!(
        "| delivery rate while fanning out | {:.0} events/s |",
        latencies.len() as f64 / delivered_in.as_secs_f64()
    );
    for task in tasks {
        task.abort();
    }
}
