//! Extractors: the caller's token, JSON bodies, queries and paths with problem-JSON
//! rejections, and the `Idempotency-Key` header.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use rail_protocol::IDEMPOTENCY_KEY_HEADER;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::auth::Claims;
use crate::hub::Hub;

/// The bearer token from `Authorization`, if any.
pub fn bearer(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?;
    Some(token.trim().to_owned())
}

/// A verified caller.
pub struct Auth(pub Claims);

impl FromRequestParts<Arc<Hub>> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        hub: &Arc<Hub>,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = bearer(parts) else {
            return admin_session(parts, hub).map(Auth);
        };
        hub.verify(&token).map(Auth).map_err(|error| {
            hub.metrics
                .auth_failures
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            ApiError::unauthorized(error.to_string())
        })
    }
}

/// The admin page's session, standing in for a token. A change (anything but GET and
/// HEAD) must carry the session's CSRF token too: another site's page can make the
/// browser send the cookie, but cannot read the token.
fn admin_session(parts: &Parts, hub: &Hub) -> Result<Claims, ApiError> {
    let id = super::admin::session_cookie(parts)
        .ok_or_else(|| ApiError::unauthorized("send `Authorization: Bearer <token>`"))?;
    let (claims, session) = hub
        .admin_session(&id)?
        .ok_or_else(|| ApiError::unauthorized("the admin session expired; sign in again"))?;
    let safe = matches!(
        parts.method,
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    let echoed = parts
        .headers
        .get(crate::admin::CSRF_HEADER)
        .and_then(|value| value.to_str().ok());
    if !safe && echoed != Some(session.csrf.as_str()) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "CSRF",
            "this change did not come from the admin page (no or wrong X-CSRF-Token)",
        ));
    }
    Ok(claims)
}

/// The `Idempotency-Key` header, when sent.
pub struct IdempotencyHeader(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyHeader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(IDEMPOTENCY_KEY_HEADER) else {
            return Ok(IdempotencyHeader(None));
        };
        let key = value
            .to_str()
            .ok()
            .filter(|k| !k.is_empty() && k.len() <= 128 && k.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "INVALID_IDEMPOTENCY_KEY",
                    "Idempotency-Key must be 1-128 visible ASCII characters, without spaces",
                )
            })?;
        Ok(IdempotencyHeader(Some(key.to_owned())))
    }
}

/// `Json<T>` whose rejections are problem JSON.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // axum's extractor names where a body is wrong (`items[0].qty: …`) by tracking
        // the path while it reads, which every request paid for. The usual request
        // (`Content-Type: application/json`, a body that reads) is read without it; a
        // body that fails is read again by axum to say where, and any other content
        // type goes to axum as it is.
        let plain_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|value| value.as_bytes() == b"application/json");
        let parsed = if plain_json {
            let bytes = axum::body::Bytes::from_request(req, state)
                .await
                .map_err(|e| json_problem(e.into()))?;
            match serde_json::from_slice(&bytes) {
                Ok(value) => Ok(axum::Json(value)),
                Err(_) => axum::Json::<T>::from_bytes(&bytes),
            }
        } else {
            axum::Json::<T>::from_request(req, state).await
        };
        parsed
            .map(|axum::Json(value)| ApiJson(value))
            .map_err(json_problem)
    }
}

/// A JSON body's rejection as problem JSON.
fn json_problem(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "send `Content-Type: application/json`",
        ),
        JsonRejection::JsonSyntaxError(e) => {
            ApiError::new(StatusCode::BAD_REQUEST, "MALFORMED_JSON", e.body_text())
        }
        JsonRejection::JsonDataError(e) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "INVALID", e.body_text())
        }
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!(
                "the body is larger than the hub accepts ({} KiB)",
                super::MAX_BODY_BYTES / 1024
            ),
        ),
        other => ApiError::new(other.status(), "BAD_REQUEST", other.body_text()),
    }
}

/// `Query<T>` whose rejections are problem JSON.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| ApiQuery(value))
            .map_err(|rejection| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "INVALID_QUERY",
                    rejection.body_text(),
                )
            })
    }
}

/// `Path<T>` whose rejections (say, a percent-encoded id that is not UTF-8) are
/// problem JSON.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| ApiPath(value))
            .map_err(|rejection| {
                ApiError::new(rejection.status(), "INVALID_PATH", rejection.body_text())
            })
    }
}
