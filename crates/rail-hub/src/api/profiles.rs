//! `/api/profiles…`: the manager's screen profiles (timer colours, language, look,
//! sound) that paired screens follow live.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use rail_protocol::ScreenProfile;

use super::devices::blocking;
use super::extract::{ApiJson, ApiPath, Auth};
use super::ApiError;
use crate::hub::Hub;

/// `GET /api/profiles`
pub async fn list(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
) -> Result<Json<Vec<ScreenProfile>>, ApiError> {
    Ok(Json(
        blocking(hub, move |hub| hub.screen_profiles(&who)).await?,
    ))
}

/// `PUT /api/profiles/{name}`: 201 when new, 200 when replaced.
pub async fn put(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    ApiPath(name): ApiPath<String>,
    ApiJson(profile): ApiJson<ScreenProfile>,
) -> Result<(StatusCode, Json<ScreenProfile>), ApiError> {
    let (created, profile) = blocking(hub, move |hub| {
        let created = hub.put_screen_profile(&who, &name, &profile)?;
        Ok((created, profile))
    })
    .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(profile)))
}

/// `DELETE /api/profiles/{name}`
pub async fn delete(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    ApiPath(name): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    blocking(hub, move |hub| hub.delete_screen_profile(&who, &name)).await?;
    Ok(StatusCode::NO_CONTENT)
}
