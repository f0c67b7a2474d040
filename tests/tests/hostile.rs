//! The hub as a hostile client on the kitchen network finds it: black-box, through real
//! sockets and HTTP against a real `rail-hub` process. Every role against every kind
//! of channel; forged and odd tokens; every way the hub closes a socket, seen by a
//! common WebSocket client (tokio-tungstenite) that may still be sending; the metrics
//! endpoint; the modes of the files the hub writes; and a few answers a retry or a
//! mistake must get.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use base64::Engine as _;
use futures_util::{SinkExt, StreamExt};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rail_tests::{HubOptions, HubProcess};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::MaybeTlsStream;

use rail_tests::HubSocket as Socket;

const SECRET: &str = "hostile-test-secret-0123456789abcdef";
const WAIT: Duration = Duration::from_secs(10);

/// A hub with a known secret and tight limits, so each limit is quick to reach.
fn hub(dir: &std::path::Path) -> HubProcess {
    HubProcess::start_with(HubOptions {
        secret: Some(SECRET.into()),
        ..HubOptions::configured(
            dir,
            "auth_timeout_secs = 1\nmessages_per_minute = 20\noutbound_queue = 8\n",
        )
    })
    .expect("hub")
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Claims of a Rail device token, valid for an hour.
fn claims(role: &str, stations: &[&str]) -> Value {
    json!({ "sub": format!("hostile-{role}"), "loc": "demo", "role": role,
            "stations": stations, "iat": now(), "exp": now() + 3600 })
}

fn sign_with(claims: &Value, alg: Algorithm, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign")
}

fn sign(claims: &Value) -> String {
    sign_with(claims, Algorithm::HS256, SECRET)
}

fn b64(value: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}

/// Reads until the hub's close frame: its code and reason. A connection that ends
/// without one (a reset, an invalid frame) fails the test with what the client saw.
async fn close_frame<S, E>(stream: &mut S) -> (u16, String)
where
    S: futures_util::Stream<Item = Result<Message, E>> + Unpin,
    E: std::fmt::Display,
{
    loop {
        let message = tokio::time::timeout(WAIT, stream.next())
            .await
            .expect("the hub neither spoke nor closed");
        match message {
            Some(Ok(Message::Close(Some(frame)))) => {
                return (u16::from(frame.code), frame.reason.to_string())
            }
            Some(Ok(Message::Close(None))) => panic!("a close frame without a code"),
            Some(Ok(_)) => {}
            Some(Err(error)) => panic!("the connection ended without a close frame: {error}"),
            None => panic!("the connection ended without a close frame"),
        }
    }
}

fn assert_valid_close(what: &str, (code, reason): &(u16, String), expected: u16) {
    assert_eq!(*code, expected, "{what}: close code (reason {reason:?})");
    assert!(
        reason.len() <= 123,
        "{what}: a close reason of {} bytes makes an invalid frame",
        reason.len()
    );
}

/// The hub's answer to `subscribe channel`: `Ok` or the error code.
async fn subscribe(socket: &mut Socket, channel: &str) -> Result<(), String> {
    let frame = json!({ "type": "subscribe", "channel": channel }).to_string();
    socket.send(Message::text(frame)).await.expect("send");
    loop {
        let message = tokio::time::timeout(WAIT, socket.next())
            .await
            .expect("an answer")
            .expect("open")
            .expect("frame");
        let Ok(text) = message.to_text() else {
            continue;
        };
        let value: Value = serde_json::from_str(text).expect("json");
        if value["channel"] != channel {
            continue;
        }
        match value["type"].as_str() {
            Some("subscribed") => return Ok(()),
            Some("error") => return Err(value["code"].as_str().unwrap_or_default().to_owned()),
            _ => {}
        }
    }
}

async fn post_order(hub: &HubProcess, order: &Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{}/api/orders", hub.url))
        .bearer_auth(sign(&claims("pos", &[])))
        .json(order)
        .send()
        .await
        .expect("post");
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_reaches_exactly_its_channels() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = hub(dir.path());
    // The party seated at T9: its session's channel, and another that is not its own.
    let seated: Value = hub
        .client()
        .post(format!("{}/api/tables/T9/session", hub.url))
        .bearer_auth(hub.token("pos", &[]))
        .send()
        .await
        .expect("seat T9")
        .json()
        .await
        .expect("session");
    let party = seated["sessionId"].as_str().expect("session id").to_owned();
    let party_channel = format!("session:{party}");
    post_order(
        &hub,
        &json!({ "id": "o1", "number": "1", "table": "T9", "items": [
            { "name": "Burger", "station": "grill" }, { "name": "Fries", "station": "fry" } ] }),
    )
    .await;
    let channels = [
        "kds:grill",
        "kds:fry",
        "location:demo",
        "location:other",
        "order:o1",
        "table:T9",
        "board:demo",
        "board:other",
        "employee:e7",
        &party_channel,
        "session:another",
    ];
    // Written out here, not derived from the hub's table: this is what the protocol
    // promises, and the hub must do exactly this.
    let y = true;
    let n = false;
    let matrix: [(&str, &[&str], [bool; 11]); 9] = [
        ("pos", &[], [n, n, n, n, y, y, n, n, n, y, y]),
        ("pos", &["grill"], [y, n, n, n, y, y, n, n, n, y, y]),
        ("kds", &["grill"], [y, n, n, n, n, n, n, n, n, n, n]),
        ("kds", &["*"], [y, y, n, n, n, n, n, n, n, n, n]),
        ("expo", &[], [y, y, y, n, y, y, y, n, n, y, y]),
        ("admin", &[], [y, y, y, n, y, y, y, n, y, y, y]),
        ("operator", &[], [n, n, n, n, n, n, n, n, n, n, n]),
        ("board", &[], [n, n, n, n, n, n, y, n, n, n, n]),
        ("server", &[], [y, y, y, n, y, y, y, n, y, y, y]),
    ];
    for (role, stations, allowed) in matrix {
        let mut socket = hub.socket(Some(&sign(&claims(role, stations)))).await;
        for (channel, allowed) in channels.iter().zip(allowed) {
            let answer = subscribe(&mut socket, channel).await;
            let expected = if allowed {
                Ok(())
            } else {
                Err("FORBIDDEN".to_owned())
            };
            assert_eq!(
                answer, expected,
                "a {role} token with stations {stations:?} subscribing to {channel}"
            );
        }
    }
    // A staff handheld follows its own employee's channel, not a colleague's.
    for (employee, allowed) in [
        (Some("e7"), [n, n, n, n, n, n, n, n, y, n, n]),
        (Some("e8"), [n, n, n, n, n, n, n, n, n, n, n]),
        (None, [n, n, n, n, n, n, n, n, n, n, n]),
    ] {
        let mut staff = claims("staff", &[]);
        if let Some(employee) = employee {
            staff["employee"] = json!(employee);
        }
        let mut socket = hub.socket(Some(&sign(&staff))).await;
        for (channel, allowed) in channels.iter().zip(allowed) {
            let answer = subscribe(&mut socket, channel).await;
            assert_eq!(
                answer.is_ok(),
                allowed,
                "staff of {employee:?} subscribing to {channel}: {answer:?}"
            );
        }
    }
    // A guest's token opens its own order, or its own party's stay at a table, and
    // nothing else (not the table, which every party shares); one naming neither opens
    // nothing at all.
    for (order, session, allowed) in [
        (Some("o1"), None, [n, n, n, n, y, n, n, n, n, n, n]),
        (Some("o2"), None, [n, n, n, n, n, n, n, n, n, n, n]),
        (
            None,
            Some(party.as_str()),
            [n, n, n, n, n, n, n, n, n, y, n],
        ),
        (None, Some("another"), [n, n, n, n, n, n, n, n, n, n, n]),
        (None, None, [n, n, n, n, n, n, n, n, n, n, n]),
    ] {
        let mut guest = claims("guest", &[]);
        if let Some(order) = order {
            guest["order"] = json!(order);
        }
        if let Some(session) = session {
            guest["session"] = json!(session);
        }
        let token = sign(&guest);
        let mut socket = hub.socket(Some(&token)).await;
        for (channel, allowed) in channels.iter().zip(allowed) {
            let answer = subscribe(&mut socket, channel).await;
            assert_eq!(
                answer.is_ok(),
                allowed,
                "a guest of {order:?} / {session:?} subscribing to {channel}: {answer:?}"
            );
        }
        // Nor does it reach anything through REST.
        let client = reqwest::Client::new();
        for (method, path) in [
            ("GET", "/api/orders/o1"),
            ("GET", "/api/tickets/o1:grill"),
            ("GET", "/api/stations/grill/tickets"),
            ("POST", "/api/tickets/o1:grill/bump"),
            ("POST", "/api/orders/o1/guest-link"),
            ("POST", "/api/tables/T9/session"),
            ("GET", "/api/tables/T9/session"),
            ("DELETE", "/api/tables/T9/session"),
            ("GET", "/api/reports/service"),
            ("GET", "/api/record/grill/timeline"),
            ("GET", "/api/devices"),
        ] {
            let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
            let status = client
                .request(method.clone(), format!("{}{path}", hub.url))
                .bearer_auth(&token)
                .send()
                .await
                .expect("request")
                .status()
                .as_u16();
            assert!(
                status == 403 || status == 401,
                "a guest token got {status} for {method} {path}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_odd_tokens_are_refused_in_the_hubs_own_words() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = hub(dir.path());
    let good = claims("kds", &["grill"]);
    let valid = sign(&good);
    let (header, _, signature) = {
        let mut parts = valid.split('.');
        (
            parts.next().unwrap_or_default().to_owned(),
            parts.next().unwrap_or_default().to_owned(),
            parts.next().unwrap_or_default().to_owned(),
        )
    };
    let with = |change: Value| {
        let mut claims = good.clone();
        for (key, value) in change.as_object().into_iter().flatten() {
            claims[key] = value.clone();
        }
        claims
    };
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "alg none",
            format!(
                "{}.{}.",
                b64(&json!({"alg": "none", "typ": "JWT"})),
                b64(&good)
            ),
            "HS256",
        ),
        (
            "alg none, a long payload",
            format!(
                "{}.{}.",
                b64(&json!({"alg": "none", "typ": "JWT", "kid": "x".repeat(300)})),
                b64(&good)
            ),
            "HS256",
        ),
        (
            "another algorithm, same secret",
            sign_with(&good, Algorithm::HS512, SECRET),
            "HS256",
        ),
        (
            "RS256 header",
            format!(
                "{}.{}.{signature}",
                b64(&json!({"alg": "RS256", "typ": "JWT"})),
                b64(&good)
            ),
            "HS256",
        ),
        (
            "wrong key",
            sign_with(&good, Algorithm::HS256, "another-secret"),
            "signature",
        ),
        (
            "tampered claims",
            format!(
                "{header}.{}.{signature}",
                b64(&with(json!({"role": "admin"})))
            ),
            "signature",
        ),
        (
            "expired",
            sign(&with(json!({"exp": now() - 3600}))),
            "expired",
        ),
        (
            "not valid before an hour from now",
            sign(&with(json!({"nbf": now() + 3600}))),
            "not valid yet",
        ),
        (
            "issued an hour from now",
            sign(&with(json!({"iat": now() + 3600}))),
            "issued in the future",
        ),
        (
            "unknown role",
            sign(&with(json!({"role": "root"}))),
            "not a Rail device token",
        ),
        (
            "no subject",
            sign(&json!({"loc": "demo", "role": "kds", "exp": now() + 60})),
            "not a Rail device token",
        ),
        ("not a token", "abc".to_owned(), "malformed"),
    ];
    let client = reqwest::Client::new();
    for (name, token, words) in &cases {
        let response = client
            .get(format!("{}/api/stations/grill/tickets", hub.url))
            .bearer_auth(token)
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), 401, "{name}: REST status");
        let problem: Value = response.json().await.expect("problem json");
        let detail = problem["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(words), "{name}: REST said {detail:?}");
        for internal in ["JSON", "Base64", "Error(", "variant"] {
            assert!(
                !detail.contains(internal),
                "{name}: REST echoes a library's words: {detail:?}"
            );
        }
        let mut socket = hub.socket(Some(token)).await;
        let close = close_frame(&mut socket).await;
        assert_valid_close(name, &close, 1008);
        assert!(close.1.contains(words), "{name}: socket said {:?}", close.1);
    }
    // The same refusal through the first-message `auth` path.
    let mut socket = hub.socket(None).await;
    let auth = json!({"type": "auth", "token": cases[1].1}).to_string();
    socket.send(Message::text(auth)).await.expect("send");
    assert_valid_close("auth message", &close_frame(&mut socket).await, 1008);

    // And the control: a good token, with a past `nbf`, is let in.
    let fine = sign(&with(json!({"nbf": now() - 60})));
    let response = client
        .get(format!("{}/api/stations/grill/tickets", hub.url))
        .bearer_auth(&fine)
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 200);
    let mut socket = hub.socket(Some(&fine)).await;
    assert_eq!(subscribe(&mut socket, "kds:grill").await, Ok(()));
}

