//! A seeded day of service run through the real store (orders, bumps, voids, recalls,
//! serves at chosen hub times), and the report's figures checked against figures worked
//! out here from the plan alone.

use std::collections::BTreeMap;

use rail_protocol::{NewOrder, OrderStatus, Ticket};

use super::*;
use crate::routing::Routes;
use crate::store::{kitchen_ops, OrderCommand, Store};

const LOC: &str = "loc";
const DAY: i64 = 1_796_601_600_000; // a midnight, UTC
const MIN: i64 = 60_000;

/// A small deterministic generator, so the day is the same on every run.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

#[derive(Debug)]
enum Step {
    Create(Box<NewOrder>),
    Void { order: String, item: String },
    Bump { ticket: String },
    Recall { ticket: String },
    Serve { order: String },
}

/// What the plan says the report must find, per station.
#[derive(Default, Debug)]
struct Expected {
    /// (time of last bump, ticket time, live quantity)
    bumps: BTreeMap<String, (i64, i64, u32)>,
    /// (time, quantity)
    voids: Vec<(i64, u32)>,
    recalls: Vec<i64>,
}

fn run(store: &mut Store, at: i64, step: &Step) {
    let routes = Routes::default();
    store
        .mutate(LOC, None, at, |tx| {
            let published = match step {
                Step::Create(order) => {
                    kitchen_ops::create_order(tx, LOC, order, &routes, "till-1", at)?.1
                }
                Step::Void { order, item } => {
                    let command = OrderCommand::VoidItem {
                        item_id: item.clone(),
                        remove: false,
                    };
                    kitchen_ops::change_order(tx, LOC, order, &command, &routes, "till-1", at)?.1
                }
                Step::Bump { ticket } => {
                    kitchen_ops::bump_ticket(tx, LOC, ticket, "grill-1", false, at)?.2
                }
                Step::Recall { ticket } => {
                    kitchen_ops::bump_ticket(tx, LOC, ticket, "grill-1", true, at)?.2
                }
                Step::Serve { order } => {
                    let command = OrderCommand::Status(OrderStatus::Served);
                    kitchen_ops::change_order(tx, LOC, order, &command, &routes, "expo-1", at)?.1
                }
            };
            Ok((200, String::new(), published))
        })
        .unwrap_or_else(|e| panic!("{step:?} at {at}: {e}"));
}

/// Nearest rank, worked out the long way (1-based rank = ceiling of p% of n).
fn percentile(mut values: Vec<i64>, p: f64) -> Option<i64> {
    values.sort();
    if values.is_empty() {
        return None;
    }
    let rank = (p / 100.0 * values.len() as f64).ceil() as usize;
    Some(values[rank.max(1) - 1])
}

fn seeded_day() -> (Store, BTreeMap<String, Expected>, Vec<(i64, i64)>) {
    let mut rng = Lcg(7);
    let mut steps: Vec<(i64, u32, Step)> = Vec::new();
    let mut expected: BTreeMap<String, Expected> = BTreeMap::new();
    let mut serves = Vec::new();
    let mut order_of_step = 0u32;
    let mut push = |steps: &mut Vec<(i64, u32, Step)>, at: i64, step: Step| {
        order_of_step += 1;
        steps.push((at, order_of_step, step));
    };
    for n in 0..90 {
        // Orders from 11:00 to 21:00, the last ones bumped after midnight would cross
        // into the next day: keep them inside it.
        let placed = DAY + 11 * 60 * MIN + i64::try_from(rng.below(10 * 60)).unwrap_or(0) * MIN;
        let id = format!("o{n}");
        let burgers = 1 + u32::try_from(rng.below(3)).unwrap_or(0);
        let with_fries = rng.below(3) > 0;
        let mut items = vec![
            serde_json::json!({"id": "a", "name": "Burger", "qty": burgers, "station": "grill"}),
            serde_json::json!({"id": "b", "name": "Bacon", "qty": 1, "station": "grill"}),
        ];
        if with_fries {
            items.push(serde_json::json!({"id": "c", "name": "Fries", "qty": 2, "station": "fry"}));
        }
        let order: NewOrder = serde_json::from_value(serde_json::json!({
            "id": id, "number": format!("{n}"), "items": items,
        }))
        .expect("order");
        push(&mut steps, placed, Step::Create(Box::new(order)));
        let mut last_bump = placed;
        let mut stations = vec![("grill", burgers + 1)];
        if with_fries {
            stations.push(("fry", 2));
        }
        for (station, mut qty) in stations {
            let ticket = format!("{id}:{station}");
            let spent = &mut expected.entry(station.to_owned()).or_default();
            if station == "grill" && rng.below(5) == 0 {
                let at = placed + 30_000;
                push(
                    &mut steps,
                    at,
                    Step::Void {
                        order: id.clone(),
                        item: "b".into(),
                    },
                );
                spent.voids.push((at, 1));
                qty -= 1;
            }
            let mut bump = placed + i64::try_from(60 + rng.below(900)).unwrap_or(0) * 1000;
            push(
                &mut steps,
                bump,
                Step::Bump {
                    ticket: ticket.clone(),
                },
            );
            if rng.below(6) == 0 {
                let recall = bump + 20_000;
                push(
                    &mut steps,
                    recall,
                    Step::Recall {
                        ticket: ticket.clone(),
                    },
                );
                spent.recalls.push(recall);
                bump = recall + i64::try_from(10 + rng.below(300)).unwrap_or(0) * 1000;
                push(
                    &mut steps,
                    bump,
                    Step::Bump {
                        ticket: ticket.clone(),
                    },
                );
            }
            spent.bumps.insert(ticket, (bump, bump - placed, qty));
            last_bump = last_bump.max(bump);
        }
        if rng.below(4) > 0 {
            let wait = i64::try_from(5 + rng.below(240)).unwrap_or(0) * 1000;
            push(
                &mut steps,
                last_bump + wait,
                Step::Serve { order: id.clone() },
            );
            serves.push((last_bump + wait, wait));
        }
    }
    steps.sort_by_key(|(at, n, _)| (*at, *n));
    let mut store = Store::open_in_memory().expect("store");
    for (at, _, step) in &steps {
        run(&mut store, *at, step);
    }
    (store, expected, serves)
}

