//! `/api/reports/…` and `/api/record/…`: speed of service (JSON and CSV), the day so
//! far for expo, and the flight recorder. Reads run on the blocking pool: a month's
//! report reads and folds tens of thousands of recorded events.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rail_protocol::{RecordTimeline, RecordedBoard, ServiceReport, TodaySummary};
use serde::Deserialize;

use super::extract::{ApiPath, ApiQuery, Auth};
use super::ApiError;
use crate::clock::now_ms;
use crate::hub::{Hub, HubError};
use crate::recorder::Instant;
use crate::report::Period;

const DAY_MS: i64 = 24 * 3600 * 1000;
/// Time zones run from UTC−12 to UTC+14.
const TZ_RANGE_MIN: std::ops::RangeInclusive<i32> = -720..=840;

fn invalid(detail: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "INVALID", detail)
}

/// A period: `from`/`to` in ms (default: the last 24 hours) and the time zone its hours
/// and days are cut in.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PeriodQuery {
    from: Option<i64>,
    to: Option<i64>,
    tz_offset_min: Option<i32>,
}

fn tz(offset: Option<i32>) -> Result<i32, ApiError> {
    let offset = offset.unwrap_or(0);
    if TZ_RANGE_MIN.contains(&offset) {
        Ok(offset)
    } else {
        Err(invalid(format!(
            "tzOffsetMin {offset}: minutes east of UTC, from -720 to 840"
        )))
    }
}

impl PeriodQuery {
    fn period(&self, hub: &Hub) -> Result<Period, ApiError> {
        let to_ms = self.to.unwrap_or_else(|| now_ms() + 1);
        let from_ms = self.from.unwrap_or(to_ms - DAY_MS);
        if from_ms >= to_ms {
            return Err(invalid("from must be before to"));
        }
        let kept_ms = i64::try_from(hub.config.record_max_age.as_millis()).unwrap_or(i64::MAX);
        if to_ms - from_ms > kept_ms + DAY_MS {
            return Err(invalid(format!(
                "a report covers at most {} days, as long as the record is kept",
                kept_ms / DAY_MS + 1
            )));
        }
        Ok(Period {
            from_ms,
            to_ms,
            tz_offset_min: tz(self.tz_offset_min)?,
        })
    }
}

async fn blocking<T: Send + 'static>(
    hub: Arc<Hub>,
    read: impl FnOnce(&Hub) -> Result<T, HubError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(move || read(&hub))
        .await
        .map_err(|error| {
            tracing::error!(%error, "report task failed");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "the hub failed while reading its record",
            )
        })?
        .map_err(ApiError::from)
}

/// `GET /api/reports/service?from=&to=&tzOffsetMin=`
pub async fn service(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    ApiQuery(query): ApiQuery<PeriodQuery>,
) -> Result<Json<ServiceReport>, ApiError> {
    let period = query.period(&hub)?;
    Ok(Json(
        blocking(hub, move |hub| hub.service_report(&who, period)).await?,
    ))
}

/// `GET /api/reports/service.csv?from=&to=&tzOffsetMin=`: the same report, one row per
/// station and period, for a spreadsheet.
pub async fn service_csv(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    ApiQuery(query): ApiQuery<PeriodQuery>,
) -> Result<Response, ApiError> {
    let period = query.period(&hub)?;
    let report = blocking(hub, move |hub| hub.service_report(&who, period)).await?;
    let body = crate::report::csv::write(&report).map_err(|error| {
        tracing::error!(%error, "could not write a report as CSV");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            "the hub could not write the report as CSV",
        )
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"speed-of-service.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TodayQuery {
    tz_offset_min: Option<i32>,
}

/// `GET /api/reports/today?tzOffsetMin=`
pub async fn today(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    ApiQuery(query): ApiQuery<TodayQuery>,
) -> Result<Json<TodaySummary>, ApiError> {
    let offset = tz(query.tz_offset_min)?;
    Ok(Json(
        blocking(hub, move |hub| hub.today(&who, offset, now_ms())).await?,
    ))
}

fn station_name(station: &str) -> Result<(), ApiError> {
    if rail_protocol::channel::is_valid_id(station) {
        Ok(())
    } else {
        Err(invalid(format!(
            "station {station:?}: letters, digits, - _ . up to 64"
        )))
    }
}

/// `GET /api/record/{station}/timeline?from=&to=` (default: the last 24 hours).
pub async fn timeline(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    ApiPath(station): ApiPath<String>,
    ApiQuery(query): ApiQuery<PeriodQuery>,
) -> Result<Json<RecordTimeline>, ApiError> {
    station_name(&station)?;
    let period = query.period(&hub)?;
    Ok(Json(
        blocking(hub, move |hub| {
            hub.record_timeline(&who, &station, period.from_ms, period.to_ms)
        })
        .await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BoardQuery {
    at: Option<i64>,
    entry: Option<i64>,
}

/// `GET /api/record/{station}/board?at=<ms>` or `?entry=<id>`
pub async fn board(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    ApiPath(station): ApiPath<String>,
    ApiQuery(query): ApiQuery<BoardQuery>,
) -> Result<Json<RecordedBoard>, ApiError> {
    station_name(&station)?;
    let instant = match (query.at, query.entry) {
        (Some(at), None) => Instant::At(at),
        (None, Some(entry)) => Instant::Entry(entry),
        (None, None) => Instant::At(now_ms()),
        (Some(_), Some(_)) => return Err(invalid("give either at or entry, not both")),
    };
    Ok(Json(
        blocking(hub, move |hub| hub.recorded_board(&who, &station, instant)).await?,
    ))
}
