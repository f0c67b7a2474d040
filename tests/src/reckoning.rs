//! The closing reckoning of a chaos run: what the POS posted and what each screen was
//! told to bump, held against what the hub's store recorded. Orders: each once. Bumps:
//! every one a screen acknowledged (durably queued) reached the store under its
//! idempotency key and bumped its ticket exactly once; no ticket was bumped twice; and
//! every bump in the store was made, or maybe made (its screen died before answering),
//! by the screen the store names — no phantom bumps.

use std::collections::{HashMap, HashSet};

use crate::screen::{Outcome, ScreenProcess};
use crate::HubProcess;

/// What the reckoning counted, for the run's closing line.
#[derive(Debug)]
pub struct Reckoning {
    /// Bumps the screens acknowledged.
    pub made: usize,
    /// Bumps sent to a screen that died before answering.
    pub maybe: usize,
    /// Bumps a screen refused (nothing queued).
    pub refused: usize,
    /// Bump events in the store.
    pub bump_events: usize,
}

/// Asserts every promise above of the `kds:grill` channel, reading the store through
/// `hub`; `devices[n]` is the device name of `screens[n]`.
///
/// # Panics
/// When a promise is broken, naming what broke it.
pub fn assert_orders_and_bumps_once(
    hub: &HubProcess,
    posted: usize,
    devices: &[String],
    screens: &[ScreenProcess],
) -> Reckoning {
    let mut numbers = hub.order_numbers();
    numbers.sort();
    let recorded = numbers.len();
    numbers.dedup();
    assert_eq!(recorded, numbers.len(), "an order was recorded twice");
    assert_eq!(recorded, posted, "every order exactly once");

    let mut made: Vec<(String, String, String)> = Vec::new(); // (device, ticket, key)
    let mut maybe: HashSet<(String, String)> = HashSet::new(); // (device, ticket)
    let mut refused = 0;
    for (device, screen) in devices.iter().zip(screens) {
        for sent in screen.commands() {
            let ticket = sent
                .line
                .strip_prefix("bump ")
                .expect("the run sends only bumps")
                .to_owned();
            match sent.outcome {
                Outcome::Acked(key) => made.push((device.clone(), ticket, key)),
                Outcome::Unanswered => {
                    maybe.insert((device.clone(), ticket));
                }
                Outcome::Refused(_) => refused += 1,
            }
        }
    }
    let bumps = hub.ticket_events("kds:grill", "kds:ticket-bumped");
    let mut bumps_per_ticket: HashMap<&str, u32> = HashMap::new();
    for (ticket, _) in &bumps {
        *bumps_per_ticket.entry(ticket.as_str()).or_default() += 1;
    }
    let keys = hub.idempotency_keys();
    let lost: Vec<&(String, String, String)> = made
        .iter()
        .filter(|(_, ticket, key)| {
            !keys.contains(key) || bumps_per_ticket.get(ticket.as_str()) != Some(&1)
        })
        .collect();
    assert!(
        lost.is_empty(),
        "bumps a screen had queued never reached the hub, or not exactly once: {lost:?}"
    );
    let doubled: Vec<(&&str, &u32)> = bumps_per_ticket.iter().filter(|(_, n)| **n > 1).collect();
    assert!(doubled.is_empty(), "tickets bumped twice: {doubled:?}");
    let made_by: HashSet<(String, String)> = made
        .iter()
        .map(|(device, ticket, _)| (device.clone(), ticket.clone()))
        .collect();
    let phantoms: Vec<&(String, Option<String>)> = bumps
        .iter()
        .filter(|(ticket, by)| {
            let pair = (by.clone().unwrap_or_default(), ticket.clone());
            !made_by.contains(&pair) && !maybe.contains(&pair)
        })
        .collect();
    assert!(
        phantoms.is_empty(),
        "bumps in the hub's log that no screen made: {phantoms:?}"
    );
    Reckoning {
        made: made.len(),
        maybe: maybe.len(),
        refused,
        bump_events: bumps.len(),
    }
}
