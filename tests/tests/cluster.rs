//! Several hubs, one kitchen: three `rail-hub` processes sharing one throwaway
//! PostgreSQL server and one NATS server. Orders are posted to two hubs at once, and
//! bumped from a screen on the third; a listener on each hub records every event
//! sequence number it is handed, and real screens (`rail-headless`) on two hubs must
//! end equal to the store. NATS down, a NATS cluster losing a server, NATS over TLS,
//! one key sent to two hubs and a device removed on one hub are tried too.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rail_hub::testing::TempNats;
use rail_protocol::{ClientMessage, Control, ServerMessage};
use rail_tests::cluster::Cluster;
use rail_tests::screen::ScreenProcess;
use rail_tests::{assert_converges, eventually, order_for, wait_for, HubProcess};
use tokio_tungstenite::tungstenite::Message;

/// Every event sequence number a socket on one hub is handed on one channel.
struct Listener {
    seqs: Arc<Mutex<Vec<u64>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Listener {
    async fn start(hub: &HubProcess, token: &str, channel: &str) -> Self {
        let mut socket = hub.socket(Some(token)).await;
        let subscribe = ClientMessage::Subscribe {
            channel: channel.to_owned(),
            since: None,
        };
        socket
            .send(Message::text(
                serde_json::to_string(&subscribe).expect("encode"),
            ))
            .await
            .expect("subscribe");
        // The answer is checked here, in the test, not in the task (a failed assertion
        // there would only end the task).
        let subscribed = tokio::time::timeout(Duration::from_secs(10), async {
            while let Some(Ok(message)) = socket.next().await {
                if let Message::Text(text) = message {
                    if let Ok(ServerMessage::Control(Control::Subscribed { seq, .. })) =
                        serde_json::from_str::<ServerMessage>(&text)
                    {
                        return Some(seq);
                    }
                }
            }
            None
        })
        .await
        .expect("subscribed in time");
        assert_eq!(subscribed, Some(0), "the listener starts before any event");
        let seqs = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&seqs);
        let task = tokio::spawn(async move {
            while let Some(Ok(message)) = socket.next().await {
                let Message::Text(text) = message else {
                    continue;
                };
                if let Ok(ServerMessage::Event(envelope)) = serde_json::from_str(&text) {
                    seen.lock().expect("seqs").push(envelope.seq);
                }
            }
        });
        Listener { seqs, task }
    }

