//! End to end in the real window: a rail-hub process, the built Rail app under Xvfb,
//! driven through tauri-driver and WebKitWebDriver. Run by `cargo xtask test`, which
//! builds the app and provides the display.

use std::time::Duration;

use rail_tests::window::{screenshot, wait_for_absence, wait_for_element, TauriDriver};
use rail_tests::{order_for, target_dir, HubProcess};

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the built app, a display and tauri-driver: run through `cargo xtask test`"]
async fn an_order_appears_as_a_card_and_a_tap_bumps_it_at_the_hub() {
    let app = target_dir().join("rail");
    assert!(
        app.exists(),
        "{} is missing: build it with `cargo xtask test`",
        app.display()
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = HubProcess::start(dir.path()).expect("hub");
    let pos = hub.token("pos", &[]);
    let screen_token = hub.token("kds", &["grill"]);
    let waiting = hub
        .post_order(&pos, order_for("41", "grill", "Smash Burger"))
        .await
        .expect("order")[0]
        .clone();

    let driver = TauriDriver::start().expect("tauri-driver");
    let args: Vec<String> = vec![
        "--hub".into(),
        hub.url.clone(),
        "--token".into(),
        screen_token.clone(),
        "--station".into(),
        "grill".into(),
        "--db".into(),
        dir.path().join("screen.sqlite3").display().to_string(),
        "--no-sound".into(),
    ];
    let client = driver.session(&app, &args).await.expect("session");

    let result = async {
        wait_for_element(
            &client,
            r#"[data-testid="connection"][data-state="online"]"#,
            WAIT,
        )
        .await?;
        // The order posted before the screen started comes with the snapshot.
        wait_for_element(&client, r#"[data-order-number="41"]"#, WAIT).await?;
        let fresh = hub
            .post_order(&pos, order_for("42", "grill", "Cheeseburger"))
            .await?[0]
            .clone();
        let card = wait_for_element(&client, r#"[data-order-number="42"]"#, WAIT).await?;
        let text = card.text().await?;
        anyhow::ensure!(
            text.contains("Cheeseburger") && text.contains("no onion") && text.contains("T5"),
            "card text: {text:?}"
        );
        let shot = screenshot(&client, "rail-two-tickets").await?;
        eprintln!("screenshot: {}", shot.display());

        card.click().await?;
        wait_for_absence(&client, r#"[data-order-number="42"]"#, WAIT).await?;
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let ticket = hub.ticket(&screen_token, &fresh.id).await?;
            if ticket.status == rail_protocol::TicketStatus::Bumped {
                break;
            }
            anyhow::ensure!(
                std::time::Instant::now() < deadline,
                "the hub never recorded the bump"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let open = hub.open_tickets(&screen_token, "grill").await?;
        anyhow::ensure!(
            open.len() == 1 && open[0].id == waiting.id,
            "only #41 stays open at the hub: {open:?}"
        );
        wait_for_element(&client, r#"[data-order-number="41"]"#, WAIT).await?;
        screenshot(&client, "rail-after-bump").await?;
        anyhow::Ok(())
    }
    .await;
    let _ = client.close().await;
    drop(driver);
    result.expect("end-to-end scenario");
}
