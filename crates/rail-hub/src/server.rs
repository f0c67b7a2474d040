//! Running the hub: `run(listener, hub, shutdown)` (plain HTTP) or `run_tls` serves
//! until `shutdown` resolves, then closes every socket with 1001 so screens reconnect
//! to the next hub.

use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::IncomingStream;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::hub::Hub;

/// Connections the kernel may hold for the hub before it accepts them. tokio's
/// `TcpListener::bind` asks for 128: when a hub restarts and every screen reconnects at
/// once, the SYNs beyond that are dropped and each such screen waits a second or more for
/// its retransmit (the kernel caps this at `net.core.somaxconn`).
const ACCEPT_BACKLOG: u32 = 4096;

/// Binds the hub's listening socket, with room for a reconnect storm.
///
/// # Errors
/// When the address cannot be bound.
pub fn bind(address: std::net::SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if address.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    // A restarted hub must get its port back while old connections sit in TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(ACCEPT_BACKLOG)
}

/// How often old history is pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// Serves REST and WebSocket in plain HTTP on `listener` until `shutdown` completes:
/// for loopback (the app's demo hub, tests) or behind the development flag.
///
/// # Errors
/// When the listener fails.
pub async fn run(
    listener: TcpListener,
    hub: Arc<Hub>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve(PlainListener(listener), hub, shutdown).await
}

/// Serves REST and WebSocket over TLS (HTTPS, WSS) on `listener`.
///
/// # Errors
/// When the listener fails.
pub async fn run_tls(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    hub: Arc<Hub>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve(crate::tls::TlsListener::new(listener, tls)?, hub, shutdown).await
}

/// The address a request came from, over plain TCP or TLS alike (axum's own
/// `ConnectInfo<SocketAddr>` knows only its own listeners).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub std::net::SocketAddr);

impl Connected<IncomingStream<'_, PlainListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, PlainListener>) -> Self {
        Peer(*stream.remote_addr())
    }
}

impl Connected<IncomingStream<'_, crate::tls::TlsListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, crate::tls::TlsListener>) -> Self {
        Peer(*stream.remote_addr())
    }
}

/// Plain TCP with Nagle's algorithm off on every connection. Nagle holds a small write
/// until the previous one is acknowledged, and the screen delays that ACK up to 40 ms:
/// `ready` then `subscribed`, or two events in a row, would wait for it.
pub struct PlainListener(TcpListener);

impl axum::serve::Listener for PlainListener {
    type Io = tokio::net::TcpStream;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, address) = axum::serve::Listener::accept(&mut self.0).await;
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "could not set TCP_NODELAY");
        }
        (stream, address)
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

async fn serve<L>(
    listener: L,
    hub: Arc<Hub>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: axum::serve::Listener<Addr = std::net::SocketAddr>,
    Peer: for<'a> Connected<IncomingStream<'a, L>>,
{
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
    let scheduler = tokio::spawn(crate::schedule::run(hub.clone()));
    let escalation = tokio::spawn(crate::escalation::run(hub.clone()));
    let app = app.into_make_service_with_connect_info::<Peer>();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: closing sockets with 1001");
            let _ = stop_sockets.send(true);
        })
        .await;
    pruner.abort();
    scheduler.abort();
    escalation.abort();
    // Upgraded sockets live outside axum's connection tracking, so `serve` returns
    // while they are still sending their 1001 (perhaps behind a snapshot of several
    // megabytes). Exiting then would cut them off without a close frame. Their
    // writers end once the close frame is out; the wait for each client's answer
    // after that is not worth holding a restart for.
    let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
    while hub.writers_running.load(Ordering::Relaxed) > 0 && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    result
}

/// How long a shutting-down hub waits for its sockets to send their close frames.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the Socket.IO comparison: with tokio's default backlog of 128, screens
    /// reconnecting at once beyond that had their SYNs dropped and waited a second or
    /// more each. Connections are queued by the kernel before any accept, so a listener
    /// that accepts nothing shows the backlog.
    #[tokio::test]
    async fn a_reconnect_storm_fits_in_the_accept_queue() {
        let somaxconn: usize = std::fs::read_to_string("/proc/sys/net/core/somaxconn")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(128);
        let storm = 300.min(somaxconn);
        let listener = bind("127.0.0.1:0".parse().expect("address")).expect("bind");
        let address = listener.local_addr().expect("address");
        let connects = (0..storm).map(|_| {
            tokio::time::timeout(
                Duration::from_secs(5),
                tokio::net::TcpStream::connect(address),
            )
        });
        let results = futures_util::future::join_all(connects).await;
        let connected = results.iter().filter(|r| matches!(r, Ok(Ok(_)))).count();
        assert_eq!(
            connected, storm,
            "screens left waiting for a SYN retransmit"
        );
    }
}
