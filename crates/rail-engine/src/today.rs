//! The day so far, for expo's strip: tickets bumped today, their average time and how
//! many were late, and what is on the rail now, as the hub computes them from its
//! service record. An expo screen asks on a fixed interval and soon after the board
//! changes, at most every few seconds; a station screen never asks.

use std::sync::Arc;
use std::time::Duration;

use rail_protocol::TodaySummary;
use tokio::sync::watch;

use crate::shared::Shared;

/// How often the strip is brought up to date when nothing changes.
pub const REFRESH_EVERY: Duration = Duration::from_secs(30);
/// The least time between two requests, however busy the pass.
pub const AT_MOST_EVERY: Duration = Duration::from_secs(3);

/// Minutes east of UTC the screen's day is cut in: its own time zone.
fn local_offset_min() -> i32 {
    chrono::Local::now().offset().local_minus_utc() / 60
}

/// Why a request for the day's figures failed.
#[derive(Debug, thiserror::Error)]
enum TodayError {
    #[error("no access token: {0}")]
    Access(String),
    #[error("{0}")]
    Http(#[from] reqwest::Error),
}

async fn fetch(shared: &Shared) -> Result<TodaySummary, TodayError> {
    let hub = shared.hub_url();
    let bearer = shared
        .access
        .bearer(&shared.http, &hub)
        .await
        .map_err(|e| TodayError::Access(e.to_string()))?;
    let url = format!(
        "{}/api/reports/today?tzOffsetMin={}",
        hub.trim_end_matches('/'),
        local_offset_min()
    );
    Ok(shared
        .http
        .get(url)
        .bearer_auth(bearer)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?)
}

/// Keeps `Status::today` current while the screen is an expo screen.
pub(crate) async fn run(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let mut board = shared.watch_board();
    loop {
        if board.borrow_and_update().expo {
            match fetch(&shared).await {
                Ok(today) => shared.set_today(today),
                // The strip keeps its last figures; the link's state is shown elsewhere.
                Err(error) => tracing::debug!(%error, "the day's figures are out of reach"),
            }
        }
        tokio::select! {
            _ = stop.changed() => return,
            _ = tokio::time::sleep(AT_MOST_EVERY) => {}
        }
        tokio::select! {
            _ = stop.changed() => return,
            _ = board.changed() => {}
            _ = tokio::time::sleep(REFRESH_EVERY.saturating_sub(AT_MOST_EVERY)) => {}
        }
    }
}
