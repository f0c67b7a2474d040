//! Demo mode: a rail-hub inside the app on a loopback port, with a simulated POS, so
//! one command shows a working kitchen (and a one-screen food truck needs nothing else).

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use rail_hub::auth::{claims, Role};
use rail_hub::{Hub, HubConfig};

/// The location the demo kitchen is in.
pub const LOCATION: &str = "demo";

/// Where the screen connects in demo mode.
pub struct Embedded {
    pub hub_url: String,
    pub screen_token: String,
    pub channels: Vec<String>,
}

/// Starts the embedded hub (database in `data_dir`) and the simulated POS.
///
/// # Errors
/// When the hub's database cannot be opened or no loopback port is free.
pub async fn start(data_dir: &Path, every: Duration) -> anyhow::Result<Embedded> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let db = data_dir.join("demo-hub.sqlite3");
    // A printer port for the grill, so some of the simulated POS's orders arrive as
    // printed kitchen chits, as they do from a POS without an integration.
    let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let printer = rail_hub::printer::PrinterFile::new("grill", loopback, LOCATION, "grill")
        .compile()
        .map_err(anyhow::Error::msg)?;
    let config = HubConfig {
        printers: vec![printer],
        // The demo kitchen has no line screens (this screen shows every station): every
        // ticket would be "on no screen" and alert. A shift's length keeps it quiet.
        delivery_alert: std::time::Duration::from_secs(12 * 3600),
        ..HubConfig::default()
    };
    let hub = Hub::open(&db, config, None).with_context(|| format!("opening {}", db.display()))?;
    let (printers_stop, printers_stopped) = tokio::sync::watch::channel(false);
    let ports = rail_hub::printer::start(&hub, &hub.config.printers, &printers_stopped)
        .await
        .map_err(anyhow::Error::msg)?;
    let printer_address = ports.first().map(|port| port.address.to_string());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("binding the demo hub")?;
    let hub_url = format!("http://{}", listener.local_addr()?);
    let year = 365 * 24 * 3600;
    let pos_token = hub
        .authority
        .issue(&claims(LOCATION, Role::Pos, &[], "demo-pos", year))?;
    // An expo token: the demo screen shows every station's tickets.
    let screen_token =
        hub.authority
            .issue(&claims(LOCATION, Role::Expo, &[], "demo-screen", year))?;
    tokio::spawn(async move {
        if let Err(error) = rail_hub::run(listener, hub, std::future::pending()).await {
            tracing::error!(%error, "demo hub stopped");
        }
        drop(printers_stop);
    });
    let url = hub_url.clone();
    tokio::spawn(async move {
        rail_hub::demo::run_pos(
            reqwest::Client::new(),
            &url,
            &pos_token,
            every,
            None,
            printer_address.as_deref(),
        )
        .await;
    });
    tracing::info!(%hub_url, "demo hub and simulated POS running");
    Ok(Embedded {
        hub_url,
        screen_token,
        channels: vec![rail_protocol::Channel::Location(LOCATION.to_owned()).to_string()],
    })
}
