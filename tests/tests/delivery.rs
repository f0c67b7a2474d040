//! Proof that each ticket reached its station, with real processes: screens report what
//! they have committed, and the hub says which screens of the station have a ticket and
//! since when — a screen that is down is not listed until it is back and has it.

use std::time::Duration;

use rail_tests::eventually::{eventually, holds};
use rail_tests::screen::ScreenProcess;
use rail_tests::{order_for, HubProcess};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(20);

async fn delivery(hub: &HubProcess, token: &str, ticket: &str) -> anyhow::Result<(u16, Value)> {
    let response = reqwest::Client::new()
        .get(format!("{}/api/tickets/{ticket}/delivery", hub.url))
        .bearer_auth(token)
        .send()
        .await?;
    Ok((response.status().as_u16(), response.json().await?))
}

/// The screens listed as having `ticket`, by id.
async fn holders(hub: &HubProcess, token: &str, ticket: &str) -> anyhow::Result<Vec<String>> {
    let (status, body) = delivery(hub, token, ticket).await?;
    anyhow::ensure!(status == 200, "{status}: {body}");
    let mut screens: Vec<String> = body["screens"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter_map(|r| r["screen"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    screens.sort();
    Ok(screens)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_knows_which_screens_of_a_station_have_each_ticket() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = HubProcess::start(dir.path()).expect("hub");
    let pos = hub.token("pos", &[]);
    let expo = hub.token("expo", &[]);
    let mut screens: Vec<ScreenProcess> = ["grill-1", "grill-2"]
        .iter()
        .map(|name| {
            ScreenProcess::start(
                &hub.url,
                &hub.device_token("kds", &["grill"], name),
                "grill",
                dir.path().join(format!("{name}.sqlite3")),
            )
        })
        .collect();
    let _fry = ScreenProcess::start(
        &hub.url,
        &hub.device_token("kds", &["fry"], "fry-1"),
        "fry",
        dir.path().join("fry-1.sqlite3"),
    );
    eventually("screens online", WAIT, || async {
        holds(screens.iter().all(ScreenProcess::online))
    })
    .await
    .expect("online");

    let first = hub
        .post_order(&pos, order_for("41", "grill", "Burger"))
        .await
        .expect("order")[0]
        .id
        .clone();
    eventually("both grill screens have #41", WAIT, || async {
        let held = holders(&hub, &expo, &first).await?;
        anyhow::ensure!(held == ["grill-1", "grill-2"], "{held:?}");
        anyhow::Ok(())
    })
    .await
    .expect("delivered");
    let (_, body) = delivery(&hub, &expo, &first).await.expect("delivery");
    let posted = body["postedAtMs"].as_i64().expect("posted");
    for receipt in body["screens"].as_array().expect("screens") {
        let at = receipt["atMs"].as_i64().expect("at");
        assert!(
            (posted..posted + 10_000).contains(&at),
            "a screen had it {} ms after it was posted",
            at - posted
        );
    }
    assert_eq!(body["channel"], "kds:grill");
    let names: Vec<&str> = body["screens"]
        .as_array()
        .expect("screens")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(
        names.len(),
        2,
        "each screen is named as the device list names it: {body}"
    );

    // One grill screen is down: a new order is on the other only, until it is back.
    screens[1].kill();
    let second = hub
        .post_order(&pos, order_for("42", "grill", "Steak"))
        .await
        .expect("order")[0]
        .id
        .clone();
    eventually("the live screen has #42", WAIT, || async {
        let held = holders(&hub, &expo, &second).await?;
        anyhow::ensure!(held == ["grill-1"], "{held:?}");
        anyhow::Ok(())
    })
    .await
    .expect("on the live screen");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        holders(&hub, &expo, &second).await.expect("holders"),
        ["grill-1"],
        "a dead screen is never listed"
    );
    screens[1].restart();
    eventually("the returning screen has #42 too", WAIT, || async {
        let held = holders(&hub, &expo, &second).await?;
        anyhow::ensure!(held == ["grill-1", "grill-2"], "{held:?}");
        anyhow::Ok(())
    })
    .await
    .expect("after the restart");

    // Who may ask: the station's own screens and expo; not another station.
    let (status, _) = delivery(&hub, &hub.token("kds", &["fry"]), &second)
        .await
        .expect("asked");
    assert_eq!(status, 403);
    let (status, problem) = delivery(&hub, &expo, "nope:grill").await.expect("asked");
    assert_eq!((status, problem["status"].as_u64()), (404, Some(404)));
}

/// Collects what a kitchen printer on loopback is sent, connection by connection.
struct TestPrinter {
    address: String,
    received: std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>,
}

impl TestPrinter {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address").to_string();
        let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = received.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let sink = sink.clone();
                tokio::spawn(async move {
                    use tokio::io::AsyncReadExt;
                    let mut bytes = Vec::new();
                    if stream.read_to_end(&mut bytes).await.is_ok() {
                        sink.lock().expect("sink").push(bytes);
                    }
                });
            }
        });
        TestPrinter { address, received }
    }

    /// The text of every chit printed so far, read with the hub's own decoder.
    fn chits(&self) -> Vec<String> {
        self.received
            .lock()
            .expect("received")
            .iter()
            .flat_map(|bytes| {
                rail_printer::chit::read_all(bytes, rail_printer::codepage::CodePage::Cp437)
            })
            .map(|chit| chit.text())
            .collect()
    }
}

