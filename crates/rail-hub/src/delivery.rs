//! Proof that each ticket reached its station. Screens report, per channel, the
//! sequence they have applied (committed in their own cache); the hub matches those
//! reports against the events that put tickets on a station's rail, so it can say which
//! screens have a ticket and since when (`GET /api/tickets/{id}/delivery`).
//!
//! A ticket no screen has some seconds after it arrived is [`overdue`](Deliveries::overdue):
//! the hub escalates it once, and says so again once a screen has it.
//!
//! Matching runs in memory, bounded (each channel remembers its last [`MAX_ARRIVALS`]
//! arrivals); what must outlive the process is written to the store: the first proof
//! a screen connected here gives of each arrival ([`take_proofs`](Deliveries::take_proofs)),
//! and the alerts (`store::deliveries`). A hub starting again reads its recent
//! arrivals back from the event log with them ([`restore`](Deliveries::restore)).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use rail_protocol::{ScreenReceipt, TicketDelivery};

use crate::store::deliveries::KeptArrival;
use crate::store::Published;

/// Arrivals remembered per channel: a busy station's day.
pub const MAX_ARRIVALS: usize = 5_000;

/// Who has which ticket, as far as the screens have said.
#[derive(Debug, Default)]
pub struct Deliveries(Mutex<State>);

#[derive(Debug, Default)]
struct State {
    /// Per (location, channel): tickets put on the rail, by rising sequence.
    arrivals: HashMap<(String, String), VecDeque<Arrival>>,
    /// Per (location, screen, channel): the highest sequence the screen has applied.
    applied: HashMap<(String, String, String), u64>,
    /// Per (location, ticket id): its latest arrival and the screens that have it.
    records: HashMap<(String, String), Record>,
}

#[derive(Debug)]
struct Record {
    delivery: TicketDelivery,
    /// When the escalation delay starts: the arrival, or for an arrival read back at
    /// start, the start itself (its screens get the whole delay to report again).
    due_from_ms: i64,
    /// Looked at for an alert already: each arrival is escalated at most once.
    escalated: bool,
    proof: Proof,
}

/// Whether a screen connected to this hub proved the arrival, and whether the store
/// has that proof yet.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Proof {
    None,
    Unwritten { screen: String, at_ms: i64 },
    Written,
}

/// One arrival of a ticket on a station's rail, as the store keys it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArrivalKey {
    pub location: String,
    pub channel: String,
    pub seq: u64,
    pub ticket_id: String,
    pub posted_at_ms: i64,
}

/// The first proof a screen connected to this hub gave of an arrival.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenProof {
    pub arrival: ArrivalKey,
    pub screen: String,
    pub at_ms: i64,
}

impl ArrivalKey {
    /// The order every hub writes arrivals to the store in: hubs writing the same
    /// arrivals at once then lock them in one order and cannot deadlock.
    fn store_order(&self) -> (&str, &str, u64) {
        (&self.location, &self.channel, self.seq)
    }
}

#[derive(Debug)]
struct Arrival {
    seq: u64,
    ticket_id: String,
}

impl Deliveries {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A ticket reached the rail of `channel` with event `seq`: the proof starts again
    /// (a recalled or fired ticket must reach the screens again). The same arrival
    /// heard twice (from another hub and from the store) is noted once.
    pub fn arrived(&self, location: &str, channel: &str, seq: u64, ticket_id: &str, at_ms: i64) {
        self.note_arrival(location, channel, seq, ticket_id, at_ms, at_ms);
    }

    /// Notes the tickets `published` events put on a station's rail.
    pub fn arrived_with(&self, published: &[Published], at_ms: i64) {
        for event in published {
            if let Some(ticket_id) = &event.arrival {
                self.arrived(
                    &event.location_id,
                    &event.channel,
                    event.seq,
                    ticket_id,
                    at_ms,
                );
            }
        }
    }

