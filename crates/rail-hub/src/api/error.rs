//! `ApiError`: every REST failure as RFC 9457 problem JSON. Internal details are
//! logged, never sent.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use rail_protocol::problem::{Problem, PROBLEM_CONTENT_TYPE};

use crate::devices::DeviceError;
use crate::hub::HubError;
use crate::store::StoreError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            detail: detail.into(),
        }
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", detail)
    }

    fn internal(error: &dyn std::fmt::Display) -> Self {
        tracing::error!(%error, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            "the hub failed; see its log",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(detail) => Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", detail),
            StoreError::Conflict(detail) => Self::new(StatusCode::CONFLICT, "CONFLICT", detail),
            StoreError::Invalid(detail) => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "INVALID", detail)
            }
            StoreError::Unavailable(why) => {
                tracing::warn!(%why, "the store is unavailable");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "STORE_UNAVAILABLE",
                    "the hub's database cannot be reached; nothing was written: try again \
                     (with the same Idempotency-Key)",
                )
            }
            StoreError::Busy(why) => {
                tracing::warn!(%why, "a change met another hub's");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "BUSY",
                    "the change met another at the same moment; nothing was written: try \
                     again (with the same Idempotency-Key)",
                )
            }
            StoreError::CommitFailed(why) => {
                tracing::warn!(%why, "a batch of changes was not committed");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "NOT_COMMITTED",
                    "the change could not be committed; nothing was written: try again \
                     (with the same Idempotency-Key)",
                )
            }
            StoreError::IdempotencyMismatch(_) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "IDEMPOTENCY_KEY_REUSED",
                error.to_string(),
            ),
            other => Self::internal(&other),
        }
    }
}

impl From<HubError> for ApiError {
    fn from(error: HubError) -> Self {
        match error {
            HubError::Forbidden(detail) => Self::new(StatusCode::FORBIDDEN, "FORBIDDEN", detail),
            HubError::BadChannel(detail) => {
                Self::new(StatusCode::BAD_REQUEST, "UNKNOWN_CHANNEL", detail)
            }
            HubError::Store(store) => store.into(),
            other => Self::internal(&other),
        }
    }
}

impl From<DeviceError> for ApiError {
    fn from(error: DeviceError) -> Self {
        match error {
            DeviceError::Forbidden(detail) => Self::new(StatusCode::FORBIDDEN, "FORBIDDEN", detail),
            DeviceError::Unauthorized(detail) => Self::unauthorized(detail),
            DeviceError::Revoked => Self::new(
                StatusCode::UNAUTHORIZED,
                "DEVICE_REVOKED",
                error.to_string(),
            ),
            DeviceError::NotFound(detail) => Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", detail),
            DeviceError::Expired => {
                Self::new(StatusCode::GONE, "PAIRING_EXPIRED", error.to_string())
            }
            DeviceError::TooManyWaiting => Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "TOO_MANY_PAIRINGS",
                error.to_string(),
            ),
            DeviceError::Store(store) => store.into(),
            DeviceError::Auth(auth) => Self::internal(&auth),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = Problem {
            kind: format!(
                "https://rail.invalid/problems/{}",
                self.code.to_lowercase().replace('_', "-")
            ),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: Some(self.detail),
            code: self.code.to_owned(),
        };
        let body = serde_json::to_string(&problem).unwrap_or_default();
        (
            self.status,
            [(header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE)],
            body,
        )
            .into_response()
    }
}