fn figures_of<'a>(list: &'a [StationFigures], station: &str, start: i64) -> &'a TicketFigures {
    &list
        .iter()
        .find(|f| f.station == station && f.start_ms == start)
        .unwrap_or_else(|| panic!("no figures for {station} at {start}: {list:#?}"))
        .figures
}

fn expected_figures(
    bumps: &[(i64, i64, u32)],
    voids: &[(i64, u32)],
    recalls: &[i64],
) -> TicketFigures {
    let times: Vec<i64> = bumps.iter().map(|b| b.1).collect();
    TicketFigures {
        tickets: u32::try_from(times.len()).expect("count"),
        p50_ms: percentile(times.clone(), 50.0),
        p90_ms: percentile(times.clone(), 90.0),
        mean_ms: (!times.is_empty())
            .then(|| times.iter().sum::<i64>() / i64::try_from(times.len()).expect("n")),
        late: u32::try_from(times.iter().filter(|t| **t >= 10 * MIN).count()).expect("late"),
        items: bumps.iter().map(|b| b.2).sum(),
        voided_items: voids.iter().map(|v| v.1).sum(),
        recalls: u32::try_from(recalls.len()).expect("recalls"),
    }
}

#[test]
fn a_seeded_day_gives_the_figures_worked_out_from_its_plan() {
    let (store, expected, serves) = seeded_day();
    // India's offset cuts hours at half past, so bucketing by local time is tested.
    let tz = 330;
    let period = Period {
        from_ms: DAY,
        to_ms: DAY + 24 * 60 * MIN,
        tz_offset_min: tz,
    };
    let rows = crate::store::record::between(
        store.conn(),
        LOC,
        None,
        period.from_ms - LOOKBACK_MS,
        period.to_ms,
        u32::MAX,
    )
    .expect("rows");
    let report = service_report(&rows, period, &LateRule::default());

    let hour_of =
        |at: i64| (at + i64::from(tz) * MIN).div_euclid(60 * MIN) * 60 * MIN - i64::from(tz) * MIN;
    let mut all = (Vec::new(), Vec::new(), Vec::new());
    for (station, plan) in &expected {
        let bumps: Vec<(i64, i64, u32)> = plan.bumps.values().copied().collect();
        all.0.extend(bumps.iter().copied());
        all.1.extend(plan.voids.iter().copied());
        all.2.extend(plan.recalls.iter().copied());
        assert_eq!(
            figures_of(&report.totals, station, DAY),
            &expected_figures(&bumps, &plan.voids, &plan.recalls),
            "{station} over the day"
        );
        let mut hours: Vec<i64> = bumps.iter().map(|b| hour_of(b.0)).collect();
        hours.extend(plan.voids.iter().map(|v| hour_of(v.0)));
        hours.extend(plan.recalls.iter().map(|r| hour_of(*r)));
        hours.sort();
        hours.dedup();
        for hour in hours {
            let in_hour = |at: i64| hour_of(at) == hour;
            let b: Vec<_> = bumps.iter().copied().filter(|b| in_hour(b.0)).collect();
            let v: Vec<_> = plan
                .voids
                .iter()
                .copied()
                .filter(|v| in_hour(v.0))
                .collect();
            let r: Vec<_> = plan
                .recalls
                .iter()
                .copied()
                .filter(|r| in_hour(*r))
                .collect();
            assert_eq!(
                figures_of(&report.hours, station, hour),
                &expected_figures(&b, &v, &r),
                "{station} in the hour from {hour}"
            );
        }
    }
    assert_eq!(
        figures_of(&report.totals, ALL_STATIONS, DAY),
        &expected_figures(&all.0, &all.1, &all.2)
    );
    assert!(
        report.totals.iter().any(|f| f.figures.late > 0) && all.1.len() > 3 && all.2.len() > 3,
        "the plan has late tickets, voids and recalls to count"
    );
    let waits: Vec<i64> = serves.iter().map(|s| s.1).collect();
    assert_eq!(report.serve.served as usize, serves.len());
    assert_eq!(report.serve.p50_ms, percentile(waits.clone(), 50.0));
    assert_eq!(report.serve.p90_ms, percentile(waits, 90.0));
    // The local day starts at 18:30 UTC the day before, so the day's tickets split
    // over two local days whose figures add up to the whole.
    let day_tickets: u32 = report
        .days
        .iter()
        .filter(|f| f.station == ALL_STATIONS)
        .map(|f| f.figures.tickets)
        .sum();
    assert_eq!(day_tickets, u32::try_from(all.0.len()).expect("n"));
}