    fn seqs(&self) -> Vec<u64> {
        self.seqs.lock().expect("seqs").clone()
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_hubs_hand_every_screen_every_event_once_in_sequence() {
    // Alerts after a second: every ticket is on a screen, so none may be raised.
    let cluster = Cluster::start_configured(3, "delivery_alert_secs = 1\n");
    let hubs = &cluster.hubs;
    let pos = hubs[0].token("pos", &[]);
    let kds = hubs[0].token("kds", &["grill"]);
    let mut listeners = Vec::new();
    for hub in hubs {
        listeners.push(Listener::start(hub, &kds, "kds:grill").await);
    }
    let screens: Vec<ScreenProcess> = [1, 2]
        .into_iter()
        .map(|n| {
            ScreenProcess::start(
                &hubs[n].url,
                &hubs[n].device_token("kds", &["grill"], &format!("grill-{n}")),
                "grill",
                cluster.dir.path().join(format!("screen-{n}.db")),
            )
        })
        .collect();
    wait_for(
        "the screens to come online",
        Duration::from_secs(20),
        || screens.iter().all(ScreenProcess::online),
    )
    .await;

    // Two POS terminals post at once, to different hubs: the channel's sequence
    // numbers interleave between hubs.
    let posts = (0..40).map(|n| {
        let hub = &hubs[n % 2];
        let pos = &pos;
        async move {
            hub.post_order(pos, order_for(&format!("{n}"), "grill", "Burger"))
                .await
                .expect("order")
        }
    });
    let created: Vec<_> = futures_util::future::join_all(posts).await;
    assert_eq!(created.len(), 40);
    // A screen on the third hub bumps a quarter of them.
    let mut bumper = ScreenProcess::start(
        &hubs[2].url,
        &hubs[2].device_token("kds", &["grill"], "grill-bumper"),
        "grill",
        cluster.dir.path().join("bumper.db"),
    );
    wait_for(
        "the bumper to show every order",
        Duration::from_secs(20),
        || bumper.open().len() == 40,
    )
    .await;
    for tickets in created.iter().step_by(4) {
        bumper.command(&format!("bump {}", tickets[0].id));
    }

    let bumped = created.len().div_ceil(4);
    // The bumper first: converged, its bumps are all at the hub.
    for screen in [&bumper].into_iter().chain(&screens) {
        assert_converges(&hubs[0], &kds, "grill", screen).await;
        assert_eq!(screen.open().len(), 40 - bumped);
    }
    let last = hubs[0].last_seq("kds:grill");
    assert_eq!(last, 40 + bumped as u64, "one event per order and per bump");
    wait_for(
        "every listener to hear every event",
        Duration::from_secs(10),
        || listeners.iter().all(|l| l.seqs().len() as u64 >= last),
    )
    .await;
    let crossed = hubs[2].metric("rail_cluster_events_received_total").await;
    assert!(
        crossed >= 40,
        "the orders reached hub 2 through NATS ({crossed})"
    );
    for (n, listener) in listeners.iter().enumerate() {
        let expected: Vec<u64> = (1..=last).collect();
        assert_eq!(
            listener.seqs(),
            expected,
            "hub {n} handed its socket every event once, in sequence"
        );
    }
    // Past the alert delay for the last order: every ticket was proven by a screen,
    // whichever hub wrote it and however it reached the screen's hub (in a notice, or
    // read from the store to fill a gap).
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(
        hubs[0].count_events("location:demo", "kds:ticket-undelivered"),
        0,
        "no ticket on a screen is alerted"
    );
}

/// NATS down: each hub keeps serving its own screens at once, and the other hubs'
/// screens get the events from the store within about a second (the sweep); when NATS
/// is back, events cross at once again. Nothing is refused meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_nats_down_events_still_reach_every_hub_from_the_store() {
    let mut cluster = Cluster::start(2);
    let pos = cluster.hubs[0].token("pos", &[]);
    let kds = cluster.hubs[0].token("kds", &["grill"]);
    let far = Listener::start(&cluster.hubs[1], &kds, "kds:grill").await;
    cluster.nats.kill();
    post_grill_orders(&cluster.hubs[0], &pos, 0..5).await;
    wait_for(
        "the other hub's socket to get the orders from the store",
        Duration::from_secs(5),
        || far.seqs().len() == 5,
    )
    .await;
    let swept = cluster.hubs[1]
        .metric("rail_cluster_events_swept_total")
        .await;
    assert!(swept >= 5, "{swept} events read from the store");
    cluster.nats.restart().expect("NATS back");
    // Once both hubs listen on it again, orders cross in notices, not sweeps.
    wait_for_hubs_listening("both hubs listening on NATS again", &[&cluster.nats], 2).await;
    let received = cluster.hubs[1]
        .metric("rail_cluster_events_received_total")
        .await;
    post_grill_orders(&cluster.hubs[0], &pos, 5..8).await;
    wait_for("the last orders", Duration::from_secs(5), || {
        far.seqs().len() == 8
    })
    .await;
    assert_eq!(far.seqs(), (1..=8).collect::<Vec<u64>>());
    let more = cluster.hubs[1]
        .metric("rail_cluster_events_received_total")
        .await;
    assert!(
        more >= received + 3,
        "NATS carried the last orders ({received} → {more})"
    );
}

/// NATS over mutual TLS (a server that takes TLS only, its certificate from a CA of its
/// own, from clients showing a certificate that CA signed): hubs given that CA and such
/// a certificate hand each other's events through it; a hub that trusts only the
/// system's CAs refuses the server, a hub with no certificate is refused by it, and
/// both still get every event, from the store.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hubs_given_the_nats_servers_ca_and_a_client_certificate_talk_through_it_over_tls() {
    let (cluster, ca_file) = Cluster::start_with_tls_nats(2);
    let untrusting = HubProcess::start_with(rail_tests::HubOptions {
        store: Some(cluster.store_url.clone()),
        nats: Some(cluster.nats.url()),
        ..rail_tests::HubOptions::new(cluster.dir.path().join("untrusting.sqlite3"))
    })
    .expect("a hub without the CA still starts");
    let unknown_config = cluster.dir.path().join("unknown.toml");
    std::fs::write(
        &unknown_config,
        format!("nats_ca = {:?}\n", ca_file.display().to_string()),
    )
    .expect("configuration file");
    let unknown = HubProcess::start_with(rail_tests::HubOptions {
        store: Some(cluster.store_url.clone()),
        nats: Some(cluster.nats.url()),
        config: Some(unknown_config),
        ..rail_tests::HubOptions::new(cluster.dir.path().join("unknown.sqlite3"))
    })
    .expect("a hub without a client certificate still starts");
    let pos = cluster.hubs[0].token("pos", &[]);
    let kds = cluster.hubs[0].token("kds", &["grill"]);
    let trusting = Listener::start(&cluster.hubs[1], &kds, "kds:grill").await;
    let refused = [
        Listener::start(&untrusting, &kds, "kds:grill").await,
        Listener::start(&unknown, &kds, "kds:grill").await,
    ];
    // Until the trusting hubs are connected, an event would come from the store.
    wait_for_nats(&cluster.hubs[1]).await;
    post_grill_orders(&cluster.hubs[0], &pos, 0..3).await;
    wait_for(
        "every hub's socket to get the orders",
        Duration::from_secs(5),
        || trusting.seqs().len() == 3 && refused.iter().all(|l| l.seqs().len() == 3),
    )
    .await;
    assert_eq!(trusting.seqs(), vec![1, 2, 3]);
    let received = cluster.hubs[1]
        .metric("rail_cluster_events_received_total")
        .await;
    assert!(
        received >= 3,
        "the orders crossed through NATS ({received})"
    );
    for (hub, listener, why) in [
        (
            &untrusting,
            &refused[0],
            "without the CA it refused the server",
        ),
        (
            &unknown,
            &refused[1],
            "without a certificate the server refused it",
        ),
    ] {
        assert_eq!(listener.seqs(), vec![1, 2, 3]);
        assert_eq!(
            hub.metric("rail_cluster_events_received_total").await,
            0,
            "{why}"
        );
        assert_eq!(hub.metric("rail_cluster_nats_connected").await, 0, "{why}");
        let swept = hub.metric("rail_cluster_events_swept_total").await;
        assert!(swept >= 3, "{swept} events read from the store");
    }
}

