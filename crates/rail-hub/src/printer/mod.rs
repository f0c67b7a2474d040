//! The printer door: `rail-hub` listening as network kitchen printers (ESC/POS over
//! raw TCP, as POSes print to port 9100), so any POS that can print a kitchen chit
//! feeds the screens without an integration.
//!
//! [`config`] declares the ports (`[[printers]]` in the hub's file), [`port`] serves
//! one, [`orders`] turns each chit into orders; [`capture`] and [`test`] are the
//! installer's tools. Decoding and reading chits live in the
//! `rail-printer` crate, which has no sockets.

pub mod capture;
pub mod config;
pub mod orders;
pub mod port;
pub mod test;

use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{Printer, PrinterFile};

use crate::hub::Hub;

/// A printer port being served.
pub struct OpenPort {
    pub name: String,
    /// The address it listens on (the real port when the configuration said 0).
    pub address: std::net::SocketAddr,
    pub task: JoinHandle<()>,
}

/// Binds every printer port, then serves them until `shutdown` turns true. Binding
/// all before serving any means a port that cannot be had stops the hub at start-up,
/// not silently later.
///
/// # Errors
/// The first port that could not be bound, with its printer's name.
pub async fn start(
    hub: &Arc<Hub>,
    printers: &[Printer],
    shutdown: &watch::Receiver<bool>,
) -> Result<Vec<OpenPort>, String> {
    let mut bound = Vec::new();
    for printer in printers {
        let listener = port::bind(printer).await.map_err(|error| {
            format!(
                "printer {:?}: cannot listen on {}: {error}",
                printer.name, printer.listen
            )
        })?;
        let address = listener.local_addr().map_err(|error| error.to_string())?;
        tracing::info!(printer = %printer.name, %address, station = %printer.station,
            location = %printer.location, "printer port open");
        bound.push((Arc::new(printer.clone()), listener, address));
    }
    Ok(bound
        .into_iter()
        .map(|(printer, listener, address)| OpenPort {
            name: printer.name.clone(),
            address,
            task: tokio::spawn(port::serve(
                hub.clone(),
                printer,
                listener,
                shutdown.clone(),
            )),
        })
        .collect())
}
