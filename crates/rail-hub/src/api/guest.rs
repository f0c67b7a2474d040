//! `/api/orders/{id}/guest-link` and `/api/guest/{code}`: a POS asks for an order's short
//! link; a guest's phone trades the code for a token that reads that order only.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use rail_protocol::{GuestAccess, GuestLink};

use super::extract::{ApiPath, Auth};
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