    fn note_arrival(
        &self,
        location: &str,
        channel: &str,
        seq: u64,
        ticket_id: &str,
        at_ms: i64,
        due_from_ms: i64,
    ) -> bool {
        let mut state = self.state();
        let arrivals = state
            .arrivals
            .entry((location.to_owned(), channel.to_owned()))
            .or_default();
        // Another hub's events may come out of order (a gap filled from the store).
        let at = arrivals.partition_point(|a| a.seq < seq);
        if arrivals.get(at).is_some_and(|a| a.seq == seq) {
            return false;
        }
        arrivals.insert(
            at,
            Arrival {
                seq,
                ticket_id: ticket_id.to_owned(),
            },
        );
        if arrivals.len() > MAX_ARRIVALS {
            if let Some(old) = arrivals.pop_front() {
                let key = (location.to_owned(), old.ticket_id);
                if state
                    .records
                    .get(&key)
                    .is_some_and(|r| r.delivery.seq == old.seq)
                {
                    state.records.remove(&key);
                }
            }
        }
        let key = (location.to_owned(), ticket_id.to_owned());
        if state
            .records
            .get(&key)
            .is_some_and(|r| r.delivery.channel == channel && r.delivery.seq > seq)
        {
            return false;
        }
        state.records.insert(
            key,
            Record {
                delivery: TicketDelivery {
                    ticket_id: ticket_id.to_owned(),
                    channel: channel.to_owned(),
                    seq,
                    posted_at_ms: at_ms,
                    screens: Vec::new(),
                },
                due_from_ms,
                escalated: false,
                proof: Proof::None,
            },
        );
        true
    }

    /// Takes back what the store kept of recent arrivals, when the hub starts at
    /// `now_ms`: a proven arrival keeps its proof, an alerted one is not alerted again,
    /// and the others are escalated only if no screen proves them within the delay
    /// from now (screens report their position as soon as they are connected again).
    pub fn restore(&self, kept: Vec<KeptArrival>, now_ms: i64) {
        for arrival in kept {
            if !self.note_arrival(
                &arrival.location,
                &arrival.channel,
                arrival.seq,
                &arrival.ticket_id,
                arrival.posted_at_ms,
                arrival.posted_at_ms.max(now_ms),
            ) {
                continue;
            }
            let mut state = self.state();
            if let Some(record) = state
                .records
                .get_mut(&(arrival.location, arrival.ticket_id))
            {
                record.escalated = arrival.alerted;
                if let Some((screen, at_ms)) = arrival.proof {
                    record.delivery.screens.push(ScreenReceipt {
                        screen,
                        name: None,
                        at_ms,
                    });
                    record.proof = Proof::Written;
                }
            }
        }
    }

    /// `screen` has applied `channel` up to `seq`: it has every ticket that arrived
    /// there since its last report. `here` says the screen is connected to this hub
    /// (not to another hub of the group, which keeps its own proofs).
    pub fn applied(
        &self,
        location: &str,
        screen: &str,
        channel: &str,
        seq: u64,
        at_ms: i64,
        here: bool,
    ) {
        let mut state = self.state();
        let key = (location.to_owned(), screen.to_owned(), channel.to_owned());
        let before = state.applied.get(&key).copied().unwrap_or(0);
        if seq <= before {
            return;
        }
        state.applied.insert(key, seq);
        let State {
            arrivals, records, ..
        } = &mut *state;
        let Some(arrivals) = arrivals.get(&(location.to_owned(), channel.to_owned())) else {
            return;
        };
        let from = arrivals.partition_point(|a| a.seq <= before);
        for arrival in arrivals.range(from..).take_while(|a| a.seq <= seq) {
            let Some(record) = records.get_mut(&(location.to_owned(), arrival.ticket_id.clone()))
            else {
                continue;
            };
            // Only the ticket's latest arrival counts.
            if record.delivery.seq != arrival.seq || record.delivery.channel != channel {
                continue;
            }
            record.note_screen(screen, at_ms);
            if here && record.proof == Proof::None {
                record.proof = Proof::Unwritten {
                    screen: screen.to_owned(),
                    at_ms,
                };
            }
        }
    }

