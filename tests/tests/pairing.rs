//! Pairing, short-lived access tokens and revocation, with real processes: a hub, and
//! `rail-headless` screens that start with no credentials at all.

use std::path::Path;
use std::time::{Duration, Instant};

use rail_tests::eventually::{eventually, holds};
use rail_tests::screen::{Outcome, ScreenProcess};
use rail_tests::{order_for, HubOptions, HubProcess};
use serde_json::{json, Value};

/// Access tokens live this long here, so a test sees several renewals.
const TOKEN_TTL_SECS: u64 = 2;

fn hub(dir: &Path, extra: &str) -> HubProcess {
    HubProcess::start_with(HubOptions {
        heartbeat_secs: 1,
        ..HubOptions::configured(
            dir,
            &format!("access_token_ttl_secs = {TOKEN_TTL_SECS}\n{extra}"),
        )
    })
    .expect("hub")
}

async fn call(
    method: reqwest::Method,
    url: String,
    bearer: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new().request(method, url);
    if let Some(bearer) = bearer {
        request = request.bearer_auth(bearer);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn get(hub: &HubProcess, path: &str, bearer: Option<&str>) -> (u16, Value) {
    call(
        reqwest::Method::GET,
        format!("{}{path}", hub.url),
        bearer,
        None,
    )
    .await
}

async fn post(hub: &HubProcess, path: &str, bearer: Option<&str>, body: Value) -> (u16, Value) {
    call(
        reqwest::Method::POST,
        format!("{}{path}", hub.url),
        bearer,
        Some(body),
    )
    .await
}

/// The code a pairing screen printed.
async fn code_of(screen: &ScreenProcess) -> String {
    eventually(
        "the screen shows a pairing code",
        Duration::from_secs(20),
        || async {
            let said = screen.said();
            let code = said.iter().find_map(|line| line.strip_prefix("pair code "));
            code.map(str::to_owned)
                .ok_or_else(|| anyhow::anyhow!("no code yet; said {said:?}"))
        },
    )
    .await
    .expect("pairing code")
}

fn shows(screen: &ScreenProcess, number: &str) -> bool {
    screen.state()["tickets"]
        .as_array()
        .is_some_and(|tickets| tickets.iter().any(|t| t["orderNumber"] == number))
}

fn link(screen: &ScreenProcess) -> String {
    screen.state()["connection"]["state"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_screen_pairs_by_code_renews_its_tokens_and_stops_when_removed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = hub(dir.path(), "");
    let admin = hub.token("admin", &[]);
    let pos = hub.token("pos", &[]);
    let device_file = dir.path().join("screen/device.json");
    let mut screen = ScreenProcess::pairing(
        &hub.url,
        "line-pc-1",
        &device_file,
        dir.path().join("screen.sqlite3"),
    );

    // The manager sees the request with the screen's code and name, and approves it.
    let code = code_of(&screen).await;
    assert_eq!(code.len(), 6, "{code}");
    let (status, waiting) = get(&hub, "/api/pair", Some(&admin)).await;
    assert_eq!(status, 200, "{waiting}");
    assert_eq!(waiting[0]["code"], code.as_str(), "{waiting}");
    assert_eq!(waiting[0]["name"], "line-pc-1");
    assert_eq!(waiting[0]["address"], "127.0.0.1");
    let (status, device) = post(
        &hub,
        "/api/pair/approve",
        Some(&admin),
        json!({ "code": format!("{} {}", &code[..3], &code[3..]), "name": "Grill left", "role": "kds", "stations": ["grill"] }),
    )
    .await;
    assert_eq!(status, 201, "{device}");
    let device_id = device["id"].as_str().expect("device id").to_owned();
    // Approved once: the code is no longer waiting, and cannot be approved twice.
    let (_, waiting) = get(&hub, "/api/pair", Some(&admin)).await;
    assert_eq!(waiting, json!([]));
    let (status, again) = post(
        &hub,
        "/api/pair/approve",
        Some(&admin),
        json!({ "code": code, "name": "Grill right", "role": "kds", "stations": ["grill"] }),
    )
    .await;
    assert_eq!(
        (status, again["code"].as_str()),
        (409, Some("CONFLICT")),
        "{again}"
    );

    // The screen collects its credentials (kept private) and follows the grill.
    eventually("the screen is online", Duration::from_secs(20), || async {
        holds(screen.online())
    })
    .await
    .expect("online after pairing");
    assert!(screen
        .said()
        .iter()
        .any(|l| l.starts_with("paired as \"Grill left\" (kds)")));
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(&device_file).expect("device file"))
            .expect("json");
    assert_eq!(saved["deviceId"], device_id.as_str());
    assert_eq!(saved["stations"], json!(["grill"]));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&device_file)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the device file holds a secret");
    }
    hub.post_order(&pos, order_for("101", "grill", "Burger"))
        .await
        .expect("order");
    hub.post_order(&pos, order_for("102", "fry", "Fries"))
        .await
        .expect("order");
    eventually("grill's ticket shown", Duration::from_secs(10), || async {
        holds(shows(&screen, "101"))
    })
    .await
    .expect("grill ticket");
    assert!(!shows(&screen, "102"), "a grill screen shows fry's ticket");

    // Past several token lifetimes, the link stayed up and a bump still lands: the
    // screen renewed its token without anyone noticing.
    tokio::time::sleep(Duration::from_secs(TOKEN_TTL_SECS * 2 + 1)).await;
    assert_eq!(link(&screen), "online");
    let ticket = screen.open()[0].0.clone();
    screen.command(&format!("bump {ticket}"));
    eventually(
        "the bump reaches the hub",
        Duration::from_secs(10),
        || async {
            let at_hub = hub.ticket(&admin, &ticket).await?;
            anyhow::ensure!(
                at_hub.status == rail_protocol::TicketStatus::Bumped,
                "still {:?}",
                at_hub.status
            );
            anyhow::Ok(())
        },
    )
    .await
    .expect("bump after token renewals");

    // The device list shows it online, with where it came from and its version.
    let (status, devices) = get(&hub, "/api/devices", Some(&admin)).await;
    assert_eq!(status, 200, "{devices}");
    let listed = devices
        .as_array()
        .and_then(|all| all.iter().find(|d| d["id"] == device_id.as_str()))
        .expect("the paired device is listed");
    assert_eq!(listed["name"], "Grill left");
    assert_eq!(listed["connections"], 1, "{listed}");
    assert_eq!(listed["address"], "127.0.0.1");
    assert!(listed["appVersion"].is_string(), "{listed}");
    assert!(listed["lastSeenMs"].is_i64(), "{listed}");

    // An access token as the screen holds one, to try after the revocation.
    let secret = saved["secret"].as_str().expect("secret");
    let (status, access) = post(
        &hub,
        "/api/token",
        None,
        json!({ "deviceId": device_id, "secret": secret }),
    )
    .await;
    assert_eq!(status, 200, "{access}");
    let access_token = access["token"].as_str().expect("token").to_owned();
    assert_eq!(access["stations"], json!(["grill"]));

    // Removed: the screen says so within a second, and nothing it holds works.
    let revoked_at = Instant::now();
    let (status, revoked) = call(
        reqwest::Method::DELETE,
        format!("{}/api/devices/{device_id}", hub.url),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, 200, "{revoked}");
    assert!(revoked["revokedAtMs"].is_i64(), "{revoked}");
    eventually(
        "the screen says it was removed",
        Duration::from_secs(5),
        || async { holds(link(&screen) == "removed") },
    )
    .await
    .expect("removed");
    let took = revoked_at.elapsed();
    assert!(
        took < Duration::from_secs(1),
        "the screen heard of its removal after {took:?}"
    );
    let detail = screen.state()["connection"]["detail"].clone();
    assert!(
        detail.as_str().is_some_and(|d| d.contains("pair it again")),
        "{detail}"
    );
    let (status, refused) = get(&hub, "/api/stations/grill/tickets", Some(&access_token)).await;
    assert_eq!(
        status, 401,
        "an issued token outlives its device's removal: {refused}"
    );
    let (status, refused) = post(
        &hub,
        "/api/token",
        None,
        json!({ "deviceId": device_id, "secret": secret }),
    )
    .await;
    assert_eq!(
        (status, refused["code"].clone()),
        (401, json!("DEVICE_REVOKED"))
    );
    let (_, devices) = get(&hub, "/api/devices", Some(&admin)).await;
    assert_eq!(devices[0]["connections"], 0, "{devices}");
    screen.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reassigned_screen_follows_its_new_station_and_a_long_outage_needs_no_repairing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut hub = hub(dir.path(), "");
    let admin = hub.token("admin", &[]);
    let pos = hub.token("pos", &[]);
    let device_file = dir.path().join("device.json");
    let mut screen = ScreenProcess::pairing(
        &hub.url,
        "line-pc-2",
        &device_file,
        dir.path().join("screen.sqlite3"),
    );
    let code = code_of(&screen).await;
    let (status, device) = post(
        &hub,
        "/api/pair/approve",
        Some(&admin),
        json!({ "code": code, "name": "Line 2", "role": "kds", "stations": ["grill"] }),
    )
    .await;
    assert_eq!(status, 201, "{device}");
    let device_id = device["id"].as_str().expect("id").to_owned();
    eventually("online", Duration::from_secs(20), || async {
        holds(screen.online())
    })
    .await
    .expect("online");

    // Moved to fry: the screen reconnects with a token for fry and shows its tickets.
    let (status, changed) = call(
        reqwest::Method::PATCH,
        format!("{}/api/devices/{device_id}", hub.url),
        Some(&admin),
        Some(json!({ "stations": ["fry"] })),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    hub.post_order(&pos, order_for("201", "fry", "Fries"))
        .await
        .expect("order");
    eventually(
        "fry's ticket shown after the move",
        Duration::from_secs(15),
        || async { holds(shows(&screen, "201")) },
    )
    .await
    .expect("fry after reassignment");

    // The hub is down for longer than an access token lives; when it is back, the
    // screen trades its secret for a new token and resumes by itself.
    hub.kill();
    tokio::time::sleep(Duration::from_secs(TOKEN_TTL_SECS * 2 + 1)).await;
    hub.restart().expect("hub back");
    hub.post_order(&pos, order_for("202", "fry", "Onion rings"))
        .await
        .expect("order");
    eventually(
        "the screen resumed after the outage",
        Duration::from_secs(20),
        || async { holds(screen.online() && shows(&screen, "202")) },
    )
    .await
    .expect("resumed");
    screen.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pairing_refuses_strangers_mistakes_and_floods_in_plain_words() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = hub(dir.path(), "pairing_ttl_secs = 3\n");
    let admin = hub.token("admin", &[]);
    let kds = hub.token("kds", &["grill"]);

    let (status, ticket) = post(&hub, "/api/pair", None, json!({ "name": "screen" })).await;
    assert_eq!(status, 201, "{ticket}");
    let request = ticket["requestId"].as_str().expect("id").to_owned();
    let code = ticket["code"].as_str().expect("code").to_owned();
    let path = format!("/api/pair/{request}");

    // Only the poll secret sees the outcome.
    let (status, _) = get(&hub, &path, Some("not-the-secret")).await;
    assert_eq!(status, 401);
    let (status, _) = get(&hub, &path, None).await;
    assert_eq!(status, 401);
    let (status, pending) = get(&hub, &path, ticket["pollSecret"].as_str()).await;
    assert_eq!((status, pending["status"].clone()), (200, json!("pending")));

    // Only the manager approves, and only what makes sense.
    let approve = |code: &str, role: &str, stations: Value, name: &str| json!({ "code": code, "name": name, "role": role, "stations": stations });
    let cases = [
        (
            Some(kds.as_str()),
            approve(&code, "kds", json!(["grill"]), "x"),
            403,
            "FORBIDDEN",
        ),
        (
            None,
            approve(&code, "kds", json!(["grill"]), "x"),
            401,
            "UNAUTHORIZED",
        ),
        (
            Some(admin.as_str()),
            approve("000000x", "kds", json!(["grill"]), "x"),
            404,
            "NOT_FOUND",
        ),
        (
            Some(admin.as_str()),
            approve(&code, "kds", json!([]), "x"),
            422,
            "INVALID",
        ),
        (
            Some(admin.as_str()),
            approve(&code, "admin", json!([]), "x"),
            422,
            "INVALID",
        ),
        (
            Some(admin.as_str()),
            approve(&code, "kds", json!(["grill", "grill"]), "x"),
            422,
            "INVALID",
        ),
        (
            Some(admin.as_str()),
            approve(&code, "kds", json!(["no such/station"]), "x"),
            422,
            "INVALID",
        ),
        (
            Some(admin.as_str()),
            approve(&code, "kds", json!(["grill"]), "  "),
            422,
            "INVALID",
        ),
        (
            Some(admin.as_str()),
            approve(&code, "chef", json!(["grill"]), "x"),
            422,
            "INVALID",
        ),
    ];
    for (bearer, body, expected, expected_code) in cases {
        let (status, problem) = post(&hub, "/api/pair/approve", bearer, body.clone()).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (expected, Some(expected_code)),
            "{body} → {problem}"
        );
        assert!(
            problem["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{problem}"
        );
    }
    let (status, problem) = get(&hub, "/api/devices", Some(&kds)).await;
    assert_eq!(status, 403, "{problem}");
    let (status, problem) = post(
        &hub,
        "/api/token",
        None,
        json!({ "deviceId": "nobody", "secret": "x" }),
    )
    .await;
    assert_eq!(status, 401, "{problem}");
    let (status, problem) = post(&hub, "/api/pair", None, json!({ "name": "" })).await;
    assert_eq!(status, 422, "{problem}");

    // A stranger cannot make the hub keep an endless queue of requests.
    let mut refused = None;
    for n in 0..40 {
        let (status, answer) = post(
            &hub,
            "/api/pair",
            None,
            json!({ "name": format!("flood {n}") }),
        )
        .await;
        if status != 201 {
            refused = Some((n, status, answer));
            break;
        }
    }
    let (n, status, answer) = refused.expect("the flood was refused");
    assert_eq!(
        (status, answer["code"].as_str()),
        (429, Some("TOO_MANY_PAIRINGS")),
        "{answer}"
    );
    assert_eq!(
        n, 31,
        "32 waiting requests are allowed, the first one included"
    );

    // A code lasts as configured; after that, the screen is told to ask again.
    tokio::time::sleep(Duration::from_millis(3200)).await;
    let (status, expired) = get(&hub, &path, ticket["pollSecret"].as_str()).await;
    assert_eq!(
        (status, expired["code"].as_str()),
        (410, Some("PAIRING_EXPIRED")),
        "{expired}"
    );
    let (status, _) = post(
        &hub,
        "/api/pair",
        None,
        json!({ "name": "after the flood" }),
    )
    .await;
    assert_eq!(status, 201, "expired requests no longer count");
}

/// A client that trusts `ca_pem` alone, as a paired screen does.
fn trusting(ca_pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(ca_pem.as_bytes()).expect("CA")])
        .build()
        .expect("client")
}

