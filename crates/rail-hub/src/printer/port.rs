//! One printer port: accepts the POS's connections, answers its status requests,
//! reads its chits, optionally passes every byte on to a real printer, and hands each
//! chit to [`super::orders`].
//!
//! Limits, each refusal logged with the printer's name and the peer: connections open
//! at once (more are closed at once), a chit's size (a bigger one ends the connection
//! after keeping what was printed so far), and silence (an idle connection is closed;
//! what it printed is kept).

use std::net::SocketAddr;
use std::sync::Arc;

use rail_printer::chit::{Chit, ChitReader};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};

use super::config::Printer;
use super::orders;
use crate::clock::now_ms;
use crate::hub::Hub;

/// How often refused connections are reported.
const REPORT_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Binds a printer's port.
///
/// # Errors
/// When the address cannot be bound (in use, or not this machine's).
pub async fn bind(printer: &Printer) -> std::io::Result<TcpListener> {
    TcpListener::bind(printer.listen).await
}

/// Serves a bound printer port until `shutdown` turns true.
pub async fn serve(
    hub: Arc<Hub>,
    printer: Arc<Printer>,
    listener: TcpListener,
    mut shutdown: watch::Receiver<bool>,
) {
    let open = Arc::new(Semaphore::new(printer.max_connections));
    let mut refused = 0u64;
    let mut last_report = None;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => return,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(error) => {
                // Out of descriptors, usually: wait a moment rather than spin.
                tracing::warn!(printer = %printer.name, %error, "printer port could not accept");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            drop(stream);
            // One line a second at most: a flood must not flood the log too.
            refused += 1;
            if last_report.is_none_or(|at: tokio::time::Instant| at.elapsed() >= REPORT_EVERY) {
                tracing::warn!(printer = %printer.name, %peer, limit = printer.max_connections,
                    refused, "printer port refused connections: too many open at once");
                refused = 0;
                last_report = Some(tokio::time::Instant::now());
            }
            continue;
        };
        let hub = hub.clone();
        let printer = printer.clone();
        tokio::spawn(async move {
            connection(&hub, &printer, stream, peer).await;
            drop(permit);
        });
    }
}

/// Why a connection ended, for the log.
#[derive(Debug)]
enum End {
    Closed,
    Idle,
    TooBig,
    Failed(std::io::Error),
}

async fn connection(
    hub: &Arc<Hub>,
    printer: &Arc<Printer>,
    mut stream: TcpStream,
    peer: SocketAddr,
) {
    tracing::debug!(printer = %printer.name, %peer, "printer connection opened");
    let mut reader = ChitReader::new(printer.code_page);
    let mut forward = match &printer.forward {
        Some(address) => open_forward(printer, address).await,
        None => None,
    };
    let mut buffer = vec![0u8; 16 * 1024];
    let mut chit_bytes = 0usize;
    let end = loop {
        let read = tokio::time::timeout(printer.idle_timeout, stream.read(&mut buffer)).await;
        let n = match read {
            Err(_) => break End::Idle,
            Ok(Ok(0)) => break End::Closed,
            Ok(Ok(n)) => n,
            Ok(Err(error)) => break End::Failed(error),
        };
        let bytes = &buffer[..n];
        if let Some(printer_stream) = forward.as_mut() {
            if let Err(error) = printer_stream.write_all(bytes).await {
                tracing::warn!(printer = %printer.name, %error,
                    "the forward printer stopped taking bytes; carrying on without it");
                forward = None;
            }
        }
        let read = reader.feed(bytes);
        if !read.reply.is_empty() {
            if let Err(error) = stream.write_all(&read.reply).await {
                break End::Failed(error);
            }
        }
        if read.chits.is_empty() {
            chit_bytes += n;
        } else {
            chit_bytes = 0;
        }
        for chit in read.chits {
            deliver(hub, printer, chit, peer).await;
        }
        if chit_bytes > printer.max_chit_bytes {
            break End::TooBig;
        }
    };
    let (last, truncated) = reader.finish();
    match &end {
        End::Closed => {}
        End::Idle => tracing::warn!(printer = %printer.name, %peer,
            idle_secs = printer.idle_timeout.as_secs(),
            "printer connection silent too long; closed it"),
        End::TooBig => tracing::warn!(printer = %printer.name, %peer,
            limit = printer.max_chit_bytes,
            "a chit went past the size limit; closed the connection and kept what it printed"),
        End::Failed(error) => tracing::warn!(printer = %printer.name, %peer, %error,
            "printer connection failed"),
    }
    if truncated {
        tracing::warn!(printer = %printer.name, %peer, "the stream ended inside a printer command");
    }
    if let Some(chit) = last {
        if matches!(end, End::Closed) {
            tracing::info!(printer = %printer.name, %peer,
                "the connection closed without a cut; its last chit ends there");
        }
        deliver(hub, printer, chit, peer).await;
    }
    tracing::debug!(printer = %printer.name, %peer, ?end, "printer connection closed");
}

/// Applies a chit on the blocking pool: it commits to SQLite, which must not stall
/// the async workers serving screens.
async fn deliver(hub: &Arc<Hub>, printer: &Arc<Printer>, chit: Chit, peer: SocketAddr) {
    let (hub, printer_for_task) = (hub.clone(), printer.clone());
    let text = chit.text();
    let applied = tokio::task::spawn_blocking(move || {
        let outcome = orders::apply(&hub, &printer_for_task, &chit, now_ms());
        if outcome.is_ok() {
            hub.metrics
                .chits
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        outcome.map_err(|error| error.to_string())
    })
    .await
    .unwrap_or_else(|error| Err(format!("the task applying it failed: {error}")));
    match applied {
        Ok(outcome) => tracing::info!(printer = %printer.name, %peer, ?outcome, "chit received"),
        // The POS has been told nothing went wrong (a printer has no way to say so),
        // so the text goes to the log where an operator can recover it.
        Err(error) => tracing::error!(printer = %printer.name, %peer, %error, %text,
            "a chit could not be stored"),
    }
}

async fn open_forward(printer: &Printer, address: &str) -> Option<TcpStream> {
    let connect = TcpStream::connect(address);
    match tokio::time::timeout(std::time::Duration::from_secs(3), connect).await {
        Ok(Ok(stream)) => Some(stream),
        Ok(Err(error)) => {
            tracing::warn!(printer = %printer.name, forward = %address, %error,
                "cannot reach the forward printer; this chit goes to the screens only");
            None
        }
        Err(_) => {
            tracing::warn!(printer = %printer.name, forward = %address,
                "the forward printer did not answer in 3 s; this chit goes to the screens only");
            None
        }
    }
}
