//! The hub's admin page in a real browser (headless Chromium through chromedriver)
//! against a real hub serving HTTPS with its own CA, and a real screen process pairing
//! with it: sign in, approve the screen's code, see it online, refuse bad input in the
//! hub's words, remove it, read the audit log. The session's protections (cookie flags,
//! CSRF, headers, the limit on sign-ins) are checked from outside, as an attacker sees
//! them.

use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::Locator;
use rail_tests::browser::Browser;
use rail_tests::screen::ScreenProcess;
use rail_tests::window::{click, screenshot, text_of, type_into, wait_for_element};
use rail_tests::{eventually, holds, HubOptions, HubProcess};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(20);
const PASSWORD: &str = "grill-master-2026";

fn tls_hub(dir: &Path) -> HubProcess {
    let hub = HubProcess::start_with(HubOptions {
        tls: true,
        ..HubOptions::new(dir.join("hub.sqlite3"))
    })
    .expect("hub");
    hub.set_admin_password(PASSWORD);
    hub
}

fn trusting(hub: &HubProcess) -> reqwest::Client {
    hub.client()
}

async fn code_of(screen: &ScreenProcess) -> String {
    eventually("a pairing code", WAIT, || async {
        let said = screen.said();
        said.iter()
            .find_map(|line| line.strip_prefix("pair code "))
            .map(str::to_owned)
            .ok_or_else(|| anyhow::anyhow!("said {said:?}"))
    })
    .await
    .expect("code")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_manager_pairs_and_removes_a_screen_from_the_admin_page() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = tls_hub(dir.path());
    let mut screen = ScreenProcess::pairing(
        &hub.url,
        "line-pc-7",
        &dir.path().join("device.json"),
        dir.path().join("screen.sqlite3"),
    );
    let code = code_of(&screen).await;
    // A second screen waits too, for the refusals below.
    let (second_code, _) = {
        let ticket: Value = trusting(&hub)
            .post(format!("{}/api/pair", hub.url))
            .json(&json!({ "name": "spare" }))
            .send()
            .await
            .expect("pair")
            .json()
            .await
            .expect("json");
        (ticket["code"].as_str().expect("code").to_owned(), ticket)
    };

    let browser = Browser::open().await.expect("chromium");
    let client = &browser.client;
    let result = async {
        client.goto(&format!("{}/admin", hub.url)).await?;
        // A wrong password is refused in plain words.
        type_into(client, r#"[data-testid="login-location"]"#, "demo").await?;
        type_into(
            client,
            r#"[data-testid="login-password"]"#,
            "not the password",
        )
        .await?;
        click(client, r#"[data-testid="login-submit"]"#, WAIT).await?;
        let refused = text_of(client, r#"[data-testid="login-problem"]"#, WAIT).await?;
        anyhow::ensure!(
            refused.contains("wrong location, user name or password"),
            "{refused:?}"
        );
        screenshot(client, "admin-login").await?;
        type_into(client, r#"[data-testid="login-password"]"#, PASSWORD).await?;
        click(client, r#"[data-testid="login-submit"]"#, WAIT).await?;

        // The waiting screen is listed with its code; the fingerprint matches the hub's.
        wait_for_element(client, &format!(r#"[data-pending-code="{code}"]"#), WAIT).await?;
        let fingerprint = text_of(client, r#"[data-testid="hub-fingerprint"]"#, WAIT).await?;
        let announced = hub.fingerprint().unwrap_or_default();
        anyhow::ensure!(
            fingerprint.contains(&announced),
            "{fingerprint:?} vs {announced:?}"
        );

        // Bad input gets the hub's reason on the page.
        type_into(client, r#"[data-testid="approve-code"]"#, &second_code).await?;
        type_into(client, r#"[data-testid="approve-name"]"#, "Spare").await?;
        type_into(client, r#"[data-testid="approve-stations"]"#, "").await?;
        click(client, r#"[data-testid="approve-submit"]"#, WAIT).await?;
        let problem = text_of(client, r#"[data-testid="approve-problem"]"#, WAIT).await?;
        anyhow::ensure!(problem.contains("at least one station"), "{problem:?}");
        type_into(
            client,
            r#"[data-testid="approve-stations"]"#,
            "grill, no such/station",
        )
        .await?;
        click(client, r#"[data-testid="approve-submit"]"#, WAIT).await?;
        eventually("the station refused", WAIT, || async {
            let problem = client
                .find(Locator::Css(r#"[data-testid="approve-problem"]"#))
                .await?
                .text()
                .await?;
            holds(problem.contains("not a station name"))
                .map_err(|_| anyhow::anyhow!("{problem:?}"))
        })
        .await?;

        // Approve the screen's code: it comes online.
        click(
            client,
            &format!(r#"[data-pending-code="{code}"] [data-testid="pending-pick"]"#),
            WAIT,
        )
        .await?;
        type_into(client, r#"[data-testid="approve-name"]"#, "Grill left").await?;
        type_into(client, r#"[data-testid="approve-stations"]"#, "grill").await?;
        screenshot(client, "admin-pairing").await?;
        click(client, r#"[data-testid="approve-submit"]"#, WAIT).await?;
        let done = text_of(client, r#"[data-testid="approve-done"]"#, WAIT).await?;
        anyhow::ensure!(done.contains("Grill left is paired"), "{done:?}");
        eventually("the screen online", WAIT, || async {
            holds(screen.online())
        })
        .await?;
        wait_for_element(client, r#"tr[data-state="online"]"#, WAIT).await?;
        screenshot(client, "admin-devices").await?;

        // Remove it: the screen hears within a second.
        click(
            client,
            r#"tr[data-state="online"] [data-testid="device-remove"]"#,
            WAIT,
        )
        .await?;
        let removing = Instant::now();
        client.accept_alert().await?;
        eventually("the screen removed", Duration::from_secs(5), || async {
            holds(screen.state()["connection"]["state"] == "removed")
        })
        .await?;
        anyhow::ensure!(
            removing.elapsed() < Duration::from_secs(2),
            "took {:?}",
            removing.elapsed()
        );
        wait_for_element(client, r#"tr[data-state="removed"]"#, WAIT).await?;

        // The audit log says who did what.
        click(client, r#"[data-testid="view-audit"]"#, WAIT).await?;
        for action in ["sign-in", "pair", "revoke"] {
            wait_for_element(
                client,
                &format!(r#"[data-testid="audit"] tr[data-action="{action}"]"#),
                WAIT,
            )
            .await?;
        }
        let audit = text_of(client, r#"[data-testid="audit"]"#, WAIT).await?;
        anyhow::ensure!(
            audit.contains("admin:admin") && audit.contains("Grill left"),
            "{audit:?}"
        );
        screenshot(client, "admin-audit").await?;
        anyhow::Ok(())
    }
    .await;
    browser.close().await;
    screen.kill();
    result.expect("admin page");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_session_resists_forgery_framing_and_guessing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = tls_hub(dir.path());
    let client = trusting(&hub);

    // The page is served with headers that keep it out of frames and other origins.
    let page = client
        .get(format!("{}/admin", hub.url))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    let header = |name: &str| {
        page.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert!(header("content-security-policy").contains("frame-ancestors 'none'"));
    assert_eq!(header("x-frame-options"), "DENY");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert!(page
        .text()
        .await
        .expect("html")
        .contains("<div id=\"admin\">"));

    // Signing in sets a cookie scripts cannot read, other sites cannot send, and that
    // travels over HTTPS only.
    let signed_in = client
        .post(format!("{}/admin/api/login", hub.url))
        .json(&json!({ "location": "demo", "username": "admin", "password": PASSWORD }))
        .send()
        .await
        .expect("login");
    assert_eq!(signed_in.status(), 200);
    let cookie = signed_in
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("a session cookie")
        .to_owned();
    for flag in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} missing: {cookie}");
    }
    let session: Value = signed_in.json().await.expect("session");
    let csrf = session["csrf"].as_str().expect("csrf").to_owned();
    let cookie_pair = cookie.split(';').next().expect("pair").to_owned();

    // Reading works with the cookie alone; a change also needs the CSRF token.
    let devices = client
        .get(format!("{}/api/devices", hub.url))
        .header("cookie", &cookie_pair)
        .send()
        .await
        .expect("devices");
    assert_eq!(devices.status(), 200);
    let approval = json!({ "code": "000000", "name": "x", "role": "kds", "stations": ["grill"] });
    for token in [None, Some("forged")] {
        let mut request = client
            .post(format!("{}/api/pair/approve", hub.url))
            .header("cookie", &cookie_pair)
            .json(&approval);
        if let Some(token) = token {
            request = request.header("x-csrf-token", token);
        }
        let refused = request.send().await.expect("approve");
        assert_eq!(refused.status(), 403);
        let problem: Value = refused.json().await.expect("problem");
        assert_eq!(problem["code"], "CSRF", "{problem}");
    }
    let genuine = client
        .post(format!("{}/api/pair/approve", hub.url))
        .header("cookie", &cookie_pair)
        .header("x-csrf-token", &csrf)
        .json(&approval)
        .send()
        .await
        .expect("approve");
    assert_eq!(
        genuine.status(),
        404,
        "past the CSRF check, an unknown code is a 404"
    );

    // Signing out ends the session on the hub, not only in the browser.
    let out = client
        .post(format!("{}/admin/api/logout", hub.url))
        .header("cookie", &cookie_pair)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), 204);
    let after = client
        .get(format!("{}/api/devices", hub.url))
        .header("cookie", &cookie_pair)
        .send()
        .await
        .expect("devices");
    assert_eq!(after.status(), 401);

    // Guessing is cut short: five wrong passwords, then even the right one waits.
    let attempt = |password: &'static str| {
        client
            .post(format!("{}/admin/api/login", hub.url))
            .json(&json!({ "location": "demo", "username": "admin", "password": password }))
            .send()
    };
    for _ in 0..5 {
        assert_eq!(
            attempt("guess-guess-guess").await.expect("login").status(),
            401
        );
    }
    let held = attempt(PASSWORD).await.expect("login");
    assert_eq!(held.status(), 429);
    let problem: Value = held.json().await.expect("problem");
    assert_eq!(problem["code"], "TOO_MANY_ATTEMPTS", "{problem}");
}

async fn sign_in(client: &fantoccini::Client, hub: &HubProcess) -> anyhow::Result<()> {
    client.goto(&format!("{}/admin", hub.url)).await?;
    type_into(client, r#"[data-testid="login-location"]"#, "demo").await?;
    type_into(client, r#"[data-testid="login-password"]"#, PASSWORD).await?;
    click(client, r#"[data-testid="login-submit"]"#, WAIT).await?;
    wait_for_element(client, r#"[data-testid="view-kitchen"]"#, WAIT).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_routing_change_on_the_admin_page_routes_the_next_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = tls_hub(dir.path());
    let pos = hub.token("pos", &[]);
    let burger = |number: &str| json!({ "number": number, "items": [{ "name": "Smash Burger", "qty": 1, "category": "burgers" }] });
    let before = hub.post_order(&pos, burger("1")).await.expect("order");
    assert_eq!(
        before[0].station, "grill",
        "the file's rules route burgers to grill"
    );

    let browser = Browser::open().await.expect("chromium");
    let client = &browser.client;
    let result = async {
        sign_in(client, &hub).await?;
        click(client, r#"[data-testid="view-kitchen"]"#, WAIT).await?;
        let categories =
            wait_for_element(client, r#"[data-testid="kitchen-categories"]"#, WAIT).await?;
        let text = categories.prop("value").await?.unwrap_or_default();
        anyhow::ensure!(
            text.contains("burgers = grill"),
            "the file's rules are shown: {text:?}"
        );

        // A rule to a station the kitchen does not have is refused in the hub's words.
        let moved = text.replace("burgers = grill", "burgers = smoker");
        type_into(client, r#"[data-testid="kitchen-categories"]"#, &moved).await?;
        click(client, r#"[data-testid="kitchen-save"]"#, WAIT).await?;
        let problem = text_of(client, r#"[data-testid="kitchen-problem"]"#, WAIT).await?;
        anyhow::ensure!(
            problem.contains("smoker") && problem.contains("not one of the kitchen's stations"),
            "{problem:?}"
        );
        // With the station added, it is saved.
        let stations = wait_for_element(client, r#"[data-testid="kitchen-stations"]"#, WAIT)
            .await?
            .prop("value")
            .await?
            .unwrap_or_default();
        type_into(
            client,
            r#"[data-testid="kitchen-stations"]"#,
            &format!("{stations}, smoker"),
        )
        .await?;
        click(client, r#"[data-testid="kitchen-save"]"#, WAIT).await?;
        wait_for_element(client, r#"[data-testid="kitchen-saved"]"#, WAIT).await?;
        screenshot(client, "admin-kitchen").await?;

        // The next order follows the new rule; the audit log says who moved what.
        let after = hub.post_order(&pos, burger("2")).await?;
        anyhow::ensure!(
            after[0].station == "smoker",
            "burgers went to {}",
            after[0].station
        );
        click(client, r#"[data-testid="view-audit"]"#, WAIT).await?;
        let audit = text_of(
            client,
            r#"[data-testid="audit"] tr[data-action="routing"]"#,
            WAIT,
        )
        .await?;
        anyhow::ensure!(
            audit.contains("burgers → smoker (was grill)") && audit.contains("+ station smoker"),
            "{audit:?}"
        );
        anyhow::Ok(())
    }
    .await;
    browser.close().await;
    result.expect("routing on the admin page");
}

/// Waits for a screen process to show a profile whose yellow comes after `warn` minutes.
async fn screen_warns_after(screen: &ScreenProcess, warn: f64) -> anyhow::Result<()> {
    eventually(
        &format!("the screen's timers turn yellow after {warn} min"),
        WAIT,
        || async {
            let shown = screen.state()["profile"]["timers"]["warnAfterMin"].clone();
            holds(shown == warn).map_err(|_| anyhow::anyhow!("the screen shows {shown}"))
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_hub_is_set_up_on_its_page_and_a_profile_made_there_reaches_a_screen_live() {
    let dir = tempfile::tempdir().expect("tempdir");
    // No `rail-hub admin`: the hub starts with no manager and announces a setup code.
    let hub = HubProcess::start_with(HubOptions {
        tls: true,
        ..HubOptions::new(dir.path().join("hub.sqlite3"))
    })
    .expect("hub");
    let setup_code = hub
        .setup_code()
        .expect("a fresh hub announces a setup code");
    let code_file = dir.path().join("setup-code");
    assert_eq!(
        std::fs::read_to_string(&code_file)
            .expect("setup-code file")
            .trim(),
        setup_code
    );

    // A screen paired (by the API, with an admin token) and running with its own settings.
    let admin = hub.token("admin", &[]);
    let mut screen = ScreenProcess::pairing(
        &hub.url,
        "line-pc-9",
        &dir.path().join("device.json"),
        dir.path().join("screen.sqlite3"),
    );
    let code = code_of(&screen).await;
    let approved = trusting(&hub)
        .post(format!("{}/api/pair/approve", hub.url))
        .bearer_auth(&admin)
        .json(&json!({ "code": code, "name": "Grill right", "role": "kds", "stations": ["grill"] }))
        .send()
        .await
        .expect("approve");
    assert_eq!(approved.status(), 201);
    eventually("the screen online", WAIT, || async {
        holds(screen.online())
    })
    .await
    .expect("online");
    assert!(screen.state()["profile"].is_null(), "its own settings");

    let browser = Browser::open().await.expect("chromium");
    let client = &browser.client;
    let result = async {
        client.goto(&format!("{}/admin", hub.url)).await?;
        wait_for_element(client, r#"[data-testid="setup"]"#, WAIT).await?;
        type_into(client, r#"[data-testid="setup-code"]"#, "0000-0000-0000").await?;
        type_into(client, r#"[data-testid="login-location"]"#, "demo").await?;
        type_into(client, r#"[data-testid="login-password"]"#, PASSWORD).await?;
        type_into(client, r#"[data-testid="setup-repeat"]"#, PASSWORD).await?;
        screenshot(client, "admin-setup").await?;
        click(client, r#"[data-testid="login-submit"]"#, WAIT).await?;
        let refused = text_of(client, r#"[data-testid="login-problem"]"#, WAIT).await?;
        anyhow::ensure!(refused.contains("wrong setup code"), "{refused:?}");
        type_into(client, r#"[data-testid="setup-code"]"#, &setup_code).await?;
        type_into(client, r#"[data-testid="login-password"]"#, PASSWORD).await?;
        type_into(client, r#"[data-testid="setup-repeat"]"#, PASSWORD).await?;
        click(client, r#"[data-testid="login-submit"]"#, WAIT).await?;
        wait_for_element(client, r#"[data-testid="view-profiles"]"#, WAIT).await?;

        // A profile made on the page: bad values are refused in the hub's words.
        click(client, r#"[data-testid="view-profiles"]"#, WAIT).await?;
        type_into(client, r#"[data-testid="profile-new-name"]"#, "line").await?;
        click(client, r#"[data-testid="profile-create"]"#, WAIT).await?;
        type_into(client, r#"[data-testid="profile-warn"]"#, "8").await?;
        type_into(client, r#"[data-testid="profile-late"]"#, "4").await?;
        click(client, r#"[data-testid="profile-save"]"#, WAIT).await?;
        let problem = text_of(client, r#"[data-testid="profile-problem"]"#, WAIT).await?;
        anyhow::ensure!(problem.contains("timers"), "{problem:?}");
        type_into(client, r#"[data-testid="profile-warn"]"#, "2").await?;
        click(client, r#"[data-testid="profile-save"]"#, WAIT).await?;
        wait_for_element(client, r#"[data-testid="profile-saved"]"#, WAIT).await?;
        wait_for_element(client, r#"[data-profile="line"]"#, WAIT).await?;

        // The screen is put on it from the device list, and takes it while it runs.
        click(client, r#"[data-testid="view-devices"]"#, WAIT).await?;
        click(
            client,
            r#"tr[data-state="online"] [data-testid="device-edit"]"#,
            WAIT,
        )
        .await?;
        wait_for_element(client, r#"[data-testid="device-profile"]"#, WAIT)
            .await?
            .select_by_value("line")
            .await?;
        click(client, r#"[data-testid="device-save"]"#, WAIT).await?;
        screen_warns_after(&screen, 2.0).await?;
        let listed = text_of(
            client,
            r#"tr[data-state="online"] [data-testid="device-profile-name"]"#,
            WAIT,
        )
        .await?;
        anyhow::ensure!(listed == "line", "{listed:?}");
        let lag = text_of(
            client,
            r#"tr[data-state="online"] [data-testid="device-lag"]"#,
            WAIT,
        )
        .await?;
        anyhow::ensure!(
            lag == "0",
            "a screen online and caught up is 0 behind: {lag:?}"
        );
        screenshot(client, "admin-devices-profile").await?;

        // Edited on the page: the change reaches the running screen.
        click(client, r#"[data-testid="view-profiles"]"#, WAIT).await?;
        click(
            client,
            r#"[data-profile="line"] [data-testid="profile-edit"]"#,
            WAIT,
        )
        .await?;
        type_into(client, r#"[data-testid="profile-warn"]"#, "3").await?;
        wait_for_element(client, r#"[data-testid="profile-language"]"#, WAIT)
            .await?
            .select_by_value("es")
            .await?;
        screenshot(client, "admin-profiles").await?;
        click(client, r#"[data-testid="profile-save"]"#, WAIT).await?;
        screen_warns_after(&screen, 3.0).await?;
        anyhow::ensure!(screen.state()["profile"]["language"] == "es");
        anyhow::Ok(())
    }
    .await;
    browser.close().await;
    screen.kill();
    result.expect("setup and profiles on the admin page");

    // Set up: the code is spent and its file gone.
    assert!(!code_file.exists(), "the setup code's file is removed");
    let state: Value = trusting(&hub)
        .get(format!("{}/admin/api/setup", hub.url))
        .send()
        .await
        .expect("setup state")
        .json()
        .await
        .expect("json");
    assert_eq!(state["needed"], false);
}

/// The rows of the report table as `station → [tickets, median, 90th, late]`.
async fn report_rows(
    client: &fantoccini::Client,
) -> anyhow::Result<std::collections::BTreeMap<String, Vec<String>>> {
    let mut rows = std::collections::BTreeMap::new();
    for row in client
        .find_all(Locator::Css(
            r#"[data-testid="report-totals"] tr[data-station]"#,
        ))
        .await?
    {
        let station = row.attr("data-station").await?.unwrap_or_default();
        let mut cells = Vec::new();
        for field in ["tickets", "p50", "p90", "late"] {
            cells.push(
                row.find(Locator::Css(&format!(r#"[data-field="{field}"]"#)))
                    .await?
                    .text()
                    .await?,
            );
        }
        rows.insert(station, cells);
    }
    Ok(rows)
}

fn mm_ss(ms: Option<i64>) -> String {
    ms.map_or("—".to_owned(), |ms| {
        let total = (ms as f64 / 1000.0).round() as i64;
        format!("{}:{:02}", total / 60, total % 60)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_manager_reads_the_days_figures_and_replays_a_station_on_the_admin_page() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = tls_hub(dir.path());
    let pos = hub.token("pos", &[]);
    let admin = hub.token("admin", &[]);
    let grill = hub.device_token("kds", &["grill"], "grill-1");
    let fry = hub.device_token("kds", &["fry"], "fry-1");
    // A grill screen running all along, so the hub knows it has the grill's tickets.
    let ca = dir.path().join("hub-ca.pem");
    std::fs::write(&ca, hub.ca_pem().expect("ca")).expect("ca file");
    let screen = ScreenProcess::start_trusting(
        &hub.url,
        &grill,
        "grill",
        dir.path().join("grill-1.sqlite3"),
        &ca,
    );
    eventually("the grill screen online", WAIT, || async {
        holds(screen.online())
    })
    .await
    .expect("online");
    let order = |number: &str, fries: bool| {
        let mut items = vec![json!({ "name": "Smash Burger", "qty": 2, "station": "grill" })];
        if fries {
            items.push(json!({ "name": "Fries", "qty": 1, "station": "fry" }));
        }
        json!({ "id": format!("o{number}"), "number": number, "items": items })
    };
    for (number, fries) in [("1", true), ("2", false), ("3", true), ("4", false)] {
        hub.post_order(&pos, order(number, fries))
            .await
            .expect("order");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    for (token, ticket) in [
        (&grill, "o1:grill"),
        (&fry, "o1:fry"),
        (&grill, "o2:grill"),
        (&fry, "o3:fry"),
    ] {
        hub.bump(token, ticket).await.expect("bump");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let report: Value = hub
        .client()
        .get(format!("{}/api/reports/service", hub.url))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("report")
        .json()
        .await
        .expect("report json");

    let browser = Browser::open().await.expect("chromium");
    let client = &browser.client;
    let result = async {
        sign_in(client, &hub).await?;
        click(client, r#"[data-testid="view-reports"]"#, WAIT).await?;
        wait_for_element(client, r#"[data-testid="report-totals"] tr[data-station="grill"]"#, WAIT).await?;
        // The table says what the hub's report says, station by station.
        let rows = report_rows(client).await?;
        for totals in report["totals"].as_array().into_iter().flatten() {
            let station = totals["station"].as_str().unwrap_or_default();
            let expected = vec![
                totals["tickets"].to_string(),
                mm_ss(totals["p50Ms"].as_i64()),
                mm_ss(totals["p90Ms"].as_i64()),
                totals["late"].to_string(),
            ];
            anyhow::ensure!(rows.get(station) == Some(&expected), "{station}: {rows:?} vs {expected:?}");
        }
        anyhow::ensure!(rows.get("grill").map(|r| r[0].as_str()) == Some("2"), "{rows:?}");
        // Both charts drew something.
        for canvas in ["chart-times", "chart-counts"] {
            let painted = client
                .execute(
                    "const c = document.querySelector(arguments[0]); \
                     const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; \
                     let ink = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) ink++; return ink;",
                    vec![json!(format!(r#"[data-testid="{canvas}"]"#))],
                )
                .await?;
            anyhow::ensure!(painted.as_u64().unwrap_or(0) > 2000, "{canvas} painted {painted}");
        }
        // The CSV the link downloads is the same report.
        let href = client
            .find(Locator::Css(r#"[data-testid="report-csv"]"#))
            .await?
            .attr("href")
            .await?
            .unwrap_or_default();
        let csv = client
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 fetch(arguments[0]).then(r => r.text()).then(done, e => done(String(e)));",
                vec![json!(href)],
            )
            .await?;
        let csv = csv.as_str().unwrap_or_default().to_owned();
        anyhow::ensure!(csv.starts_with("scope,station,start,start_ms,tickets"), "{csv}");
        anyhow::ensure!(csv.lines().any(|l| l.starts_with("total,grill,") && l.split(',').nth(4) == Some("2")), "{csv}");
        screenshot(client, "admin-reports").await?;

        // The recorder: grill's screen now has #3 and #4; stepping back to #2's
        // arrival shows #1 and #2 only, as the screen had them then.
        click(client, r#"[data-testid="view-recorder"]"#, WAIT).await?;
        client
            .find(Locator::Css(r#"[data-testid="recorder-station"]"#))
            .await?
            .select_by_value("grill")
            .await?;
        let board_numbers = || async {
            let mut numbers = Vec::new();
            for card in client
                .find_all(Locator::Css(r#"[data-testid="recorder-board"] article"#))
                .await?
            {
                numbers.push(card.attr("data-order-number").await?.unwrap_or_default());
            }
            anyhow::Ok(numbers)
        };
        eventually("the board as it stands", WAIT, || async {
            let numbers = board_numbers().await?;
            anyhow::ensure!(numbers == ["3", "4"], "{numbers:?}");
            anyhow::Ok(())
        })
        .await?;
        let log = client
            .find_all(Locator::Css(r#"[data-testid="recorder-log"] li button"#))
            .await?;
        anyhow::ensure!(log.len() == 6, "four arrivals and two bumps, got {}", log.len());
        log[1].click().await?;
        eventually("the board at #2's arrival", WAIT, || async {
            let numbers = board_numbers().await?;
            anyhow::ensure!(numbers == ["1", "2"], "{numbers:?}");
            let event = text_of(client, r#"[data-testid="recorder-event"]"#, WAIT).await?;
            anyhow::ensure!(event.contains("#2 arrived") && event.contains("by test-pos"), "{event}");
            anyhow::Ok(())
        })
        .await?;
        // Forward past #3's and #4's arrivals to #1 bumped by grill-1.
        for _ in 0..3 {
            click(client, r#"[data-testid="recorder-forward"]"#, WAIT).await?;
        }
        eventually("the board after #1's bump", WAIT, || async {
            let numbers = board_numbers().await?;
            anyhow::ensure!(numbers == ["2", "3", "4"], "{numbers:?}");
            let event = text_of(client, r#"[data-testid="recorder-event"]"#, WAIT).await?;
            anyhow::ensure!(event.contains("#1 bumped") && event.contains("by grill-1"), "{event}");
            let delivery = text_of(client, r#"[data-testid="recorder-delivery"]"#, WAIT).await?;
            anyhow::ensure!(delivery.contains("#1 on screens now: grill-1 (since"), "{delivery}");
            anyhow::Ok(())
        })
        .await?;
        screenshot(client, "admin-recorder").await?;

        // The pickup board's address, made on the devices view, opens the board.
        click(client, r#"[data-testid="view-devices"]"#, WAIT).await?;
        click(client, r#"[data-testid="make-board-link"]"#, WAIT).await?;
        let address = wait_for_element(client, r#"[data-testid="board-address"]"#, WAIT)
            .await?
            .prop("value")
            .await?
            .unwrap_or_default();
        anyhow::ensure!(
            address.starts_with(&format!("{}/board#token=", hub.url)),
            "{address}"
        );
        client.goto(&address).await?;
        // Its token opens the board's channel (these orders are eaten in: none shows).
        wait_for_element(client, r#"main[data-link="live"] [data-testid="board-preparing"]"#, WAIT).await?;
        anyhow::Ok(())
    }
    .await;
    browser.close().await;
    result.expect("reports and recorder on the admin page");
}