/// Two NATS servers routed as one NATS cluster, each hub given both: events cross
/// between hubs through NATS while both servers run, after the first is killed, and
/// after it is back and the second is killed; whichever server a hub was on, one of
/// the kills made it move to the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hubs_on_a_nats_cluster_carry_on_through_another_server_when_theirs_is_lost() {
    let mut cluster = Cluster::start_with_nats_cluster(2, 2);
    let pos = cluster.hubs[0].token("pos", &[]);
    let kds = cluster.hubs[0].token("kds", &["grill"]);
    let far = Listener::start(&cluster.hubs[1], &kds, "kds:grill").await;
    let mut posted = 0;
    for round in ["both servers", "the first killed", "the second killed"] {
        match round {
            "the first killed" => cluster.nats.kill(),
            "the second killed" => {
                cluster.nats.restart().expect("first NATS server back");
                cluster.more_nats[0].kill();
            }
            _ => {}
        }
        // Both hubs listen on the server left (whichever each was on before), or on
        // either while both run.
        let live: Vec<&TempNats> = match round {
            "the first killed" => vec![&cluster.more_nats[0]],
            "the second killed" => vec![&cluster.nats],
            _ => vec![&cluster.nats, &cluster.more_nats[0]],
        };
        wait_for_hubs_listening(&format!("{round}: both hubs listening on NATS"), &live, 2).await;
        let before = cluster.hubs[1]
            .metric("rail_cluster_events_received_total")
            .await;
        post_grill_orders(&cluster.hubs[0], &pos, posted..posted + 3).await;
        posted += 3;
        wait_for(round, Duration::from_secs(5), || far.seqs().len() == posted).await;
        let after = cluster.hubs[1]
            .metric("rail_cluster_events_received_total")
            .await;
        assert!(
            after >= before + 3,
            "{round}: the orders crossed through NATS ({before} → {after})"
        );
    }
    assert_eq!(far.seqs(), (1..=posted as u64).collect::<Vec<u64>>());
}

