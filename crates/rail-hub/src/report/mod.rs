//! Speed of service, computed from the service record: ticket times per station, hour
//! and day (nearest-rank p50/p90, late counts against the screens' own thresholds),
//! items, voids and recalls, and bump-to-serve at expo.
//!
//! The record holds each ticket's full state in every event, so the computation is a
//! fold: each event is compared with the ticket's previous state to see what changed
//! (bumped, recalled, voided). Events from [`LOOKBACK_MS`] before the period are folded
//! too, so a change at the start of the period is still seen as a change, and an order
//! ready before the period but served in it has its wait.

use std::collections::{BTreeMap, HashMap};

use rail_protocol::report::nearest_rank;
use rail_protocol::{
    Event, ItemStatus, OrderStatus, OrderType, ScreenProfile, ServeFigures, ServiceReport,
    StationFigures, StationThreshold, Thresholds, Ticket, TicketFigures, TicketStatus,
};

use crate::store::record::RecordRow;

pub mod csv;

/// How far before a report's period the record is read to know each ticket's and
/// order's state as the period opens: a shift.
pub const LOOKBACK_MS: i64 = 12 * 3600 * 1000;
const HOUR_MS: i64 = 3600 * 1000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// The name of the whole kitchen in a report's station column.
pub const ALL_STATIONS: &str = "*";

/// The period a report covers and the time zone its hours and days are cut in.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    pub from_ms: i64,
    pub to_ms: i64,
    /// Minutes east of UTC.
    pub tz_offset_min: i32,
}

impl Period {
    fn contains(&self, at_ms: i64) -> bool {
        at_ms >= self.from_ms && at_ms < self.to_ms
    }

    fn offset_ms(&self) -> i64 {
        i64::from(self.tz_offset_min) * 60_000
    }

    /// Start of the hour (or day, with `DAY_MS`) `at_ms` falls in, local to the period's
    /// time zone.
    fn start_of(&self, at_ms: i64, length_ms: i64) -> i64 {
        let local = at_ms + self.offset_ms();
        local.div_euclid(length_ms) * length_ms - self.offset_ms()
    }

    /// Start of the local day `at_ms` falls in.
    pub fn day_start(at_ms: i64, tz_offset_min: i32) -> i64 {
        Period {
            from_ms: 0,
            to_ms: 0,
            tz_offset_min,
        }
        .start_of(at_ms, DAY_MS)
    }
}

/// When a station's tickets are late: the rule its screens colour timers by, from the
/// profiles of the screens working it (the strictest when they differ). A station whose
/// screens follow no profile is judged by the screens' default thresholds.
#[derive(Debug, Clone, Default)]
pub struct LateRule {
    by_station: HashMap<String, Vec<ScreenProfile>>,
    /// Profiles of screens working every station.
    everywhere: Vec<ScreenProfile>,
}

impl LateRule {
    /// Notes that a screen working `stations` (`*` for all) follows `profile`.
    pub fn add(&mut self, stations: &[String], profile: &ScreenProfile) {
        for station in stations {
            if station == "*" {
                self.everywhere.push(profile.clone());
            } else {
                self.by_station
                    .entry(station.clone())
                    .or_default()
                    .push(profile.clone());
            }
        }
    }

    /// Minutes after which a ticket of `order_type` at `station` is late.
    pub fn late_after_min(&self, station: &str, order_type: OrderType) -> f64 {
        let profiles = self
            .by_station
            .get(station)
            .into_iter()
            .flatten()
            .chain(&self.everywhere);
        let strictest = profiles
            .map(|p| p.thresholds_for(order_type, station).late_after_min)
            .fold(f64::INFINITY, f64::min);
        if strictest.is_finite() {
            strictest
        } else {
            Thresholds::default().late_after_min
        }
    }

    /// Whether a ticket that took `time_ms` was late.
    pub fn is_late(&self, ticket: &Ticket, time_ms: i64) -> bool {
        // The screens turn a timer red once its minutes reach the threshold.
        time_ms as f64 >= self.late_after_min(&ticket.station, ticket.order_type) * 60_000.0
    }
}

