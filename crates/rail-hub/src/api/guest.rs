//! `/api/orders/{id}/guest-link`, `/api/tables/{table}/session` and `/api/guest/{code}`:
//! a POS asks for an order's short link or seats a party at a table; a guest's phone
//! trades the code for a token that reads that order, or that party's orders, only.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use rail_protocol::{GuestAccess, GuestLink, TableSession};

use super::extract::{ApiPath, Auth, IdempotencyHeader};
use super::ApiError;
use crate::guest::GuestError;
use crate::hub::Hub;

/// `POST /api/orders/{id}/guest-link`
pub async fn link(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<GuestLink>, ApiError> {
    Ok(Json(hub.guest_link(&who, &id)?))
}

/// `POST /api/tables/{table}/session`: a party sits down; the last party's session
/// closes.
pub async fn seat(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    IdempotencyHeader(key): IdempotencyHeader,
    ApiPath(table): ApiPath<String>,
) -> Result<Response, ApiError> {
    let idem = key.map(|key| crate::store::IdempotencyKey {
        key,
        request: format!("POST /api/tables/{table}/session"),
    });
    super::mutation(hub, move |hub| hub.seat_table(&who, idem.as_ref(), &table)).await
}

/// `GET /api/tables/{table}/session`: the party sitting there now.
pub async fn seated(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    ApiPath(table): ApiPath<String>,
) -> Result<Json<TableSession>, ApiError> {
    Ok(Json(hub.seated_at(&who, &table)?))
}

/// `DELETE /api/tables/{table}/session`: the party left.
pub async fn clear(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    ApiPath(table): ApiPath<String>,
) -> Result<Json<TableSession>, ApiError> {
    Ok(Json(hub.clear_table(&who, &table)?))
}

/// `GET /api/guest/{code}`: no token needed; the code is the secret.
pub async fn access(
    State(hub): State<Arc<Hub>>,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<GuestAccess>, ApiError> {
    match hub.guest_access(&code, crate::clock::now_ms()) {
        Ok(access) => Ok(Json(access)),
        Err(GuestError::Unknown) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "UNKNOWN_LINK",
            GuestError::Unknown.to_string(),
        )),
        Err(GuestError::Closed) => Err(ApiError::new(
            StatusCode::GONE,
            "ORDER_CLOSED",
            GuestError::Closed.to_string(),
        )),
        Err(GuestError::Left) => Err(ApiError::new(
            StatusCode::GONE,
            "PARTY_LEFT",
            GuestError::Left.to_string(),
        )),
        Err(GuestError::Hub(error)) => Err(error.into()),
    }
}

/// `POST /api/board-link` (admin): the address a dining-room screen opens to show the
/// pickup board, with a year-long `board` token in its fragment.
pub async fn board_link(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
) -> Result<Json<rail_protocol::pickup::BoardLink>, ApiError> {
    Ok(Json(hub.board_link(&who)?))
}