#[test]
fn csv_rows_round_trip_to_the_report_figures() {
    let (store, _, _) = seeded_day();
    let period = Period {
        from_ms: DAY,
        to_ms: DAY + 24 * 60 * MIN,
        tz_offset_min: 60,
    };
    let rows = crate::store::record::between(
        store.conn(),
        LOC,
        None,
        DAY - LOOKBACK_MS,
        period.to_ms,
        u32::MAX,
    )
    .expect("rows");
    let report = service_report(&rows, period, &LateRule::default());
    let text = csv::write(&report).expect("csv");
    let mut reader = ::csv::Reader::from_reader(text.as_bytes());
    let read: Vec<csv::Row> = reader
        .deserialize()
        .collect::<Result<_, _>>()
        .expect("parse");
    assert_eq!(read, csv::rows(&report));
    let grill = read
        .iter()
        .find(|r| r.scope == "total" && r.station == "grill")
        .expect("grill total");
    let figures = figures_of(&report.totals, "grill", DAY);
    let ms = |secs: Option<f64>| secs.map(|s| (s * 1000.0).round() as i64);
    assert_eq!(ms(grill.p50_secs), figures.p50_ms);
    assert_eq!(ms(grill.p90_secs), figures.p90_ms);
    assert_eq!(grill.late, Some(figures.late));
    assert!(grill.start.ends_with("+01:00"), "{}", grill.start);
}

#[test]
fn late_is_judged_by_the_strictest_profile_of_the_stations_screens() {
    let profile = |late: f64, drive_thru: Option<f64>| ScreenProfile {
        name: "p".into(),
        timers: Thresholds {
            warn_after_min: 1.0,
            late_after_min: late,
        },
        timers_by_order_type: drive_thru
            .map(|late| {
                [(
                    OrderType::DriveThru,
                    Thresholds {
                        warn_after_min: 0.5,
                        late_after_min: late,
                    },
                )]
                .into()
            })
            .unwrap_or_default(),
        timers_by_station: BTreeMap::new(),
        language: "en".into(),
        theme: "dark".into(),
        font_scale: 1.0,
        sound_enabled: true,
        volume: 1.0,
        muted_cues: Vec::new(),
    };
    let mut rule = LateRule::default();
    assert_eq!(rule.late_after_min("grill", OrderType::DineIn), 10.0);
    rule.add(&["grill".into()], &profile(8.0, Some(3.0)));
    rule.add(&["grill".into(), "fry".into()], &profile(12.0, None));
    rule.add(&["*".into()], &profile(9.0, None));
    assert_eq!(rule.late_after_min("grill", OrderType::DineIn), 8.0);
    assert_eq!(rule.late_after_min("grill", OrderType::DriveThru), 3.0);
    assert_eq!(rule.late_after_min("fry", OrderType::DineIn), 9.0);
    assert_eq!(rule.late_after_min("salad", OrderType::DineIn), 9.0);
    let ticket: Ticket = serde_json::from_value(serde_json::json!({
        "id": "o:grill", "orderId": "o", "orderNumber": "1", "locationId": LOC,
        "station": "grill", "createdAtMs": 0, "version": 1, "items": []
    }))
    .expect("ticket");
    assert!(!rule.is_late(&ticket, 8 * MIN - 1));
    assert!(rule.is_late(&ticket, 8 * MIN));
}
