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
