//! Proof that each ticket reached its station. Screens report, per channel, the
//! sequence they have applied (committed in their own cache); the hub matches those
//! reports against the events that put tickets on a station's rail, so it can say which
//! screens have a ticket and since when (`GET /api/tickets/{id}/delivery`).
//!
//! A ticket no screen has some seconds after it arrived is [`overdue`](Deliveries::overdue):
//! the hub escalates it once, and says so again once a screen has it
//! ([`cleared`](Deliveries::cleared)).
//!
//! Kept in memory, bounded: a hub restart starts the record afresh (tickets that reach
//! the rail after it are proven as before; older ones have no record), and each channel
//! remembers its last [`MAX_ARRIVALS`] arrivals.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use rail_protocol::{ScreenReceipt, TicketDelivery};

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
    alert: Alert,
}

/// Where a ticket's escalation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Alert {
    None,
    Raised,
    Cleared,
}

/// A ticket to escalate, or whose escalation a screen has now answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    pub location: String,
    pub ticket_id: String,
    pub posted_at_ms: i64,
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
    /// (a recalled or fired ticket must reach the screens again).
    pub fn arrived(&self, location: &str, channel: &str, seq: u64, ticket_id: &str, at_ms: i64) {
        let mut state = self.state();
        let arrivals = state
            .arrivals
            .entry((location.to_owned(), channel.to_owned()))
            .or_default();
        arrivals.push_back(Arrival {
            seq,
            ticket_id: ticket_id.to_owned(),
        });
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
        state.records.insert(
            (location.to_owned(), ticket_id.to_owned()),
            Record {
                delivery: TicketDelivery {
                    ticket_id: ticket_id.to_owned(),
                    channel: channel.to_owned(),
                    seq,
                    posted_at_ms: at_ms,
                    screens: Vec::new(),
                },
                alert: Alert::None,
            },
        );
    }

    /// `screen` has applied `channel` up to `seq`: it has every ticket that arrived
    /// there since its last report.
    pub fn applied(&self, location: &str, screen: &str, channel: &str, seq: u64, at_ms: i64) {
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
            let delivery = &mut record.delivery;
            if delivery.seq == arrival.seq && !delivery.screens.iter().any(|r| r.screen == screen) {
                delivery.screens.push(ScreenReceipt {
                    screen: screen.to_owned(),
                    name: None,
                    at_ms,
                });
            }
        }
    }

    /// What is known of `ticket_id`'s latest arrival.
    pub fn of(&self, location: &str, ticket_id: &str) -> Option<TicketDelivery> {
        self.state()
            .records
            .get(&(location.to_owned(), ticket_id.to_owned()))
            .map(|r| r.delivery.clone())
    }

    /// Tickets on no screen `after_ms` after they arrived, not escalated yet; each is
    /// answered once.
    pub fn overdue(&self, now_ms: i64, after_ms: i64) -> Vec<Escalation> {
        self.take_alerts(Alert::None, Alert::Raised, |delivery| {
            delivery.screens.is_empty() && now_ms - delivery.posted_at_ms >= after_ms
        })
    }

    /// Escalated tickets a screen now has; each is answered once.
    pub fn cleared(&self) -> Vec<Escalation> {
        self.take_alerts(Alert::Raised, Alert::Cleared, |delivery| {
            !delivery.screens.is_empty()
        })
    }

    /// The alerts raised in `location` and not cleared yet, oldest first.
    pub fn raised(&self, location: &str) -> Vec<Escalation> {
        let state = self.state();
        let mut raised: Vec<Escalation> = state
            .records
            .iter()
            .filter(|((loc, _), record)| loc == location && record.alert == Alert::Raised)
            .map(|((loc, ticket_id), record)| Escalation {
                location: loc.clone(),
                ticket_id: ticket_id.clone(),
                posted_at_ms: record.delivery.posted_at_ms,
            })
            .collect();
        raised.sort_by_key(|e| e.posted_at_ms);
        raised
    }

    /// Ticket ids that must not be escalated after all (bumped, voided or held before
    /// any screen reported): their record stays, their alert is settled.
    pub fn settle(&self, location: &str, ticket_id: &str) {
        if let Some(record) = self
            .state()
            .records
            .get_mut(&(location.to_owned(), ticket_id.to_owned()))
        {
            record.alert = Alert::Cleared;
        }
    }

    fn take_alerts(
        &self,
        from: Alert,
        to: Alert,
        when: impl Fn(&TicketDelivery) -> bool,
    ) -> Vec<Escalation> {
        let mut state = self.state();
        let mut taken = Vec::new();
        for ((location, ticket_id), record) in &mut state.records {
            if record.alert == from && when(&record.delivery) {
                record.alert = to;
                taken.push(Escalation {
                    location: location.clone(),
                    ticket_id: ticket_id.clone(),
                    posted_at_ms: record.delivery.posted_at_ms,
                });
            }
        }
        taken.sort_by_key(|e| e.posted_at_ms);
        taken
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
        deliveries.applied("loc", "grill-1", "kds:grill", 4, 130);
        assert_eq!(screens(&deliveries, "a"), [("grill-1".to_owned(), 130)]);
        assert!(screens(&deliveries, "b").is_empty(), "applied only up to 4");
        deliveries.applied("loc", "grill-1", "kds:grill", 4, 135);
        deliveries.applied("loc", "grill-2", "kds:grill", 9, 140);
        deliveries.applied("loc", "grill-1", "kds:grill", 6, 150);
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
        deliveries.applied("loc", "grill-1", "kds:grill", 1, 110);
        deliveries.arrived("loc", "kds:grill", 7, "a", 200);
        let record = deliveries.of("loc", "a").expect("record");
        assert_eq!((record.seq, record.posted_at_ms), (7, 200));
        assert!(record.screens.is_empty());
        deliveries.applied("loc", "grill-1", "kds:grill", 7, 210);
        assert_eq!(screens(&deliveries, "a"), [("grill-1".to_owned(), 210)]);
    }

    #[test]
    fn a_ticket_on_no_screen_is_escalated_once_and_cleared_once_a_screen_has_it() {
        let deliveries = Deliveries::default();
        deliveries.arrived("loc", "kds:grill", 1, "a", 1_000);
        deliveries.arrived("loc", "kds:grill", 2, "b", 1_000);
        deliveries.applied("loc", "grill-1", "kds:grill", 1, 1_100);
        assert!(deliveries.overdue(5_000, 5_000).is_empty(), "not yet");
        let overdue = deliveries.overdue(6_000, 5_000);
        assert_eq!(
            overdue
                .iter()
                .map(|e| e.ticket_id.as_str())
                .collect::<Vec<_>>(),
            ["b"],
            "a is on grill-1"
        );
        assert!(deliveries.overdue(9_000, 5_000).is_empty(), "once");
        assert!(deliveries.cleared().is_empty());
        deliveries.applied("loc", "grill-1", "kds:grill", 2, 9_500);
        assert_eq!(deliveries.cleared().len(), 1);
        assert!(deliveries.cleared().is_empty(), "once");
        deliveries.arrived("loc", "kds:grill", 3, "c", 10_000);
        deliveries.settle("loc", "c");
        assert!(deliveries.overdue(20_000, 5_000).is_empty(), "settled");
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
