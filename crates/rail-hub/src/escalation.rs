//! Escalation of tickets no screen of their station has (see [`crate::delivery`]):
//! every quarter second the hub raises an alert for each ticket past the configured
//! delay — an event for expo and the POS — and prints it on the station's fallback
//! printer, and announces the all-clear once a screen reports having it.

use std::sync::Arc;
use std::time::Duration;

use rail_printer::print::{chit, PrintLine};
use rail_protocol::Ticket;
use tokio::io::AsyncWriteExt;

use crate::clock::now_ms;
use crate::hub::Hub;

/// How often overdue tickets are looked for.
const EVERY: Duration = Duration::from_millis(250);
/// How long a fallback printer may take to take a chit.
const PRINT_TIMEOUT: Duration = Duration::from_secs(5);

/// Runs until the task is aborted.
pub async fn run(hub: Arc<Hub>) {
    let mut every = tokio::time::interval(EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        // Off the async workers: keeping proofs and raising alerts is a transaction.
        let escalating = hub.clone();
        let to_print =
            match tokio::task::spawn_blocking(move || escalating.escalate(now_ms())).await {
                Ok(to_print) => to_print,
                Err(error) => {
                    tracing::warn!(%error, "the escalation task failed");
                    continue;
                }
            };
        for (printer, ticket) in to_print {
            tokio::spawn(async move {
                match print(&printer, &ticket).await {
                    Ok(()) => {
                        tracing::info!(%printer, ticket = %ticket.id, "printed on the fallback printer")
                    }
                    Err(error) => {
                        tracing::warn!(%printer, ticket = %ticket.id, %error, "could not print on the fallback printer")
                    }
                }
            });
        }
    }
}

/// Sends `ticket` as a chit to the printer at `address`.
async fn print(address: &str, ticket: &Ticket) -> std::io::Result<()> {
    let bytes = chit(&chit_lines(ticket));
    let send = async {
        let mut stream = tokio::net::TcpStream::connect(address).await?;
        stream.write_all(&bytes).await?;
        stream.shutdown().await
    };
    tokio::time::timeout(PRINT_TIMEOUT, send)
        .await
        .unwrap_or_else(|_| {
            Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "timed out",
            ))
        })
}

/// What the paper says: why it printed, the order, and what to cook.
pub fn chit_lines(ticket: &Ticket) -> Vec<PrintLine> {
    let mut lines = vec![
        PrintLine::big("NOT ON ANY SCREEN"),
        PrintLine::normal(format!("Station: {}", ticket.station.to_uppercase())),
        PrintLine::big(format!("Order #{}", ticket.order_number)),
    ];
    if let Some(table) = &ticket.table {
        lines.push(PrintLine::normal(format!("Table: {table}")));
    }
    if let Some(guest) = &ticket.guest {
        lines.push(PrintLine::normal(format!("Guest: {guest}")));
    }
    if let Some(notes) = &ticket.notes {
        lines.push(PrintLine::normal(format!("Note: {notes}")));
    }
    lines.push(PrintLine::normal("-".repeat(32)));
    for item in ticket.items_to_cook() {
        lines.push(PrintLine::big(format!("{} x {}", item.qty, item.name)));
        for modifier in &item.modifiers {
            lines.push(PrintLine::normal(format!("   - {modifier}")));
        }
        if let Some(note) = &item.notes {
            lines.push(PrintLine::normal(format!("   Note: {note}")));
        }
        if !item.allergens.is_empty() {
            lines.push(PrintLine::normal(format!(
                "   ALLERGY: {}",
                item.allergens.join(", ")
            )));
        }
    }
    lines
}
