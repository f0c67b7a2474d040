//! Shared helpers for the hub's black-box tests: a real hub on a free port, tokens,
//! a REST client and WebSocket clients.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rail_hub::auth::{claims, Role};
use rail_hub::{Hub, HubConfig};
use rail_protocol::{ClientMessage, Control, Cursor, NewOrder, NewOrderItem, ServerMessage};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub struct TestHub {
    pub hub: Arc<Hub>,
    pub url: String,
    pub http: String,
    _dir: tempfile::TempDir,
    _postgres: Option<rail_hub::testing::TempPostgres>,
}

/// Which store the hub under test keeps its data in: SQLite unless
/// `RAIL_TEST_STORE=postgres`, when each hub gets a throwaway PostgreSQL server. The
/// test command runs these tests once with each.
pub fn postgres_wanted() -> bool {
    std::env::var("RAIL_TEST_STORE").is_ok_and(|store| store == "postgres")
}

/// A hub on the store the run asks for (see [`postgres_wanted`]), and what keeps the
/// store alive.
pub fn open_hub(
    config: HubConfig,
) -> (
    Arc<Hub>,
    tempfile::TempDir,
    Option<rail_hub::testing::TempPostgres>,
) {
    open_hub_on(config, postgres_wanted())
}

/// A hub on a throwaway PostgreSQL server whatever the run asks for.
pub async fn start_on_postgres(config: HubConfig) -> TestHub {
    serve(open_hub_on(config, true)).await
}

fn open_hub_on(
    config: HubConfig,
    postgres: bool,
) -> (
    Arc<Hub>,
    tempfile::TempDir,
    Option<rail_hub::testing::TempPostgres>,
) {
    // The hub's log, shown for a failing test (RUST_LOG picks the level).
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let dir = tempfile::tempdir().expect("tempdir");
    let secret = Some("test-secret".to_owned());
    if postgres {
        let server = rail_hub::testing::TempPostgres::start().expect("throwaway PostgreSQL");
        let url = server.new_database().expect("database");
        let hub = Hub::open_postgres(&url, config, secret).expect("hub");
        return (hub, dir, Some(server));
    }
    let hub = Hub::open(&dir.path().join("hub.sqlite3"), config, secret).expect("hub");
    (hub, dir, None)
}

pub async fn start(config: HubConfig) -> TestHub {
    serve(open_hub(config)).await
}

async fn serve(
    (hub, dir, postgres): (
        Arc<Hub>,
        tempfile::TempDir,
        Option<rail_hub::testing::TempPostgres>,
    ),
) -> TestHub {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("addr");
    let url = format!("ws://{address}/api/socket");
    let http = format!("http://{address}");
    tokio::spawn(rail_hub::run(listener, hub.clone(), std::future::pending()));
    TestHub {
        hub,
        url,
        http,
        _dir: dir,
        _postgres: postgres,
    }
}

impl TestHub {
    /// The hub's PostgreSQL server, when it has one.
    pub fn postgres(&self) -> Option<&rail_hub::testing::TempPostgres> {
        self._postgres.as_ref()
    }

    pub fn token(&self, role: Role, stations: &[&str]) -> String {
        let stations: Vec<String> = stations.iter().map(|s| (*s).to_owned()).collect();
        self.hub
            .authority
            .issue(&claims("loc", role, &stations, "test", 60))
            .expect("token")
    }

    pub async fn connect(&self, bearer: Option<&str>) -> Socket {
        let mut request = self.url.as_str().into_client_request().expect("request");
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

    pub fn post(&self, number: &str, station: &str) -> String {
        let who = claims("loc", Role::Pos, &[], "pos", 60);
        let order = NewOrder {
            employee_id: None,
            id: None,
            number: number.into(),
            table: None,
            guest: None,
            order_type: Default::default(),
            server: None,
            rush: false,
            notes: None,
            items: vec![NewOrderItem {
                seat: None,
                id: None,
                name: "Burger".into(),
                qty: 1,
                modifiers: vec![],
                notes: None,
                allergens: vec![],
                category: None,
                station: Some(station.into()),
                course: None,
                prep_secs: None,
            }],
            due_at_ms: None,
            source: None,
            placed_at_ms: None,
        };
        let mutation = self.hub.create_order(&who, None, &order).expect("order");
        let created: rail_protocol::OrderCreated =
            serde_json::from_str(&mutation.body).expect("body");
        created.tickets[0].id.clone()
    }
}

pub async fn send(socket: &mut Socket, message: &ClientMessage) {
    socket
        .send(Message::Text(
            serde_json::to_string(message).expect("encode").into(),
        ))
        .await
        .expect("send");
}

/// The next server message that is not a heartbeat.
pub async fn next(socket: &mut Socket) -> ServerMessage {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("timely message");
        match message.expect("open socket").expect("frame") {
            Message::Text(text) => {
                let parsed: ServerMessage = serde_json::from_str(&text).expect("server message");
                if !matches!(parsed, ServerMessage::Control(Control::Heartbeat { .. })) {
                    return parsed;
                }
            }
            Message::Close(frame) => panic!("closed: {frame:?}"),
            _ => {}
        }
    }
}