/// Sends `frame` over and over until the socket closes, reading at the same time, as
/// a client still sending when the hub gives up on it; returns the close frame.
async fn close_while_sending(socket: Socket, frame: Message) -> (u16, String) {
    let (mut sink, mut stream) = socket.split();
    let sender = tokio::spawn(async move {
        for _ in 0..10_000 {
            if sink.send(frame.clone()).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    });
    let close = close_frame(&mut stream).await;
    sender.abort();
    close
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_close_path_ends_with_a_valid_close_frame() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut hub = hub(dir.path());
    let token = sign(&claims("kds", &["grill"]));

    let mut silent = hub.socket(None).await;
    assert_valid_close("no auth in time", &close_frame(&mut silent).await, 1008);

    let mut rude = hub.socket(None).await;
    rude.send(Message::text(r#"{"type":"ping"}"#))
        .await
        .expect("send");
    assert_valid_close(
        "first message not auth",
        &close_frame(&mut rude).await,
        1008,
    );

    // Past twice the rate limit, still sending.
    let flood = hub.socket(Some(&token)).await;
    let close = close_while_sending(flood, Message::text(r#"{"type":"ping"}"#)).await;
    assert_valid_close("message flood", &close, 1008);

    // A message over the limit, and more behind it.
    let big = hub.socket(Some(&token)).await;
    let close = close_while_sending(big, Message::text("x".repeat(100 * 1024))).await;
    assert_valid_close("oversized message", &close, 1009);

    // A text frame that is not UTF-8.
    let mut garbled = hub.socket(Some(&token)).await;
    let frame = Frame::message(vec![0xff, 0xfe, 0x80], OpCode::Data(Data::Text), true);
    garbled.send(Message::Frame(frame)).await.expect("send");
    assert_valid_close("invalid UTF-8", &close_frame(&mut garbled).await, 1007);

    // A screen that stops reading while its station is busy: once the socket's
    // buffers and its queue are full, the hub drops it from the station (its
    // subscription count falls to 0); when it reads again, it gets what was sent and
    // then the close.
    let mut slow = slow_reader(&hub, &token).await;
    let item = |n: usize| {
        json!({ "name": format!("{n} {}", "x".repeat(190)), "station": "grill",
                                  "modifiers": ["m".repeat(200), "n".repeat(200)], "notes": "z".repeat(200) })
    };
    let operator = sign(&claims("operator", &[]));
    let mut posted = 0;
    loop {
        let items: Vec<Value> = (0..120).map(item).collect();
        post_order(
            &hub,
            &json!({ "id": format!("big{posted}"), "number": posted.to_string(), "items": items }),
        )
        .await;
        posted += 1;
        let metrics = reqwest::Client::new()
            .get(format!("{}/metrics", hub.url))
            .bearer_auth(&operator)
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics");
        if metrics.contains("rail_subscriptions{kind=\"kds\"}") {
            assert!(posted < 300, "the slow screen was never cut off");
            continue;
        }
        break;
    }
    let close = close_frame(&mut slow).await;
    assert_valid_close("slow consumer", &close, 1013);

    // The hub shutting down.
    let mut watching = hub.socket(Some(&token)).await;
    assert_eq!(subscribe(&mut watching, "kds:grill").await, Ok(()));
    hub.terminate();
    assert_valid_close("hub shutdown", &close_frame(&mut watching).await, 1001);
}

/// A socket subscribed to `kds:grill` with a tiny receive buffer, read by nobody.
async fn slow_reader(hub: &HubProcess, token: &str) -> Socket {
    let address: std::net::SocketAddr = hub.address().parse().expect("address");
    let tcp = tokio::net::TcpSocket::new_v4().expect("socket");
    tcp.set_recv_buffer_size(4096).expect("buffer");
    let stream = tcp.connect(address).await.expect("connect");
    let url = format!("{}/api/socket", hub.url.replacen("http", "ws", 1));
    let mut request = url.into_client_request().expect("request");
    let value = HeaderValue::from_str(&format!("Bearer {token}")).expect("header");
    request.headers_mut().insert("authorization", value);
    let (mut socket, _) = tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(stream))
        .await
        .expect("handshake");
    assert_eq!(subscribe(&mut socket, "kds:grill").await, Ok(()));
    socket
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_fields_are_refused_inside_since_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = hub(dir.path());
    let mut socket = hub.socket(Some(&sign(&claims("kds", &["grill"])))).await;
    let frame = json!({ "type": "subscribe", "channel": "kds:grill",
                        "since": { "epoch": "e", "seq": 1, "extra": true } });
    socket
        .send(Message::text(frame.to_string()))
        .await
        .expect("send");
    loop {
        let message = tokio::time::timeout(WAIT, socket.next())
            .await
            .expect("answer")
            .expect("open")
            .expect("frame");
        let value: Value = serde_json::from_str(message.to_text().expect("text")).expect("json");
        match value["type"].as_str() {
            Some("ready") => continue,
            Some("error") => {
                assert_eq!(value["code"], "INVALID_MESSAGE");
                return;
            }
            other => panic!("expected INVALID_MESSAGE, got {other:?}: {value}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_for_operators_and_name_no_restaurant_order_or_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = hub(dir.path());
    post_order(
        &hub,
        &json!({ "id": "secret-order", "number": "7", "table": "T4", "items": [{ "name": "Soup", "station": "grill" }] }),
    )
    .await;
    let mut watching = hub.socket(Some(&sign(&claims("expo", &[])))).await;
    assert_eq!(subscribe(&mut watching, "order:secret-order").await, Ok(()));
    let client = reqwest::Client::new();
    let get = |token: Option<String>| {
        let mut request = client.get(format!("{}/metrics", hub.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let anonymous = get(None).await.expect("get");
    assert_eq!(anonymous.status(), 401);
    let screen = get(Some(sign(&claims("kds", &["grill"]))))
        .await
        .expect("get");
    assert_eq!(screen.status(), 403);
    let operator = get(Some(sign(&claims("operator", &[]))))
        .await
        .expect("get");
    assert_eq!(operator.status(), 200);
    let text = operator.text().await.expect("text");
    assert!(
        text.contains("rail_subscriptions{kind=\"order\"} 1"),
        "{text}"
    );
    for tenant in ["demo", "secret-order", "T4"] {
        assert!(!text.contains(tenant), "/metrics names {tenant:?}:\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_keeps_its_secret_and_database_private() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("var-lib-rail");
    let hub = HubProcess::start_with(HubOptions::new(data.join("hub.sqlite3"))).expect("hub");
    // A token signs with the secret the hub stored in its database.
    let token = hub.token("pos", &[]);
    hub.post_order(&token, rail_tests::order_for("1", "grill", "Dish"))
        .await
        .expect("order");
    let mode = |path: &std::path::Path| {
        std::fs::metadata(path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(&data), 0o700, "the data directory");
    let mut files = 0;
    for entry in std::fs::read_dir(&data).expect("read dir") {
        let path = entry.expect("entry").path();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
        files += 1;
    }
    assert!(files >= 2, "the database and its WAL");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mistakes_and_retries_get_documented_answers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = hub(dir.path());
    let client = reqwest::Client::new();
    let pos = sign(&claims("pos", &[]));
    let huge = json!({ "number": "1", "notes": "x".repeat(300 * 1024), "items": [] });
    let response = client
        .post(format!("{}/api/orders", hub.url))
        .bearer_auth(&pos)
        .json(&huge)
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 413);
    let problem: Value = response.json().await.expect("problem json");
    assert_eq!(problem["code"], "PAYLOAD_TOO_LARGE");

    post_order(
        &hub,
        &json!({ "id": "o2", "number": "2", "items": [
            { "id": "a", "name": "Steak", "station": "grill" },
            { "id": "b", "name": "Chop", "station": "grill" } ] }),
    )
    .await;
    let screen = sign(&claims("kds", &["grill"]));
    let bump = |item: &'static str| {
        client
            .post(format!(
                "{}/api/tickets/o2:grill/items/{item}/bump",
                hub.url
            ))
            .bearer_auth(&screen)
            .send()
    };
    for item in ["a", "b"] {
        let first = bump(item).await.expect("bump");
        assert_eq!(first.status(), 200, "first bump of {item}");
    }
    // Item b was the ticket's last: retrying either answers the same way.
    for item in ["a", "b"] {
        let again = bump(item).await.expect("bump");
        assert_eq!(again.status(), 200, "retried bump of {item}");
        let result: Value = again.json().await.expect("json");
        assert_eq!(
            result["outcome"], "already-bumped",
            "retried bump of {item}"
        );
    }
}
