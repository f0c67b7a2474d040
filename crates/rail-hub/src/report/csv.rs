//! A speed-of-service report as CSV, one row per station and period: the totals, then
//! each day, then each hour, then bump-to-serve at expo (station `expo`). Times are in
//! seconds; periods start at a local time with its offset (RFC 3339), and in ms.

use rail_protocol::{ServeFigures, ServiceReport, StationFigures};
use serde::{Deserialize, Serialize};

/// One CSV row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// `total`, `day`, `hour`, `serve-total` or `serve-hour`.
    pub scope: String,
    /// The station, `*` for the kitchen, `expo` for serve rows.
    pub station: String,
    pub start: String,
    pub start_ms: i64,
    /// Tickets bumped (orders served on serve rows).
    pub tickets: u32,
    pub p50_secs: Option<f64>,
    pub p90_secs: Option<f64>,
    pub mean_secs: Option<f64>,
    pub late: Option<u32>,
    pub items: Option<u32>,
    pub voided_items: Option<u32>,
    pub recalls: Option<u32>,
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error(transparent)]
    Csv(#[from] ::csv::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

fn secs(ms: Option<i64>) -> Option<f64> {
    ms.map(|ms| ms as f64 / 1000.0)
}

fn local_start(start_ms: i64, tz_offset_min: i32) -> String {
    let offset =
        time::UtcOffset::from_whole_seconds(tz_offset_min * 60).unwrap_or(time::UtcOffset::UTC);
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(start_ms) * 1_000_000)
        .map(|t| t.to_offset(offset))
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn station_row(scope: &str, figures: &StationFigures, tz_offset_min: i32) -> Row {
    let f = &figures.figures;
    Row {
        scope: scope.to_owned(),
        station: figures.station.clone(),
        start: local_start(figures.start_ms, tz_offset_min),
        start_ms: figures.start_ms,
        tickets: f.tickets,
        p50_secs: secs(f.p50_ms),
        p90_secs: secs(f.p90_ms),
        mean_secs: secs(f.mean_ms),
        late: Some(f.late),
        items: Some(f.items),
        voided_items: Some(f.voided_items),
        recalls: Some(f.recalls),
    }
}

fn serve_row(scope: &str, figures: &ServeFigures, tz_offset_min: i32) -> Row {
    Row {
        scope: scope.to_owned(),
        station: "expo".to_owned(),
        start: local_start(figures.start_ms, tz_offset_min),
        start_ms: figures.start_ms,
        tickets: figures.served,
        p50_secs: secs(figures.p50_ms),
        p90_secs: secs(figures.p90_ms),
        mean_secs: None,
        late: None,
        items: None,
        voided_items: None,
        recalls: None,
    }
}

/// Every row of `report`, in the order [`write`] writes them.
pub fn rows(report: &ServiceReport) -> Vec<Row> {
    let tz = report.tz_offset_min;
    let mut rows: Vec<Row> = Vec::new();
    rows.extend(report.totals.iter().map(|f| station_row("total", f, tz)));
    rows.extend(report.days.iter().map(|f| station_row("day", f, tz)));
    rows.extend(report.hours.iter().map(|f| station_row("hour", f, tz)));
    rows.push(serve_row("serve-total", &report.serve, tz));
    rows.extend(
        report
            .serve_hours
            .iter()
            .map(|f| serve_row("serve-hour", f, tz)),
    );
    rows
}

/// The report as CSV text with a header row.
///
/// # Errors
/// Only if the CSV writer fails.
pub fn write(report: &ServiceReport) -> Result<String, CsvError> {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    for row in rows(report) {
        writer.serialize(row)?;
    }
    let bytes = writer.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