/// The ticket ids of the delivery alerts an expo screen shows.
fn alerts(expo: &ScreenProcess) -> Vec<String> {
    expo.state()["alerts"]
        .as_array()
        .map(|alerts| {
            alerts
                .iter()
                .filter_map(|a| a["ticketId"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A kitchen whose hub escalates after `delay_secs`, printing on a test printer for
/// the grill: an expo screen and one grill screen, both online.
struct AlertingKitchen {
    dir: tempfile::TempDir,
    printer: TestPrinter,
    hub: HubProcess,
    pos: String,
    expo: ScreenProcess,
    grill: ScreenProcess,
}

impl AlertingKitchen {
    async fn start(delay_secs: u64) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let printer = TestPrinter::start().await;
        let hub = HubProcess::start_with(rail_tests::HubOptions::configured(
            dir.path(),
            &format!(
                "delivery_alert_secs = {delay_secs}\n[fallback_printers]\ngrill = \"{}\"\n",
                printer.address
            ),
        ))
        .expect("hub");
        let pos = hub.token("pos", &[]);
        let expo = ScreenProcess::start_expo(
            &hub.url,
            &hub.token("expo", &[]),
            dir.path().join("expo.sqlite3"),
        );
        let grill = ScreenProcess::start(
            &hub.url,
            &hub.device_token("kds", &["grill"], "grill-1"),
            "grill",
            dir.path().join("grill-1.sqlite3"),
        );
        eventually("screens online", WAIT, || async {
            holds(expo.online() && grill.online())
        })
        .await
        .expect("online");
        AlertingKitchen {
            dir,
            printer,
            hub,
            pos,
            expo,
            grill,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_no_grill_screen_has_alerts_expo_prints_on_paper_and_clears_when_a_screen_has_it()
{
    let AlertingKitchen {
        dir,
        printer,
        hub,
        pos,
        expo,
        mut grill,
    } = AlertingKitchen::start(1).await;
    let fry = ScreenProcess::start(
        &hub.url,
        &hub.device_token("kds", &["fry"], "fry-1"),
        "fry",
        dir.path().join("fry-1.sqlite3"),
    );
    eventually("the fry screen online", WAIT, || async {
        holds(fry.online())
    })
    .await
    .expect("online");

    // A ticket the grill screen has raises nothing.
    let seen = hub
        .post_order(&pos, order_for("50", "grill", "Burger"))
        .await
        .expect("order")[0]
        .id
        .clone();
    eventually("on the grill screen", WAIT, || async {
        holds(holders(&hub, &pos, &seen).await? == ["grill-1"]).map_err(anyhow::Error::msg)
    })
    .await
    .expect("delivered");

    // Every grill screen is down: the next grill ticket is on no screen.
    grill.kill();
    let order = serde_json::json!({ "id": "u51", "number": "51", "table": "9", "items": [
        { "name": "Ribeye", "station": "grill", "modifiers": ["medium rare"], "allergens": ["dairy"] },
        { "name": "Fries", "station": "fry" } ] });
    let lost = hub.post_order(&pos, order).await.expect("order")[0]
        .id
        .clone();
    let posted = std::time::Instant::now();
    eventually("expo alerted", WAIT, || async {
        holds(alerts(&expo) == [lost.clone()])
    })
    .await
    .expect("the alert on expo");
    let waited = posted.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(6),
        "alerted {waited:?} after the post, with a 1 s delay"
    );
    assert_eq!(
        hub.count_events("order:u51", "kds:ticket-undelivered"),
        1,
        "the POS following the order is told too"
    );
    eventually("printed on the grill's fallback printer", WAIT, || async {
        holds(!printer.chits().is_empty())
    })
    .await
    .expect("printed");
    let chits = printer.chits();
    assert_eq!(chits.len(), 1, "{chits:?}");
    for expected in [
        "NOT ON ANY SCREEN",
        "Order #51",
        "Table: 9",
        "1 x Ribeye",
        "medium rare",
        "ALLERGY: dairy",
    ] {
        assert!(
            chits[0].contains(expected),
            "{expected:?} not on paper:\n{}",
            chits[0]
        );
    }
    assert!(
        !chits[0].contains("Fries"),
        "only the grill's part:\n{}",
        chits[0]
    );
    assert!(
        alerts(&expo).iter().all(|t| t != &seen),
        "the delivered ticket raised nothing"
    );
    // An expo screen starting now, with no cache, shows the standing alert too.
    let late_expo = ScreenProcess::start_expo(
        &hub.url,
        &hub.token("expo", &[]),
        dir.path().join("late-expo.sqlite3"),
    );
    eventually("a fresh expo shows the alert", WAIT, || async {
        holds(alerts(&late_expo) == [lost.clone()])
    })
    .await
    .expect("alert in the snapshot");

    // The grill screen comes back: it has the ticket, and the alert clears.
    grill.restart();
    eventually("the alert cleared", WAIT, || async {
        holds(alerts(&expo).is_empty() && alerts(&late_expo).is_empty())
    })
    .await
    .expect("cleared");
    assert_eq!(hub.count_events("order:u51", "kds:ticket-delivered"), 1);
    assert_eq!(
        holders(&hub, &pos, &lost).await.expect("holders"),
        ["grill-1"]
    );
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(printer.chits().len(), 1, "printed once");
    assert_eq!(
        hub.count_events("order:u51", "kds:ticket-undelivered"),
        1,
        "alerted once"
    );
}

/// A hub killed and started again goes on with the proofs and alerts it had: a ticket
/// no screen had when it died is still escalated (once, the delay counted from the
/// start, so screens can report again first), a ticket a screen proved before is not
/// (though that screen is still down), an alert raised before a restart is neither
/// raised nor printed again and is still in a fresh expo's snapshot, and the screen
/// coming back clears it once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proofs_and_alerts_outlive_a_hub_killed_and_started_again() {
    let AlertingKitchen {
        dir,
        printer,
        mut hub,
        pos,
        expo,
        mut grill,
    } = AlertingKitchen::start(2).await;

    let seen = hub
        .post_order(&pos, with_id("u60", order_for("60", "grill", "Burger")))
        .await
        .expect("order")[0]
        .id
        .clone();
    eventually("the grill screen's proof kept", WAIT, || async {
        holds(hub.proven_tickets() == [seen.clone()])
    })
    .await
    .expect("proof in the store");

    grill.kill();
    let lost = hub
        .post_order(&pos, with_id("u61", order_for("61", "grill", "Ribeye")))
        .await
        .expect("order")[0]
        .id
        .clone();
    hub.kill();
    assert_eq!(
        hub.count_events("order:u61", "kds:ticket-undelivered"),
        0,
        "killed before the delay was over"
    );
    hub.restart().expect("hub back");
    let restarted = std::time::Instant::now();
    eventually("expo alerted by the hub started again", WAIT, || async {
        holds(alerts(&expo) == [lost.clone()])
    })
    .await
    .expect("the alert on expo");
    assert!(
        restarted.elapsed() >= Duration::from_millis(1_900),
        "alerted {:?} after the start, with a 2 s delay",
        restarted.elapsed()
    );
    eventually("printed", WAIT, || async {
        holds(printer.chits().len() == 1)
    })
    .await
    .expect("printed");
    assert!(
        printer.chits()[0].contains("Order #61"),
        "{:?}",
        printer.chits()
    );

    hub.restart().expect("hub back again");
    let late_expo = ScreenProcess::start_expo(
        &hub.url,
        &hub.token("expo", &[]),
        dir.path().join("late-expo.sqlite3"),
    );
    eventually("a fresh expo shows the standing alert", WAIT, || async {
        holds(alerts(&late_expo) == [lost.clone()])
    })
    .await
    .expect("alert in the snapshot");
    // Past the delay after the second start: nothing raised or printed again, and the
    // ticket proven before the first crash never alerted.
    tokio::time::sleep(Duration::from_millis(3_000)).await;
    assert_eq!(hub.count_events("order:u61", "kds:ticket-undelivered"), 1);
    assert_eq!(hub.count_events("order:u60", "kds:ticket-undelivered"), 0);
    assert_eq!(printer.chits().len(), 1, "printed once");

    grill.restart();
    eventually("the alert cleared", WAIT, || async {
        holds(alerts(&expo).is_empty() && alerts(&late_expo).is_empty())
    })
    .await
    .expect("cleared");
    assert_eq!(hub.count_events("order:u61", "kds:ticket-delivered"), 1);
    assert_eq!(
        holders(&hub, &pos, &lost).await.expect("holders"),
        ["grill-1"]
    );
}

fn with_id(id: &str, mut order: Value) -> Value {
    order["id"] = Value::from(id);
    order
}
