//! `/admin/api/…`: signing the manager in and out of the admin page, who is signed in,
//! and the audit log. Everything else the page does goes through the same REST API
//! tokens use, with the session cookie (and its CSRF token) standing in for a token.

use std::sync::Arc;

use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rail_protocol::{AdminSession, AuditEntry, FirstSetup, KitchenSetup, Login, SetupState};
use serde::Deserialize;

use super::devices::{blocking, PeerAddress};
use super::extract::{ApiJson, ApiQuery, Auth};
use super::ApiError;
use crate::admin::{AdminError, SESSION_COOKIE, SESSION_TTL};
use crate::hub::Hub;

impl From<AdminError> for ApiError {
    fn from(error: AdminError) -> Self {
        match error {
            AdminError::WrongCredentials | AdminError::WrongSetupCode => {
                ApiError::unauthorized(error.to_string())
            }
            AdminError::TooManyAttempts(_) => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "TOO_MANY_ATTEMPTS",
                error.to_string(),
            ),
            AdminError::WeakPassword | AdminError::Invalid(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "INVALID",
                error.to_string(),
            ),
            AdminError::Store(store) => store.into(),
            AdminError::Hash(_) => {
                tracing::error!(%error, "admin");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "INTERNAL",
                    "the hub failed; see its log",
                )
            }
        }
    }
}

/// The session cookie's id, if the request carries one.
pub fn session_cookie(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|value| !value.is_empty())
}

/// `Set-Cookie` for a session: unreadable to scripts, never sent by another site's
/// page, and only over HTTPS when the hub serves HTTPS.
fn session_cookie_header(hub: &Hub, id: &str, max_age_secs: u64) -> HeaderValue {
    let secure = if hub.config.tls.is_some() {
        "; Secure"
    } else {
        ""
    };
    let value = format!(
        "{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}"
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `POST /admin/api/login`
pub async fn login(
    State(hub): State<Arc<Hub>>,
    PeerAddress(address): PeerAddress,
    ApiJson(login): ApiJson<Login>,
) -> Result<Response, ApiError> {
    let address = address.unwrap_or_else(|| "unknown".into());
    signed_in_response(hub, move |hub| hub.sign_in(&login, &address)).await
}

/// `GET /admin/api/setup`: does the hub still wait for its first account?
pub async fn setup_state(State(hub): State<Arc<Hub>>) -> Json<SetupState> {
    Json(SetupState {
        needed: hub.setup_needed(),
    })
}

/// `POST /admin/api/setup`: the first account, with the setup code; signs it in.
pub async fn first_setup(
    State(hub): State<Arc<Hub>>,
    PeerAddress(address): PeerAddress,
    ApiJson(setup): ApiJson<FirstSetup>,
) -> Result<Response, ApiError> {
    let address = address.unwrap_or_else(|| "unknown".into());
    signed_in_response(hub, move |hub| hub.first_setup(&setup, &address)).await
}

/// Runs a sign-in (Argon2 is slow: off the async workers) and answers its session
/// with the cookie set.
async fn signed_in_response<F>(hub: Arc<Hub>, sign_in: F) -> Result<Response, ApiError>
where
    F: FnOnce(&Hub) -> Result<crate::admin::SignedIn, AdminError> + Send + 'static,
{
    let signed_in = {
        let hub = hub.clone();
        tokio::task::spawn_blocking(move || sign_in(&hub))
            .await
            .map_err(|_| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "INTERNAL",
                    "the hub failed; see its log",
                )
            })??
    };
    let mut response = Json(signed_in.session).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie_header(&hub, &signed_in.cookie_id, SESSION_TTL.as_secs()),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `POST /admin/api/logout`: ends the session and clears the cookie.
pub async fn logout(State(hub): State<Arc<Hub>>, parts: Parts) -> Result<Response, ApiError> {
    if let Some(id) = session_cookie(&parts) {
        hub.sign_out(&id)?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie_header(&hub, "", 0));
    Ok(response)
}

/// `GET /admin/api/session`: who is signed in (401 when nobody).
pub async fn session(State(hub): State<Arc<Hub>>, parts: Parts) -> Result<Response, ApiError> {
    let signed_in = match session_cookie(&parts) {
        Some(id) => hub.admin_session(&id)?,
        None => None,
    };
    let (_, session): (_, AdminSession) =
        signed_in.ok_or_else(|| ApiError::unauthorized("not signed in"))?;
    let mut response = Json(session).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `GET /api/kitchen`: the restaurant's stations and routing rules.
pub async fn kitchen(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
) -> Result<Json<KitchenSetup>, ApiError> {
    Ok(Json(blocking(hub, move |hub| hub.kitchen(&who)).await?))
}

/// `PUT /api/kitchen`: replaces them; the next order follows.
pub async fn set_kitchen(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    ApiJson(setup): ApiJson<KitchenSetup>,
) -> Result<Json<KitchenSetup>, ApiError> {
    Ok(Json(
        blocking(hub, move |hub| hub.set_kitchen(&who, &setup)).await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    limit: Option<u32>,
}

/// `GET /api/audit?limit=100`: the newest changes first.
pub async fn audit(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    Ok(Json(hub.audit_log(&who, query.limit.unwrap_or(100))?))
}