    /// Another hub proved the arrival of `ticket_id` at `seq` (read in the store).
    pub fn proven_elsewhere(&self, arrival: &ArrivalKey, screen: &str, at_ms: i64) {
        if let Some(record) = self.state().current(arrival) {
            record.note_screen(screen, at_ms);
        }
    }

    /// What is known of `ticket_id`'s latest arrival.
    pub fn of(&self, location: &str, ticket_id: &str) -> Option<TicketDelivery> {
        self.state()
            .records
            .get(&(location.to_owned(), ticket_id.to_owned()))
            .map(|r| r.delivery.clone())
    }

    /// Arrivals on no screen `after_ms` after they were due, not escalated yet; each
    /// is answered once.
    pub fn overdue(&self, now_ms: i64, after_ms: i64) -> Vec<ArrivalKey> {
        let mut state = self.state();
        let mut taken = Vec::new();
        for ((location, _), record) in &mut state.records {
            if !record.escalated
                && record.delivery.screens.is_empty()
                && now_ms - record.due_from_ms >= after_ms
            {
                record.escalated = true;
                taken.push(record.key(location));
            }
        }
        taken.sort_by(|a, b| a.store_order().cmp(&b.store_order()));
        taken
    }

    /// Takes back `proofs` and `overdue` arrivals the store could not be given, so the
    /// next sweep writes and escalates them (unless a screen proved them meanwhile).
    pub fn retry(&self, proofs: &[ScreenProof], overdue: &[ArrivalKey]) {
        let mut state = self.state();
        for proof in proofs {
            if let Some(record) = state.current(&proof.arrival) {
                if record.proof == Proof::Written {
                    record.proof = Proof::Unwritten {
                        screen: proof.screen.clone(),
                        at_ms: proof.at_ms,
                    };
                }
            }
        }
        for arrival in overdue {
            if let Some(record) = state.current(arrival) {
                record.escalated = false;
            }
        }
    }

    /// Proofs given by screens connected here that the store does not have yet; each
    /// is answered once.
    pub fn take_proofs(&self) -> Vec<ScreenProof> {
        let mut state = self.state();
        let mut taken = Vec::new();
        for ((location, _), record) in &mut state.records {
            if let Proof::Unwritten { screen, at_ms } = &record.proof {
                let proof = ScreenProof {
                    arrival: record.key(location),
                    screen: screen.clone(),
                    at_ms: *at_ms,
                };
                record.proof = Proof::Written;
                taken.push(proof);
            }
        }
        taken.sort_by(|a, b| a.arrival.store_order().cmp(&b.arrival.store_order()));
        taken
    }
}

impl State {
    /// The record of `arrival`, while it is its ticket's latest.
    fn current(&mut self, arrival: &ArrivalKey) -> Option<&mut Record> {
        self.records
            .get_mut(&(arrival.location.clone(), arrival.ticket_id.clone()))
            .filter(|r| r.delivery.channel == arrival.channel && r.delivery.seq == arrival.seq)
    }
}

impl Record {
    fn key(&self, location: &str) -> ArrivalKey {
        ArrivalKey {
            location: location.to_owned(),
            channel: self.delivery.channel.clone(),
            seq: self.delivery.seq,
            ticket_id: self.delivery.ticket_id.clone(),
            posted_at_ms: self.delivery.posted_at_ms,
        }
    }