fn tls_hub(dir: &Path) -> HubProcess {
    HubProcess::start_with(HubOptions {
        tls: true,
        ..HubOptions::new(dir.join("hub.sqlite3"))
    })
    .expect("TLS hub")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_tls_a_paired_screen_trusts_its_own_hubs_ca_and_nothing_else() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = tls_hub(&dir.path().join("hub"));
    assert!(hub.url.starts_with("https://"), "{}", hub.url);
    let ca = hub.ca_pem().expect("the hub made its CA");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let tls_dir = dir.path().join("hub/tls");
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&tls_dir), 0o700);
        assert_eq!(
            mode(&tls_dir.join("ca.key")),
            0o600,
            "the CA key is the hub's alone"
        );
    }

    // The hub's certificate verifies against its own CA, and against nothing public.
    let strict = trusting(&ca);
    let health = strict
        .get(format!("{}/healthz", hub.url))
        .send()
        .await
        .expect("verified against the hub's CA");
    assert_eq!(health.status(), 200);
    let public = reqwest::Client::new()
        .get(format!("{}/healthz", hub.url))
        .send()
        .await;
    assert!(
        public.is_err(),
        "a public CA vouched for the hub's own certificate"
    );
    // No plain HTTP or WS on the hub's port.
    let plain = hub.url.replacen("https://", "http://", 1);
    let answer = reqwest::Client::new()
        .get(format!("{plain}/healthz"))
        .send()
        .await;
    assert!(
        answer.as_ref().map_or(true, |r| r.status() != 200),
        "plain HTTP answered: {answer:?}"
    );
    let ws = format!("{}/api/socket", hub.url.replacen("https://", "ws://", 1));
    let socket = tokio::time::timeout(Duration::from_secs(5), tokio_tungstenite::connect_async(ws))
        .await
        .expect("refused in time");
    assert!(socket.is_err(), "plain WS was accepted");

    // Pairing over HTTPS: the screen shows the same fingerprint as the hub, and ends up
    // on WSS trusting only the hub's CA.
    let admin = hub.token("admin", &[]);
    let pos = hub.token("pos", &[]);
    let device_file = dir.path().join("device.json");
    let mut screen = ScreenProcess::pairing(
        &hub.url,
        "tls-screen",
        &device_file,
        dir.path().join("screen.sqlite3"),
    );
    let code = code_of(&screen).await;
    let fingerprint = hub.fingerprint().expect("announced fingerprint");
    eventually(
        "the screen shows the hub's fingerprint",
        Duration::from_secs(5),
        || async {
            holds(
                screen
                    .said()
                    .contains(&format!("hub fingerprint {fingerprint}")),
            )
        },
    )
    .await
    .expect("fingerprint on the screen");
    let approved = strict
        .post(format!("{}/api/pair/approve", hub.url))
        .bearer_auth(&admin)
        .json(&json!({ "code": code, "name": "TLS grill", "role": "kds", "stations": ["grill"] }))
        .send()
        .await
        .expect("approve");
    assert_eq!(approved.status(), 201);
    eventually("online over WSS", Duration::from_secs(20), || async {
        holds(screen.online())
    })
    .await
    .expect("online");
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(&device_file).expect("device file"))
            .expect("json");
    assert_eq!(
        saved["caPem"].as_str(),
        Some(ca.as_str()),
        "the screen keeps the hub's CA"
    );
    let created = strict
        .post(format!("{}/api/orders", hub.url))
        .bearer_auth(&pos)
        .json(&order_for("301", "grill", "TLS Burger"))
        .send()
        .await
        .expect("order");
    assert_eq!(created.status(), 201);
    eventually("the order over WSS", Duration::from_secs(10), || async {
        holds(shows(&screen, "301"))
    })
    .await
    .expect("order shown");
    screen.kill();

    // A screen set up by hand with a token trusts the CA file it is given.
    let ca_file = dir.path().join("hub/tls/ca.pem");
    let mut by_hand = ScreenProcess::start_trusting(
        &hub.url,
        &hub.token("kds", &["grill"]),
        "grill",
        dir.path().join("by-hand.sqlite3"),
        &ca_file,
    );
    eventually(
        "the hand-configured screen shows the order",
        Duration::from_secs(20),
        || async { holds(by_hand.online() && shows(&by_hand, "301")) },
    )
    .await
    .expect("token screen over TLS");
    by_hand.kill();

    // The same credentials aimed at another hub (another CA) get nowhere: the screen
    // refuses that hub's certificate before sending its secret.
    let other = tls_hub(&dir.path().join("other"));
    let mut moved = saved.clone();
    moved["hubUrl"] = json!(other.url);
    let moved_file = dir.path().join("moved.json");
    std::fs::write(&moved_file, moved.to_string()).expect("write");
    let stranger = ScreenProcess::paired(&moved_file, dir.path().join("moved.sqlite3"));
    eventually(
        "the screen gives its reason",
        Duration::from_secs(20),
        || async {
            let detail = stranger.state()["connection"]["detail"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            holds(detail.to_lowercase().contains("certificate"))
                .map_err(|_| anyhow::anyhow!("detail so far: {detail:?}"))
        },
    )
    .await
    .expect("certificate refused");
    assert!(
        !stranger.online(),
        "a screen trusted a hub its CA did not sign"
    );
}