/// A ticket's last bump in the period.
struct Completion {
    station: String,
    at_ms: i64,
    time_ms: i64,
    late: bool,
    items: u32,
}

/// What happened to one station in one hour (or day, or the whole period).
#[derive(Default)]
struct Tally {
    times: Vec<i64>,
    late: u32,
    items: u32,
    voided_items: u32,
    recalls: u32,
}

impl Tally {
    fn figures(mut self) -> TicketFigures {
        self.times.sort_unstable();
        let tickets = u32::try_from(self.times.len()).unwrap_or(u32::MAX);
        let mean_ms = (!self.times.is_empty())
            .then(|| self.times.iter().sum::<i64>() / i64::from(tickets.max(1)));
        TicketFigures {
            tickets,
            p50_ms: nearest_rank(&self.times, 50),
            p90_ms: nearest_rank(&self.times, 90),
            mean_ms,
            late: self.late,
            items: self.items,
            voided_items: self.voided_items,
            recalls: self.recalls,
        }
    }
}

/// Per (station, period start) tallies, stations named and `*` for the kitchen.
#[derive(Default)]
struct Tallies(BTreeMap<(i64, String), Tally>);

impl Tallies {
    fn each(&mut self, station: &str, start_ms: i64, change: impl Fn(&mut Tally)) {
        for name in [station, ALL_STATIONS] {
            change(self.0.entry((start_ms, name.to_owned())).or_default());
        }
    }

    /// Figures sorted by period, then station with the kitchen last.
    fn into_figures(self) -> Vec<StationFigures> {
        let mut figures: Vec<StationFigures> = self
            .0
            .into_iter()
            .map(|((start_ms, station), tally)| StationFigures {
                station,
                start_ms,
                figures: tally.figures(),
            })
            .collect();
        figures.sort_by(|a, b| {
            (a.start_ms, a.station == ALL_STATIONS, &a.station).cmp(&(
                b.start_ms,
                b.station == ALL_STATIONS,
                &b.station,
            ))
        });
        figures
    }
}

/// Live items' quantities of a ticket.
fn live_quantity<'a>(items: impl Iterator<Item = &'a rail_protocol::TicketItem>) -> u32 {
    items.filter(|i| i.status.is_live()).map(|i| i.qty).sum()
}

/// What one ticket event changed, against the ticket before it.
#[derive(Default)]
struct TicketChange {
    bumped: bool,
    recalls: u32,
    voided_items: u32,
}

fn ticket_change(previous: Option<&Ticket>, ticket: &Ticket) -> TicketChange {
    let was = previous.map(|t| t.status);
    let bumped = ticket.status == TicketStatus::Bumped && was != Some(TicketStatus::Bumped);
    let ticket_recalled = was == Some(TicketStatus::Bumped) && ticket.status == TicketStatus::Open;
    let item_status =
        |id: &str| previous.and_then(|p| p.items.iter().find(|i| i.id == id).map(|i| i.status));
    let recalls = if ticket_recalled {
        1
    } else {
        let recalled_items = ticket
            .items
            .iter()
            .filter(|i| {
                i.status == ItemStatus::Pending && item_status(&i.id) == Some(ItemStatus::Done)
            })
            .count();
        u32::try_from(recalled_items).unwrap_or(u32::MAX)
    };
    let voided_items = if ticket.status == TicketStatus::Voided {
        // A whole ticket voided: the food it still had to make.
        match (was, previous) {
            (Some(TicketStatus::Voided), _) => 0,
            (_, Some(previous)) => live_quantity(previous.items.iter()),
            (_, None) => 0,
        }
    } else {
        ticket
            .items
            .iter()
            .filter(|i| {
                i.status == ItemStatus::Voided
                    && item_status(&i.id).is_none_or(ItemStatus::is_live)
                    && previous.is_some()
            })
            .map(|i| i.qty)
            .sum()
    };
    TicketChange {
        bumped,
        recalls,
        voided_items,
    }
}