    fn note_screen(&mut self, screen: &str, at_ms: i64) {
        if !self.delivery.screens.iter().any(|r| r.screen == screen) {
            self.delivery.screens.push(ScreenReceipt {
                screen: screen.to_owned(),
                name: None,
                at_ms,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn screens(deliveries: &Deliveries, ticket: &str) -> Vec<(String, i64)> {
        deliveries
            .of("loc", ticket)
            .map(|d| d.screens.into_iter().map(|r| (r.screen, r.at_ms)).collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_screen_has_the_tickets_up_to_what_it_applied_and_no_further() {
        let deliveries = Deliveries::default();
        deliveries.arrived("loc", "kds:grill", 3, "a", 100);
        deliveries.arrived("loc", "kds:grill", 5, "b", 110);
        deliveries.arrived("loc", "kds:fry", 2, "c", 120);
        deliveries.applied("loc", "grill-1", "kds:grill", 4, 130, true);
        assert_eq!(screens(&deliveries, "a"), [("grill-1".to_owned(), 130)]);
        assert!(screens(&deliveries, "b").is_empty(), "applied only up to 4");
        deliveries.applied("loc", "grill-1", "kds:grill", 4, 135, true);
        deliveries.applied("loc", "grill-2", "kds:grill", 9, 140, true);
        deliveries.applied("loc", "grill-1", "kds:grill", 6, 150, true);
        assert_eq!(
            screens(&deliveries, "a"),
            [("grill-1".to_owned(), 130), ("grill-2".to_owned(), 140)],
            "first report counts; a repeat changes nothing"
        );
        assert_eq!(
            screens(&deliveries, "b"),
            [("grill-2".to_owned(), 140), ("grill-1".to_owned(), 150)]
        );
        assert!(screens(&deliveries, "c").is_empty(), "another channel");
        assert!(
            deliveries.of("elsewhere", "a").is_none(),
            "another location"
        );
    }

    #[test]
    fn a_ticket_back_on_the_rail_must_reach_the_screens_again() {
        let deliveries = Deliveries::default();
        deliveries.arrived("loc", "kds:grill", 1, "a", 100);
        deliveries.applied("loc", "grill-1", "kds:grill", 1, 110, true);
        deliveries.arrived("loc", "kds:grill", 7, "a", 200);
        let record = deliveries.of("loc", "a").expect("record");
        assert_eq!((record.seq, record.posted_at_ms), (7, 200));
        assert!(record.screens.is_empty());
        deliveries.applied("loc", "grill-1", "kds:grill", 7, 210, true);
        assert_eq!(screens(&deliveries, "a"), [("grill-1".to_owned(), 210)]);
    }

    fn tickets(arrivals: &[ArrivalKey]) -> Vec<&str> {
        arrivals.iter().map(|a| a.ticket_id.as_str()).collect()
    }

    /// Tickets `a` and `b` put on the grill's rail at 1 s; a screen on this hub has
    /// applied `a` only.
    fn a_proven_and_b_not() -> Deliveries {
        let deliveries = Deliveries::default();
        deliveries.arrived("loc", "kds:grill", 1, "a", 1_000);
        deliveries.arrived("loc", "kds:grill", 2, "b", 1_000);
        deliveries.applied("loc", "grill-1", "kds:grill", 1, 1_100, true);
        deliveries
    }

    #[test]
    fn a_ticket_on_no_screen_is_overdue_once() {
        let deliveries = a_proven_and_b_not();
        assert!(deliveries.overdue(5_000, 5_000).is_empty(), "not yet");
        assert_eq!(
            tickets(&deliveries.overdue(6_000, 5_000)),
            ["b"],
            "a is on grill-1"
        );
        assert!(deliveries.overdue(9_000, 5_000).is_empty(), "once");
        deliveries.arrived("loc", "kds:grill", 3, "b", 10_000);
        assert_eq!(
            tickets(&deliveries.overdue(15_000, 5_000)),
            ["b"],
            "a recalled ticket's new arrival is watched anew"
        );
    }

    #[test]
    fn only_the_first_proof_of_a_screen_connected_here_is_for_the_store_and_once() {
        let deliveries = Deliveries::default();
        deliveries.arrived("loc", "kds:grill", 1, "a", 1_000);
        deliveries.arrived("loc", "kds:grill", 2, "b", 1_000);
        deliveries.applied("loc", "elsewhere-1", "kds:grill", 2, 1_100, false);
        assert!(
            deliveries.take_proofs().is_empty(),
            "another hub keeps its screens' proofs"
        );
        deliveries.applied("loc", "grill-1", "kds:grill", 1, 1_200, true);
        deliveries.applied("loc", "grill-2", "kds:grill", 2, 1_300, true);
        let proofs = deliveries.take_proofs();
        let mut seen: Vec<(&str, u64, &str, i64)> = proofs
            .iter()
            .map(|p| {
                (
                    p.arrival.ticket_id.as_str(),
                    p.arrival.seq,
                    p.screen.as_str(),
                    p.at_ms,
                )
            })
            .collect();
        seen.sort();
        assert_eq!(
            seen,
            [("a", 1, "grill-1", 1_200), ("b", 2, "grill-2", 1_300)]
        );
        deliveries.applied("loc", "grill-1", "kds:grill", 2, 1_400, true);
        assert!(deliveries.take_proofs().is_empty(), "once an arrival");
        assert_eq!(
            screens(&deliveries, "b"),
            [
                ("elsewhere-1".to_owned(), 1_100),
                ("grill-2".to_owned(), 1_300),
                ("grill-1".to_owned(), 1_400)
            ]
        );
    }

    #[test]
    fn arrivals_read_back_at_start_keep_their_proofs_and_alerts_and_a_grace() {
        let kept =
            |seq: u64, ticket: &str, proof: Option<(&str, i64)>, alerted: bool| KeptArrival {
                location: "loc".into(),
                channel: "kds:grill".into(),
                seq,
                ticket_id: ticket.into(),
                posted_at_ms: 1_000,
                proof: proof.map(|(s, at)| (s.to_owned(), at)),
                alerted,
            };
        let deliveries = Deliveries::default();
        deliveries.restore(
            vec![
                kept(1, "proven", Some(("grill-1", 1_100)), false),
                kept(2, "alerted", None, true),
                kept(3, "waiting", None, false),
            ],
            60_000,
        );
        assert_eq!(
            screens(&deliveries, "proven"),
            [("grill-1".to_owned(), 1_100)]
        );
        assert!(
            deliveries.overdue(64_000, 5_000).is_empty(),
            "screens get the whole delay from the start to report again"
        );
        assert_eq!(tickets(&deliveries.overdue(65_000, 5_000)), ["waiting"]);
        deliveries.applied("loc", "grill-1", "kds:grill", 3, 66_000, true);
        assert_eq!(
            tickets(
                &deliveries
                    .take_proofs()
                    .into_iter()
                    .map(|p| p.arrival)
                    .collect::<Vec<_>>()
            ),
            ["alerted", "waiting"],
            "the proof already kept is not written again"
        );
    }

    #[test]
    fn what_the_store_could_not_be_given_is_taken_again() {
        let deliveries = a_proven_and_b_not();
        let proofs = deliveries.take_proofs();
        let overdue = deliveries.overdue(7_000, 5_000);
        assert_eq!((proofs.len(), tickets(&overdue)), (1, vec!["b"]));
        deliveries.retry(&proofs, &overdue);
        assert_eq!(deliveries.take_proofs(), proofs);
        assert_eq!(deliveries.overdue(7_250, 5_000), overdue);
        assert!(
            deliveries.overdue(7_500, 5_000).is_empty(),
            "once again, no more"
        );
    }

    #[test]
    fn an_arrival_heard_twice_or_late_is_noted_once_in_order() {
        let deliveries = Deliveries::default();
        deliveries.arrived("loc", "kds:grill", 4, "b", 100);
        deliveries.arrived("loc", "kds:grill", 2, "a", 90);
        deliveries.arrived("loc", "kds:grill", 4, "b", 100);
        deliveries.applied("loc", "grill-1", "kds:grill", 3, 130, true);
        assert_eq!(screens(&deliveries, "a"), [("grill-1".to_owned(), 130)]);
        assert!(screens(&deliveries, "b").is_empty());
        deliveries.applied("loc", "grill-1", "kds:grill", 4, 140, true);
        assert_eq!(screens(&deliveries, "b"), [("grill-1".to_owned(), 140)]);
        assert_eq!(deliveries.take_proofs().len(), 2);
    }

    #[test]
    fn old_arrivals_are_forgotten_past_the_bound() {
        let deliveries = Deliveries::default();
        for seq in 1..=(MAX_ARRIVALS as u64 + 1) {
            deliveries.arrived("loc", "kds:grill", seq, &format!("t{seq}"), 0);
        }
        assert!(deliveries.of("loc", "t1").is_none());
        assert!(deliveries.of("loc", "t2").is_some());
    }
}