/// Posts one-item grill orders numbered `numbers` to `hub`, one after another.
async fn post_grill_orders(hub: &HubProcess, pos: &str, numbers: std::ops::Range<usize>) {
    for n in numbers {
        hub.post_order(pos, order_for(&n.to_string(), "grill", "Burger"))
            .await
            .expect("the hub takes the order");
    }
}

/// Waits until `hub` says it is connected to NATS.
async fn wait_for_nats(hub: &HubProcess) {
    eventually(
        "the hub to connect to NATS",
        Duration::from_secs(10),
        || async {
            match hub.metric("rail_cluster_nats_connected").await {
                1 => Ok(()),
                other => Err(format!("rail_cluster_nats_connected {other}")),
            }
        },
    )
    .await
    .expect("connected to NATS");
}

/// Waits until `hubs` clients of the NATS `servers`, together, listen on the hubs'
/// subject.
async fn wait_for_hubs_listening(what: &str, servers: &[&TempNats], hubs: usize) {
    eventually(what, Duration::from_secs(10), || async {
        let mut listening = 0;
        for server in servers {
            listening += hubs_listening_on(&server.monitor_url()).await?;
        }
        match listening {
            n if n == hubs => Ok(()),
            n => Err(anyhow::anyhow!("{n} of {hubs}")),
        }
    })
    .await
    .expect("the hubs listening");
}

/// How many clients of the NATS server whose monitor is at `monitor` listen on the
/// hubs' subject.
async fn hubs_listening_on(monitor: &str) -> anyhow::Result<usize> {
    let connections: serde_json::Value = reqwest::get(format!("{monitor}/connz?subs=1"))
        .await?
        .error_for_status()?
        .json()
        .await?;
    let listening = connections["connections"].as_array().map_or(0, |clients| {
        clients
            .iter()
            .filter(|client| {
                client["subscriptions_list"]
                    .as_array()
                    .is_some_and(|subjects| subjects.iter().any(|s| s == "rail.cluster"))
            })
            .count()
    });
    Ok(listening)
}

/// One idempotency key sent to two hubs at the same moment (a POS retrying on another
/// hub while the first still works on it): one order, and both answers are its.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_key_posted_to_two_hubs_at_once_makes_one_order() {
    let cluster = Cluster::start(2);
    let pos = cluster.hubs[0].token("pos", &[]);
    for round in 0..10 {
        let key = format!("twice-{round}");
        let order = order_for(&format!("{round}"), "grill", "Burger");
        let post = |hub: &HubProcess| {
            let request = hub
                .client()
                .post(format!("{}/api/orders", hub.url))
                .bearer_auth(&pos)
                .header("idempotency-key", &key)
                .json(&order);
            async move {
                let response = request.send().await.expect("answer");
                let status = response.status().as_u16();
                let body: serde_json::Value = response.json().await.expect("json");
                (status, body)
            }
        };
        let ((a, first), (b, second)) =
            tokio::join!(post(&cluster.hubs[0]), post(&cluster.hubs[1]));
        assert_eq!((a, b), (201, 201), "{first} / {second}");
        assert!(first["orderId"].is_string(), "{first}");
        assert_eq!(first["orderId"], second["orderId"]);
    }
    assert_eq!(cluster.hubs[1].count_orders(), 10, "one order per key");
}