/// Computes the report for `period` from the record read from
/// `period.from_ms - LOOKBACK_MS` to `period.to_ms`, oldest first.
pub fn service_report(rows: &[RecordRow], period: Period, late: &LateRule) -> ServiceReport {
    let mut tickets: HashMap<String, Ticket> = HashMap::new();
    let mut completions: HashMap<String, Completion> = HashMap::new();
    let mut changes = Tallies::default();
    let mut ready_at: HashMap<String, i64> = HashMap::new();
    let mut served: HashMap<String, (i64, i64)> = HashMap::new();

    for row in rows {
        let at_ms = row.envelope.ts;
        let in_period = period.contains(at_ms);
        if let Some(ticket) = row.envelope.event.ticket() {
            let previous = tickets.get(&ticket.id);
            if previous.is_some_and(|p| p.version >= ticket.version) {
                continue;
            }
            let change = ticket_change(previous, ticket);
            if in_period {
                if change.bumped {
                    let bumped_at = ticket.bumped_at_ms.unwrap_or(at_ms);
                    let time_ms = (bumped_at - ticket.created_at_ms).max(0);
                    completions.insert(
                        ticket.id.clone(),
                        Completion {
                            station: ticket.station.clone(),
                            at_ms: bumped_at,
                            time_ms,
                            late: late.is_late(ticket, time_ms),
                            items: live_quantity(ticket.items.iter()),
                        },
                    );
                }
                if change.recalls > 0 || change.voided_items > 0 {
                    changes.each(&ticket.station, period.start_of(at_ms, HOUR_MS), |t| {
                        t.recalls += change.recalls;
                        t.voided_items += change.voided_items;
                    });
                }
            }
            tickets.insert(ticket.id.clone(), ticket.clone());
        } else if let Event::OrderStatus(status) = &row.envelope.event {
            match status.status {
                OrderStatus::Ready => {
                    ready_at.insert(status.order_id.clone(), at_ms);
                }
                OrderStatus::Served if in_period => {
                    if let Some(ready) = ready_at.get(&status.order_id) {
                        served.insert(status.order_id.clone(), (at_ms, at_ms - ready));
                    }
                }
                _ => {}
            }
        }
    }

    // Hours first; days and totals are sums of the same events.
    let mut hours = changes;
    for done in completions.values() {
        hours.each(&done.station, period.start_of(done.at_ms, HOUR_MS), |t| {
            t.times.push(done.time_ms);
            t.late += u32::from(done.late);
            t.items += done.items;
        });
    }
    let regroup = |hours: &Tallies, start: &dyn Fn(i64) -> i64| {
        let mut grouped = Tallies::default();
        for ((hour, station), tally) in &hours.0 {
            let into = grouped
                .0
                .entry((start(*hour), station.clone()))
                .or_default();
            into.times.extend(&tally.times);
            into.late += tally.late;
            into.items += tally.items;
            into.voided_items += tally.voided_items;
            into.recalls += tally.recalls;
        }
        grouped
    };
    let days = regroup(&hours, &|hour| period.start_of(hour, DAY_MS));
    let totals = regroup(&hours, &|_| period.from_ms);

    let mut stations: Vec<String> = totals
        .0
        .keys()
        .map(|(_, s)| s.clone())
        .filter(|s| s != ALL_STATIONS)
        .collect();
    stations.dedup();
    let late_after_min = stations
        .into_iter()
        .map(|station| StationThreshold {
            late_after_min: late.late_after_min(&station, OrderType::default()),
            station,
        })
        .collect();

    let serve_figures = |start_ms: i64, mut waits: Vec<i64>| {
        waits.sort_unstable();
        ServeFigures {
            start_ms,
            served: u32::try_from(waits.len()).unwrap_or(u32::MAX),
            p50_ms: nearest_rank(&waits, 50),
            p90_ms: nearest_rank(&waits, 90),
        }
    };
    let mut serve_by_hour: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (at_ms, wait) in served.values() {
        serve_by_hour
            .entry(period.start_of(*at_ms, HOUR_MS))
            .or_default()
            .push(*wait);
    }
    let serve = serve_figures(period.from_ms, served.values().map(|(_, w)| *w).collect());

    ServiceReport {
        from_ms: period.from_ms,
        to_ms: period.to_ms,
        tz_offset_min: period.tz_offset_min,
        totals: totals.into_figures(),
        days: days.into_figures(),
        hours: hours.into_figures(),
        serve,
        serve_hours: serve_by_hour
            .into_iter()
            .map(|(start, waits)| serve_figures(start, waits))
            .collect(),
        late_after_min,
    }
}