/// Waits for the close frame and returns its code.
pub async fn close_code(socket: &mut Socket) -> u16 {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("timely close");
        match message {
            Some(Ok(Message::Close(Some(frame)))) => return u16::from(frame.code),
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

pub fn subscribe(channel: &str, since: Option<Cursor>) -> ClientMessage {
    ClientMessage::Subscribe {
        channel: channel.into(),
        since,
    }
}

/// A REST call: returns status, JSON body (Null when empty) and whether the response
/// was an idempotent replay.
pub async fn call(
    hub: &TestHub,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<serde_json::Value>,
    idempotency_key: Option<&str>,
) -> (u16, serde_json::Value, bool) {
    let mut request = reqwest::Client::new().request(method, format!("{}{path}", hub.http));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    if let Some(key) = idempotency_key {
        request = request.header("idempotency-key", key);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let replayed = response.headers().contains_key("idempotent-replayed");
    let text = response.text().await.expect("body");
    let json = if text.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
    };
    (status, json, replayed)
}

/// A subscribed socket on `channel`, after its `subscribed` answer.
pub async fn watch(hub: &TestHub, token: &str, channel: &str) -> Socket {
    let mut socket = hub.connect(Some(token)).await;
    assert!(matches!(
        next(&mut socket).await,
        ServerMessage::Control(Control::Ready { .. })
    ));
    send(&mut socket, &subscribe(channel, None)).await;
    let answer = next(&mut socket).await;
    assert!(
        matches!(answer, ServerMessage::Control(Control::Subscribed { .. })),
        "{answer:?}"
    );
    socket
}

/// The next `count` events on a socket, as (type, envelope).
pub async fn events(socket: &mut Socket, count: usize) -> Vec<(String, rail_protocol::Envelope)> {
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        match next(socket).await {
            ServerMessage::Event(envelope) => {
                out.push((envelope.event.name().to_owned(), *envelope))
            }
            other => panic!("expected an event, got {other:?}"),
        }
    }
    out
}

/// Asserts no event arrives within a short while.
pub async fn quiet(socket: &mut Socket) {
    if let Ok(Some(Ok(Message::Text(text)))) =
        tokio::time::timeout(Duration::from_millis(150), socket.next()).await
    {
        assert!(text.contains("\"heartbeat\""), "unexpected message: {text}");
    }
}

/// The `subscribed` answer, unpacked.
pub struct Subscription {
    pub epoch: String,
    pub seq: u64,
    pub recovery: rail_protocol::Recovery,
    pub snapshot: Option<rail_protocol::Snapshot>,
}

/// Reads the next message, which must be a `subscribed` answer.
pub async fn subscribed(socket: &mut Socket) -> Subscription {
    match next(socket).await {
        ServerMessage::Control(Control::Subscribed {
            epoch,
            seq,
            recovery,
            snapshot,
            ..
        }) => Subscription {
            epoch,
            seq,
            recovery,
            snapshot,
        },
        other => panic!("expected subscribed, got {other:?}"),
    }
}

/// Connects with `token`, waits for `ready`, subscribes to `channel` from `since`.
pub async fn subscribe_from(
    hub: &TestHub,
    token: &str,
    channel: &str,
    since: Option<Cursor>,
) -> (Socket, Subscription) {
    let mut socket = hub.connect(Some(token)).await;
    assert!(matches!(
        next(&mut socket).await,
        ServerMessage::Control(Control::Ready { .. })
    ));
    send(&mut socket, &subscribe(channel, since)).await;
    let answer = subscribed(&mut socket).await;
    (socket, answer)
}
