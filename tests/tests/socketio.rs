//! The Socket.IO door with socket.io-client v4 from npm (`tests/socketio/follow.mjs`,
//! a real Node process) against a real hub: tokens refused in the hub's words, rooms
//! of another location refused, events under their documented names with their
//! payloads, and a link cut through a proxy in the middle of a burst — after the
//! reconnect every event of the burst arrived exactly once, in order.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rail_tests::proxy::Proxy;
use rail_tests::{eventually, holds, HubProcess};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);

/// A socket.io-client app process and every line it printed.
struct App {
    child: Child,
    stdin: ChildStdin,
    lines: Arc<Mutex<Vec<Value>>>,
}

impl App {
    fn start(url: &str, token: &str, channels: &[&str]) -> Self {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("socketio");
        let mut child = Command::new("node")
            .arg(dir.join("follow.mjs"))
            .args([url, token, &channels.join(",")])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node (run `cargo xtask setup`, which installs tests/socketio)");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let seen = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(value) = serde_json::from_str::<Value>(&line) {
                    seen.lock().unwrap_or_else(|p| p.into_inner()).push(value);
                }
            }
        });
        App {
            child,
            stdin,
            lines,
        }
    }

    fn lines(&self) -> Vec<Value> {
        self.lines.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn named(&self, event: &str) -> Vec<Value> {
        self.lines()
            .into_iter()
            .filter(|l| l["event"] == event)
            .collect()
    }

    fn command(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").expect("to the app");
        self.stdin.flush().expect("flush");
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_io_apps_get_rails_channels_and_miss_nothing_across_a_cut_link() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = HubProcess::start(dir.path()).expect("hub");
    let pos = hub.token("pos", &[]);
    let expo = hub.token("expo", &[]);

    // Refused: a token that is not the hub's; a kitchen token asking for the
    // location's channel; any token asking for another location.
    let forged = App::start(&hub.url, "not-a-token", &[]);
    eventually("a forged token refused", WAIT, || async {
        let refused = forged.named("connect_error");
        anyhow::ensure!(!refused.is_empty(), "{:?}", forged.lines());
        let message = refused[0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        anyhow::ensure!(message.contains("token"), "{message}");
        anyhow::Ok(())
    })
    .await
    .expect("refused");
    let grill = App::start(
        &hub.url,
        &hub.token("kds", &["grill"]),
        &["location:demo", "kds:fry", "location:other", "kds:grill"],
    );
    eventually("each join answered", WAIT, || async {
        let joins = grill.named("join");
        anyhow::ensure!(joins.len() == 4, "{joins:?}");
        let ok: Vec<bool> = joins.iter().map(|j| j["answer"]["ok"] == true).collect();
        anyhow::ensure!(ok == [false, false, false, true], "{joins:?}");
        anyhow::ensure!(joins[0]["answer"]["code"] == "FORBIDDEN", "{joins:?}");
        anyhow::Ok(())
    })
    .await
    .expect("joins");

    // Through a proxy that will cut the link in the middle of a burst.
    let proxy = Proxy::start(hub.address()).await.expect("proxy");
    let mut app = App::start(&proxy.url, &expo, &["kds:grill", "location:demo"]);
    eventually("subscribed", WAIT, || async {
        holds(app.named("rail:subscribed").len() == 2)
    })
    .await
    .expect("subscribed");
    let order = |n: u32| json!({ "id": format!("b{n}"), "number": format!("{n}"), "items": [{ "name": "Burger", "station": "grill" }] });
    hub.post_order(&pos, order(1)).await.expect("order");
    eventually("the first ticket", WAIT, || async {
        let news = app.named("kds:ticket-new");
        anyhow::ensure!(!news.is_empty(), "{:?}", app.lines());
        let first = &news[0];
        anyhow::ensure!(
            first["channel"] == "kds:grill" && first["seq"] == 1,
            "{first}"
        );
        anyhow::ensure!(first["data"]["ticket"]["orderNumber"] == "1", "{first}");
        anyhow::Ok(())
    })
    .await
    .expect("documented name and payload");

    for n in 2..=60 {
        hub.post_order(&pos, order(n)).await.expect("order");
        if n == 20 {
            proxy.block();
            proxy.cut();
        }
        if n == 40 {
            proxy.unblock();
        }
    }
    let last = hub.last_seq("kds:grill");
    assert_eq!(last, 60, "one event per order on the grill");
    eventually("every event of the burst", WAIT, || async {
        let seqs: Vec<u64> = app
            .named("kds:ticket-new")
            .iter()
            .filter(|l| l["channel"] == "kds:grill")
            .filter_map(|l| l["seq"].as_u64())
            .collect();
        anyhow::ensure!(
            seqs.last() == Some(&last),
            "up to {:?} of {last}",
            seqs.last()
        );
        // The location's channel too, to its last event.
        let location_end = hub.last_seq("location:demo");
        let location_seen = app
            .lines()
            .iter()
            .filter(|l| l["channel"] == "location:demo")
            .filter_map(|l| l["seq"].as_u64())
            .max();
        anyhow::ensure!(
            location_seen == Some(location_end),
            "location up to {location_seen:?} of {location_end}"
        );
        anyhow::Ok(())
    })
    .await
    .expect("caught up");
    let seqs: Vec<u64> = app
        .named("kds:ticket-new")
        .iter()
        .filter(|l| l["channel"] == "kds:grill")
        .filter_map(|l| l["seq"].as_u64())
        .collect();
    assert_eq!(
        seqs,
        (1..=last).collect::<Vec<_>>(),
        "each event once, in order"
    );
    assert!(
        !app.named("disconnect").is_empty(),
        "the link was really cut: {:?}",
        app.named("connect")
    );
    let resumed: Vec<Value> = app
        .named("rail:subscribed")
        .into_iter()
        .filter(|s| s["recovery"] == "recovered")
        .collect();
    assert_eq!(
        resumed.len(),
        2,
        "both channels resumed, not started afresh"
    );
    // The location channel too: every order created, once.
    let created: Vec<String> = app
        .named("order:created")
        .iter()
        .filter_map(|l| l["data"]["orderId"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        created,
        (1..=60).map(|n| format!("b{n}")).collect::<Vec<_>>()
    );

    app.command("leave kds:grill");
    eventually("left", WAIT, || async {
        holds(app.named("leave").iter().any(|l| l["answer"]["ok"] == true))
    })
    .await
    .expect("leave");
}

/// The door keeps the WebSocket's limit on messages: past it an app is told
/// `RATE_LIMITED`, past twice it the connection ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_io_apps_are_held_to_the_same_message_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = HubProcess::start_with(rail_tests::HubOptions::configured(
        dir.path(),
        "messages_per_minute = 3\n",
    ))
    .expect("hub");
    let channels = [
        "kds:a", "kds:b", "kds:c", "kds:d", "kds:e", "kds:f", "kds:g",
    ];
    let app = App::start(&hub.url, &hub.token("expo", &[]), &channels);
    eventually("the app cut off", WAIT, || async {
        let joins = app.named("join");
        let codes: Vec<String> = joins
            .iter()
            .map(|j| j["answer"]["code"].as_str().unwrap_or("ok").to_owned())
            .collect();
        anyhow::ensure!(codes.len() >= 6, "{codes:?}");
        anyhow::ensure!(
            codes[..6]
                == [
                    "ok",
                    "ok",
                    "ok",
                    "RATE_LIMITED",
                    "RATE_LIMITED",
                    "RATE_LIMITED"
                ],
            "{codes:?}"
        );
        anyhow::ensure!(!app.named("disconnect").is_empty(), "{:?}", app.lines());
        anyhow::Ok(())
    })
    .await
    .expect("limited");
}