impl crate::hub::Hub {
    /// How late is judged at each station: from the profiles of the location's
    /// working screens.
    ///
    /// # Errors
    /// On database failure.
    pub fn late_rule(&self, location_id: &str) -> Result<LateRule, crate::store::StoreError> {
        let state = self.lock();
        let profiles = state.store.profiles(location_id)?;
        let mut rule = LateRule::default();
        for record in state.store.devices(location_id)? {
            let device = &record.device;
            if device.revoked_at_ms.is_some() || device.role != rail_protocol::Role::Kds {
                continue;
            }
            if let Some(profile) = device
                .profile
                .as_deref()
                .and_then(|name| profiles.iter().find(|p| p.name == name))
            {
                rule.add(&device.stations, profile);
            }
        }
        Ok(rule)
    }

    /// Speed of service over `period` for the token's location.
    ///
    /// # Errors
    /// `Forbidden` for tokens that may not read reports; store errors otherwise.
    pub fn service_report(
        &self,
        who: &crate::auth::Claims,
        period: Period,
    ) -> Result<ServiceReport, crate::hub::HubError> {
        may_read_reports(who)?;
        let rule = self.late_rule(&who.loc)?;
        let rows = self.read_record(|conn| {
            crate::store::record::between(
                conn,
                &who.loc,
                None,
                period.from_ms.saturating_sub(LOOKBACK_MS),
                period.to_ms,
                u32::MAX,
            )
        })?;
        Ok(service_report(&rows, period, &rule))
    }

    /// The day so far (in the caller's time zone) for expo's strip: tickets on the
    /// rail now and how many are late, and the figures of those bumped today.
    ///
    /// # Errors
    /// `Forbidden` for tokens that may not read reports; store errors otherwise.
    pub fn today(
        &self,
        who: &crate::auth::Claims,
        tz_offset_min: i32,
        now_ms: i64,
    ) -> Result<rail_protocol::TodaySummary, crate::hub::HubError> {
        let since_ms = Period::day_start(now_ms, tz_offset_min);
        let report = self.service_report(
            who,
            Period {
                from_ms: since_ms,
                to_ms: now_ms + 1,
                tz_offset_min,
            },
        )?;
        let rule = self.late_rule(&who.loc)?;
        let open = self
            .lock()
            .store
            .tickets(&who.loc, None, crate::store::StationFilter::Open)?;
        let open_late = open
            .iter()
            .filter(|t| rule.is_late(t, now_ms - t.created_at_ms))
            .count();
        let figures = report
            .totals
            .into_iter()
            .find(|f| f.station == ALL_STATIONS)
            .map(|f| f.figures)
            .unwrap_or_default();
        Ok(rail_protocol::TodaySummary {
            since_ms,
            open: u32::try_from(open.len()).unwrap_or(u32::MAX),
            open_late: u32::try_from(open_late).unwrap_or(u32::MAX),
            figures,
        })
    }
}

fn may_read_reports(who: &crate::auth::Claims) -> Result<(), crate::hub::HubError> {
    if who.may_read_reports() {
        Ok(())
    } else {
        Err(crate::hub::HubError::Forbidden(format!(
            "a {} token may not read reports",
            who.role.as_str()
        )))
    }
}

#[cfg(test)]
mod tests;
