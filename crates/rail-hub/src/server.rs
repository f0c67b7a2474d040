//! Running the hub: `run(listener, hub, shutdown)` serves until `shutdown` resolves,
//! then closes every socket with 1001 so screens reconnect to the next hub.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::hub::Hub;

/// How often old history is pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// Serves REST and WebSocket on `listener` until `shutdown` completes.
///
/// # Errors
/// When the listener fails.
pub async fn run(
    listener: TcpListener,
    hub: Arc<Hub>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_sockets, sockets_stop) = watch::channel(false);
    let app = crate::api::router(hub.clone(), sockets_stop);
    let pruner = tokio::spawn({
        let hub = hub.clone();
        async move {
            let mut every = tokio::time::interval(PRUNE_EVERY);
            loop {
                every.tick().await;
                match hub.prune_history() {
                    Ok(0) => {}
                    Ok(removed) => tracing::info!(removed, "pruned old history"),
                    Err(error) => tracing::warn!(%error, "could not prune history"),
                }
            }
        }
    });
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: closing sockets with 1001");
            let _ = stop_sockets.send(true);
        })
        .await;
    pruner.abort();
    result
}