/// Set for the run of the mDNS scenario inside its own network namespace.
const IN_NAMESPACE: &str = "RAIL_TEST_IN_NETNS";

/// mDNS binds every interface and joins multicast groups on them; a test must not talk
/// to a real network, so the scenario runs again in a network namespace of its own
/// (an unprivileged user namespace with only loopback), where it is the whole network.
#[test]
fn a_screen_with_no_address_finds_the_hub_by_mdns_and_pairs() {
    let exe = std::env::current_exe().expect("test binary");
    let status = std::process::Command::new("unshare")
        .args(["--user", "--map-root-user", "--net", "sh", "-c"])
        .arg("ip link set lo up && exec \"$0\" \"$@\"")
        .arg(&exe)
        .args([
            "--exact",
            "mdns_pairing_inside_a_network_namespace",
            "--ignored",
            "--nocapture",
        ])
        .env(IN_NAMESPACE, "1")
        .status()
        .expect("unshare (util-linux)");
    assert!(
        status.success(),
        "the mDNS scenario failed in its namespace"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run inside its own network namespace by a_screen_with_no_address_finds_the_hub_by_mdns_and_pairs"]
async fn mdns_pairing_inside_a_network_namespace() {
    assert!(
        std::env::var_os(IN_NAMESPACE).is_some(),
        "this scenario announces on every interface: run it through \
         a_screen_with_no_address_finds_the_hub_by_mdns_and_pairs"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = HubProcess::start_with(HubOptions {
        tls: true,
        mdns: true,
        ..HubOptions::new(dir.path().join("hub/hub.sqlite3"))
    })
    .expect("hub");
    let mut screen = ScreenProcess::pairing_discovered(
        "found-by-mdns",
        &dir.path().join("device.json"),
        dir.path().join("screen.sqlite3"),
    );
    let code = code_of(&screen).await;
    let found = screen.said();
    assert!(
        found
            .iter()
            .any(|line| line.starts_with(&format!("found hub {} ", hub.url))),
        "the hub at {} was not heard: {found:?}",
        hub.url
    );
    let fingerprint = hub.fingerprint().expect("fingerprint");
    assert!(
        found.contains(&format!("hub fingerprint {fingerprint}")),
        "{found:?}"
    );
    let approved = trusting(&hub.ca_pem().expect("CA"))
        .post(format!("{}/api/pair/approve", hub.url))
        .bearer_auth(hub.token("admin", &[]))
        .json(&json!({ "code": code, "name": "Found", "role": "expo" }))
        .send()
        .await
        .expect("approve");
    assert_eq!(approved.status(), 201);
    eventually(
        "online after pairing by mDNS",
        Duration::from_secs(20),
        || async { holds(screen.online()) },
    )
    .await
    .expect("online");
    screen.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_till_with_a_signed_token_is_a_device_the_manager_can_remove() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = hub(dir.path(), "");
    let admin = hub.token("admin", &[]);
    let till = hub.device_token("pos", &[], "till-1");
    let (_, devices) = get(&hub, "/api/devices", Some(&admin)).await;
    let listed = devices
        .as_array()
        .and_then(|all| all.iter().find(|d| d["id"] == "till-1"))
        .unwrap_or_else(|| panic!("the till is not listed: {devices}"));
    assert_eq!(listed["role"], "pos");
    hub.post_order(&till, order_for("401", "grill", "Burger"))
        .await
        .expect("the till posts");
    let (status, _) = call(
        reqwest::Method::DELETE,
        format!("{}/api/devices/till-1", hub.url),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let refused = hub
        .post_order(&till, order_for("402", "grill", "Burger"))
        .await;
    let error = refused
        .expect_err("a removed till's token is refused")
        .to_string();
    assert!(
        error.contains("401") && error.contains("removed"),
        "{error}"
    );
}

async fn put(hub: &HubProcess, path: &str, bearer: &str, body: Value) -> (u16, Value) {
    call(
        reqwest::Method::PUT,
        format!("{}{path}", hub.url),
        Some(bearer),
        Some(body),
    )
    .await
}

fn profile(warn: f64, late: f64, language: &str) -> Value {
    json!({
        "name": "line",
        "timers": { "warnAfterMin": warn, "lateAfterMin": late },
        "language": language,
        "theme": "high-contrast",
        "fontScale": 1.2,
        "soundEnabled": true,
        "volume": 0.6,
        "mutedCues": ["modified"]
    })
}

/// The screen's profile as it last printed its state.
fn profile_shown(screen: &ScreenProcess) -> Value {
    screen.state()["profile"].clone()
}

/// The device as the manager's list shows it.
async fn listed(hub: &HubProcess, admin: &str, device_id: &str) -> Value {
    let (status, devices) = get(hub, "/api/devices", Some(admin)).await;
    assert_eq!(status, 200, "{devices}");
    devices
        .as_array()
        .and_then(|all| all.iter().find(|d| d["id"] == device_id))
        .cloned()
        .unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_screen_profile_reaches_its_screens_live_and_the_device_list_shows_their_lag() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut hub = hub(dir.path(), "");
    let admin = hub.token("admin", &[]);
    let pos = hub.token("pos", &[]);

    // Bad profiles are refused with every problem named; a good one is created.
    let mut bad = profile(9.0, 2.0, "fr");
    bad["mutedCues"] = json!(["boom"]);
    let (status, problem) = put(&hub, "/api/profiles/line", &admin, bad).await;
    assert_eq!(status, 422, "{problem}");
    let detail = problem["detail"].as_str().unwrap_or_default();
    for named in ["timers", "language \"fr\"", "muted cue \"boom\""] {
        assert!(detail.contains(named), "{named} not named in {detail}");
    }
    let (status, problem) = put(&hub, "/api/profiles/other", &admin, profile(2.0, 4.0, "es")).await;
    assert_eq!(
        status, 422,
        "a name that differs from the address: {problem}"
    );
    let (status, created) = put(&hub, "/api/profiles/line", &admin, profile(2.0, 4.0, "es")).await;
    assert_eq!(status, 201, "{created}");
    let (status, refused) = put(&hub, "/api/profiles/line", &pos, profile(2.0, 4.0, "es")).await;
    assert_eq!(status, 403, "a till may not change profiles: {refused}");

    // Paired straight into the profile: the screen takes it with its first socket.
    let device_file = dir.path().join("device.json");
    let db = dir.path().join("screen.sqlite3");
    let mut screen = ScreenProcess::pairing(&hub.url, "line-pc-3", &device_file, db.clone());
    let code = code_of(&screen).await;
    let (status, problem) = post(
        &hub,
        "/api/pair/approve",
        Some(&admin),
        json!({ "code": code, "name": "Line 3", "role": "kds", "stations": ["grill"], "profile": "nope" }),
    )
    .await;
    assert_eq!(status, 422, "an unknown profile: {problem}");
    let (status, device) = post(
        &hub,
        "/api/pair/approve",
        Some(&admin),
        json!({ "code": code, "name": "Line 3", "role": "kds", "stations": ["grill"], "profile": "line" }),
    )
    .await;
    assert_eq!(status, 201, "{device}");
    assert_eq!(device["profile"], "line");
    let device_id = device["id"].as_str().expect("id").to_owned();
    eventually(
        "the screen follows the profile",
        Duration::from_secs(20),
        || async {
            let shown = profile_shown(&screen);
            holds(
                screen.online()
                    && shown["timers"]["warnAfterMin"] == 2.0
                    && shown["language"] == "es",
            )
        },
    )
    .await
    .expect("profile at pairing");

    // Changed on the hub: the running screen takes it on the socket it has open.
    let sockets_before = hub.connections_opened().await;
    let (status, changed) = put(&hub, "/api/profiles/line", &admin, profile(3.0, 7.0, "en")).await;
    assert_eq!(status, 200, "{changed}");
    eventually(
        "the change reached the screen",
        Duration::from_secs(10),
        || async {
            let shown = profile_shown(&screen);
            holds(shown["timers"]["warnAfterMin"] == 3.0 && shown["language"] == "en")
        },
    )
    .await
    .expect("live profile change");
    assert_eq!(
        hub.connections_opened().await,
        sockets_before,
        "taken live, without reconnecting"
    );

    // The device list: its profile, and where it stands on its channel.
    for number in ["301", "302"] {
        hub.post_order(&pos, order_for(number, "grill", "Burger"))
            .await
            .expect("order");
    }
    eventually("both orders shown", Duration::from_secs(10), || async {
        holds(shows(&screen, "301") && shows(&screen, "302"))
    })
    .await
    .expect("orders shown");
    let entry = listed(&hub, &admin, &device_id).await;
    assert_eq!(entry["profile"], "line", "{entry}");
    let grill = entry["channels"]
        .as_array()
        .and_then(|channels| channels.iter().find(|c| c["channel"] == "kds:grill"))
        .cloned()
        .unwrap_or_else(|| panic!("no kds:grill position: {entry}"));
    assert_eq!(grill["lag"], 0, "{entry}");
    let seq_online = grill["seq"].as_u64().expect("seq");
    assert!(seq_online >= 2, "{entry}");

    // Offline, it falls behind by what it misses.
    screen.kill();
    for number in ["303", "304", "305"] {
        hub.post_order(&pos, order_for(number, "grill", "Burger"))
            .await
            .expect("order");
    }
    let entry = listed(&hub, &admin, &device_id).await;
    assert_eq!(entry["connections"], 0, "{entry}");
    assert_eq!(entry["channels"][0]["seq"], seq_online, "{entry}");
    assert_eq!(
        entry["channels"][0]["lag"], 3,
        "three orders missed: {entry}"
    );

    // A profile in use cannot be deleted; the manager is told who follows it.
    let (status, problem) = call(
        reqwest::Method::DELETE,
        format!("{}/api/profiles/line", hub.url),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, 409, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("Line 3"),
        "{problem}"
    );

    // Restarted while the hub is away, the screen still looks the way it was set.
    hub.kill();
    let mut screen = ScreenProcess::paired(&device_file, db);
    eventually(
        "the kept profile is shown offline",
        Duration::from_secs(10),
        || async { holds(profile_shown(&screen)["timers"]["warnAfterMin"] == 3.0) },
    )
    .await
    .expect("profile from the cache");
    hub.restart().expect("hub back");
    eventually(
        "online again, caught up",
        Duration::from_secs(20),
        || async { holds(screen.online() && shows(&screen, "305")) },
    )
    .await
    .expect("caught up");
    assert_eq!(
        listed(&hub, &admin, &device_id).await["channels"][0]["lag"],
        0
    );

    // Taken away: the screen goes back to its own settings, live.
    let (status, changed) = call(
        reqwest::Method::PATCH,
        format!("{}/api/devices/{device_id}", hub.url),
        Some(&admin),
        Some(json!({ "profile": "" })),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["profile"], Value::Null);
    eventually(
        "back to its own settings",
        Duration::from_secs(10),
        || async { holds(profile_shown(&screen).is_null() && screen.online()) },
    )
    .await
    .expect("profile removed");
    let (status, _) = call(
        reqwest::Method::DELETE,
        format!("{}/api/profiles/line", hub.url),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, 204, "no longer followed: deleted");
    let (status, audit) = get(&hub, "/api/audit", Some(&admin)).await;
    assert_eq!(status, 200);
    let profile_entries = audit
        .as_array()
        .map(|all| all.iter().filter(|e| e["action"] == "profile").count())
        .unwrap_or(0);
    assert!(
        profile_entries >= 4,
        "created, changed, taken away, deleted: {audit}"
    );
    screen.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expo_screen_pairs_a_line_screen_but_not_a_till() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = hub(dir.path(), "");
    let admin = hub.token("admin", &[]);

    // The expo screen, paired by the manager.
    let mut expo = ScreenProcess::pairing(
        &hub.url,
        "pass-pc",
        &dir.path().join("expo.json"),
        dir.path().join("expo.sqlite3"),
    );
    let code = code_of(&expo).await;
    let (status, device) = post(
        &hub,
        "/api/pair/approve",
        Some(&admin),
        json!({ "code": code, "name": "Pass", "role": "expo" }),
    )
    .await;
    assert_eq!(status, 201, "{device}");
    eventually("expo online", Duration::from_secs(20), || async {
        holds(expo.online())
    })
    .await
    .expect("expo online");

    // A new line screen waits; a station screen's token may not even see its code.
    let mut line = ScreenProcess::pairing(
        &hub.url,
        "line-pc-5",
        &dir.path().join("line.json"),
        dir.path().join("line.sqlite3"),
    );
    let line_code = code_of(&line).await;
    let kds = hub.token("kds", &["grill"]);
    let (status, refused) = get(&hub, "/api/pair", Some(&kds)).await;
    assert_eq!(status, 403, "{refused}");

    // From the expo screen: a till is refused, the line screen is paired.
    let till = expo.command_answered(
        &format!("approve {line_code} pos grill Front till"),
        Duration::from_secs(10),
    );
    match till {
        Outcome::Refused(reason) => {
            assert!(reason.contains("may pair kitchen screens"), "{reason}")
        }
        other => panic!("a till paired from expo: {other:?}"),
    }
    let paired = expo.command_answered(
        &format!("approve {line_code} kds grill Line 5"),
        Duration::from_secs(10),
    );
    assert!(matches!(paired, Outcome::Acked(_)), "{paired:?}");
    let pos = hub.token("pos", &[]);
    hub.post_order(&pos, order_for("501", "grill", "Burger"))
        .await
        .expect("order");
    eventually(
        "the line screen shows grill",
        Duration::from_secs(20),
        || async { holds(line.online() && shows(&line, "501")) },
    )
    .await
    .expect("line screen paired by expo");

    // The audit log names the expo screen as the one who paired it.
    let (_, audit) = get(&hub, "/api/audit", Some(&admin)).await;
    let expo_id = device["id"].as_str().expect("id");
    let by_expo = audit.as_array().is_some_and(|all| {
        all.iter().any(|e| {
            e["action"] == "pair"
                && e["actor"] == expo_id
                && e["detail"].as_str().is_some_and(|d| d.contains("Line 5"))
        })
    });
    assert!(by_expo, "{audit}");
    expo.kill();
    line.kill();
}
