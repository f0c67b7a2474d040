//! `/api/tickets/...` and `/api/stations/{station}/tickets`: what screens read and do.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use rail_protocol::Ticket;
use serde::Deserialize;

use super::extract::{ApiPath, ApiQuery, Auth, IdempotencyHeader};
use super::{mutation, ApiError};
use crate::hub::Hub;
use crate::store::{IdempotencyKey, StationFilter};

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    limit: Option<u32>,
}

/// `GET /api/stations/{station}/tickets?status=open|bumped&limit=20`
pub async fn list(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    ApiPath(station): ApiPath<String>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Vec<Ticket>>, ApiError> {
    let filter = match query.status.as_deref() {
        None | Some("open") => StationFilter::Open,
        Some("bumped") => StationFilter::Bumped {
            limit: query.limit.unwrap_or(20).min(500),
        },
        Some(other) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID",
                format!("unknown status {other:?}: use open or bumped"),
            ))
        }
    };
    Ok(Json(hub.tickets(&who, &station, filter)?))
}

/// `GET /api/tickets/{id}`
pub async fn show(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Ticket>, ApiError> {
    Ok(Json(hub.ticket(&who, &id)?))
}

fn key_for(key: Option<String>, action: &str, id: &str) -> Option<IdempotencyKey> {
    key.map(|key| IdempotencyKey {
        key,
        request: format!("POST /api/tickets/{id}/{action}"),
    })
}

/// `GET /api/tickets/{id}/delivery`
pub async fn delivery(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<rail_protocol::TicketDelivery>, ApiError> {
    Ok(Json(hub.delivery(&who, &id)?))
}

/// `POST /api/tickets/{id}/bump`
pub async fn bump(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    IdempotencyHeader(key): IdempotencyHeader,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let idem = key_for(key, "bump", &id);
    mutation(hub, move |hub| hub.bump(&who, idem.as_ref(), &id, false)).await
}

/// `POST /api/tickets/{id}/recall`
pub async fn recall(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    IdempotencyHeader(key): IdempotencyHeader,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let idem = key_for(key, "recall", &id);
    mutation(hub, move |hub| hub.bump(&who, idem.as_ref(), &id, true)).await
}

/// `POST /api/tickets/{id}/items/{item}/bump`
pub async fn bump_item(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    IdempotencyHeader(key): IdempotencyHeader,
    ApiPath((id, item_id)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let idem = key_for(key, &format!("items/{item_id}/bump"), &id);
    mutation(hub, move |hub| {
        hub.bump_item(&who, idem.as_ref(), &id, &item_id)
    })
    .await
}

/// `POST /api/tickets/{id}/items/{item}/recall`
pub async fn recall_item(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    IdempotencyHeader(key): IdempotencyHeader,
    ApiPath((id, item_id)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let idem = key_for(key, &format!("items/{item_id}/recall"), &id);
    mutation(hub, move |hub| {
        hub.recall_item(&who, idem.as_ref(), &id, &item_id)
    })
    .await
}

/// `POST /api/tickets/{id}/acknowledge`
pub async fn acknowledge(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    IdempotencyHeader(key): IdempotencyHeader,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let idem = key_for(key, "acknowledge", &id);
    mutation(hub, move |hub| {
        hub.acknowledge_changes(&who, idem.as_ref(), &id)
    })
    .await
}
