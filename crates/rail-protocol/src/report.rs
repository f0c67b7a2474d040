//! The service on record: speed-of-service figures (`GET /api/reports/service`), the
//! day so far for expo (`GET /api/reports/today`) and the flight recorder
//! (`GET /api/record/{station}/…`), all computed by the hub from its service record.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::Ticket;

/// Figures for a set of tickets of one station (or of every station).
///
/// A ticket's time runs from the moment it reached the rail to its last bump; a ticket
/// counts in the period its last bump falls in. Percentiles are nearest-rank: the value
/// at position ⌈p·n⌉ of the sorted times.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TicketFigures {
    /// Tickets bumped.
    pub tickets: u32,
    /// Median ticket time (ms); absent with no tickets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub p50_ms: Option<i64>,
    /// 90th percentile ticket time (ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub p90_ms: Option<i64>,
    /// Mean ticket time (ms), rounded down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub mean_ms: Option<i64>,
    /// Tickets whose time reached the station's "late" threshold.
    pub late: u32,
    /// Items on the bumped tickets (voided items not counted).
    pub items: u32,
    /// Items voided by the POS while on the station's tickets, and whole tickets voided
    /// count each live item they had.
    pub voided_items: u32,
    /// Bumped tickets and bumped items taken back to cook again.
    pub recalls: u32,
}

/// One station's figures over a period (`station` is `*` for the whole kitchen).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct StationFigures {
    pub station: String,
    /// Start of the period (hub time, ms): an hour or a day in the report's time zone,
    /// or the report's start for its totals.
    #[ts(type = "number")]
    pub start_ms: i64,
    #[serde(flatten)]
    pub figures: TicketFigures,
}

/// How long finished orders waited at the pass: from the moment an order was ready (its
/// last station bumped) to expo serving it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ServeFigures {
    /// Start of the period (hub time, ms).
    #[ts(type = "number")]
    pub start_ms: i64,
    /// Orders served.
    pub served: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub p50_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub p90_ms: Option<i64>,
}

/// `GET /api/reports/service`: speed of service between `from_ms` and `to_ms`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ServiceReport {
    #[ts(type = "number")]
    pub from_ms: i64,
    #[ts(type = "number")]
    pub to_ms: i64,
    /// Minutes east of UTC the hours and days are cut in.
    pub tz_offset_min: i32,
    /// Each station over the whole period, then `*` for the kitchen.
    pub totals: Vec<StationFigures>,
    /// Per station and day, days in order.
    pub days: Vec<StationFigures>,
    /// Per station and hour, hours in order (hours with nothing bumped left out).
    pub hours: Vec<StationFigures>,
    /// Bump-to-serve at expo over the whole period.
    pub serve: ServeFigures,
    /// Bump-to-serve per hour (hours with nothing served left out).
    pub serve_hours: Vec<ServeFigures>,
    /// The "late" threshold used for each station (minutes): the screens' own rule.
    pub late_after_min: Vec<StationThreshold>,
}

/// The late threshold a report judged a station's tickets by, for tickets of no
/// order type with a stricter one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct StationThreshold {
    pub station: String,
    pub late_after_min: f64,
}

/// `GET /api/reports/today`: the day so far, for the strip on expo.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TodaySummary {
    /// Start of the day the figures cover (hub time, ms).
    #[ts(type = "number")]
    pub since_ms: i64,
    /// Tickets on the rail now, every station.
    pub open: u32,
    /// Of those, how many have reached their station's late threshold.
    pub open_late: u32,
    /// Tickets bumped today with their figures.
    #[serde(flatten)]
    pub figures: TicketFigures,
}

/// One event of a station's service, as the flight recorder lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RecordEntry {
    /// Position in the service record: later events have larger ids.
    #[ts(type = "number")]
    pub id: i64,
    /// When it happened (hub time, ms).
    #[ts(type = "number")]
    pub at_ms: i64,
    /// The event's wire name, e.g. `kds:ticket-bumped`.
    pub kind: String,
    pub ticket_id: String,
    pub order_number: String,
    /// The item an item-level event is about, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub item: Option<String>,
    /// The device (or token subject) that caused it; absent for the hub's own doing
    /// (a scheduled fire) and for orders as the POS first sent them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub by: Option<String>,
    /// That device's name, for a paired device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub device_name: Option<String>,
    /// That device's role (`kds`, `expo`, `pos`…), for a paired device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub device_role: Option<String>,
}

/// `GET /api/record/{station}/timeline`: a station's events in a period, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RecordTimeline {
    pub station: String,
    pub entries: Vec<RecordEntry>,
    /// True when the period had more events than one answer carries; ask again from
    /// the last one's time.
    pub truncated: bool,
}

/// `GET /api/record/{station}/board`: the station's screen as it stood at an instant,
/// rebuilt from the service record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RecordedBoard {
    pub station: String,
    /// The instant shown (hub time, ms).
    #[ts(type = "number")]
    pub at_ms: i64,
    /// The last event at or before that instant, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub entry: Option<RecordEntry>,
    /// On the rail, oldest first, as a screen lists them.
    pub open: Vec<Ticket>,
    /// Waiting to be fired (held course, scheduled order).
    pub held: Vec<Ticket>,
    /// The recall list: most recently bumped first, as many as a screen keeps.
    pub bumped: Vec<Ticket>,
}

/// Percentile by nearest rank of ascending `sorted` values: the value at position
/// ⌈p·n⌉ (1-based). `None` for no values.
pub fn nearest_rank(sorted: &[i64], percent: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = (n * percent as usize).div_ceil(100).max(1);
    sorted.get(rank.min(n) - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_takes_the_value_at_the_ceiling_position() {
        let values = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
        assert_eq!(nearest_rank(&values, 50), Some(50));
        assert_eq!(nearest_rank(&values, 90), Some(90));
        assert_eq!(nearest_rank(&values[..3], 50), Some(20));
        assert_eq!(nearest_rank(&values[..3], 90), Some(30));
        assert_eq!(nearest_rank(&[7], 90), Some(7));
        assert_eq!(nearest_rank(&[], 50), None);
    }
}