/// A device removed on one hub is locked out of the others at once: its socket there
/// closes with 1008 and its token is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_removed_on_one_hub_is_shut_out_of_the_others() {
    let cluster = Cluster::start(2);
    let admin = cluster.hubs[0].token("admin", &[]);
    let token = cluster.hubs[0].device_token("kds", &["grill"], "grill-9");
    let mut socket = cluster.hubs[1].socket(Some(&token)).await;
    let (status, removed) = cluster.hubs[0]
        .request_json(
            reqwest::Method::DELETE,
            "/api/devices/grill-9",
            Some(&admin),
            None,
        )
        .await
        .expect("remove");
    assert_eq!(status, 200, "{removed}");
    let closed = tokio::time::timeout(Duration::from_secs(3), async {
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Close(frame) = message {
                return frame.map(|f| u16::from(f.code));
            }
        }
        None
    })
    .await
    .expect("the socket on the other hub closes");
    assert_eq!(closed, Some(1008));
    let (status, _) = cluster.hubs[1]
        .request_json(
            reqwest::Method::GET,
            "/api/stations/grill/tickets",
            Some(&token),
            None,
        )
        .await
        .expect("answer");
    assert_eq!(
        status, 401,
        "the other hub refuses the removed device's token"
    );
}

/// Every hub watches every ticket put on a station's rail, wherever it was posted and
/// wherever its screens are: a ticket a screen on one hub has raises nothing on the
/// other; a ticket no screen has is escalated once though both hubs watch it; and a
/// ticket whose hub is killed before the delay is over is still escalated, by the hub
/// left.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_ticket_on_no_screen_is_escalated_once_by_the_hubs_even_when_its_own_is_killed() {
    let mut cluster = Cluster::start_configured(2, "delivery_alert_secs = 2\n");
    wait_for_hubs_listening("both hubs listening on NATS", &[&cluster.nats], 2).await;
    let pos = cluster.hubs[0].token("pos", &[]);
    let mut grill = ScreenProcess::start(
        &cluster.hubs[1].url,
        &cluster.hubs[1].device_token("kds", &["grill"], "grill-1"),
        "grill",
        cluster.dir.path().join("grill-1.sqlite3"),
    );
    wait_for("the grill screen online", Duration::from_secs(20), || {
        grill.online()
    })
    .await;

    let seen = post_order_with_id(&cluster.hubs[0], &pos, "u70").await;
    wait_for(
        "the screen's hub to keep its proof",
        Duration::from_secs(10),
        || cluster.hubs[1].proven_tickets() == [seen.clone()],
    )
    .await;

    grill.kill();
    post_order_with_id(&cluster.hubs[0], &pos, "u71").await;
    wait_for("the alert", Duration::from_secs(10), || {
        cluster.hubs[1].count_events("order:u71", "kds:ticket-undelivered") > 0
    })
    .await;

    let received = cluster.hubs[1]
        .metric("rail_cluster_events_received_total")
        .await;
    post_order_with_id(&cluster.hubs[0], &pos, "u72").await;
    // Once the other hub has heard of the order (its notice is on its way as the POS
    // is answered), the hub that took it dies.
    eventually(
        "the other hub to hear of u72",
        Duration::from_secs(10),
        || async {
            let now = cluster.hubs[1]
                .metric("rail_cluster_events_received_total")
                .await;
            rail_tests::eventually::holds(now > received)
        },
    )
    .await
    .expect("heard");
    cluster.hubs[0].kill();
    wait_for(
        "the hub left to raise the alert",
        Duration::from_secs(10),
        || cluster.hubs[1].count_events("order:u72", "kds:ticket-undelivered") > 0,
    )
    .await;

    // Past the delay for every ticket, both hubs' sweeps having looked at each.
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let hub = &cluster.hubs[1];
    assert_eq!(hub.count_events("order:u70", "kds:ticket-undelivered"), 0);
    assert_eq!(
        hub.count_events("order:u71", "kds:ticket-undelivered"),
        1,
        "two hubs watched it, one raised it"
    );
    assert_eq!(hub.count_events("order:u72", "kds:ticket-undelivered"), 1);
}

/// Posts a one-item grill order with the id `id`; answers its ticket's id.
async fn post_order_with_id(hub: &HubProcess, pos: &str, id: &str) -> String {
    let mut order = order_for(&id[1..], "grill", "Burger");
    order["id"] = serde_json::Value::from(id);
    hub.post_order(pos, order).await.expect("order")[0]
        .id
        .clone()
}
