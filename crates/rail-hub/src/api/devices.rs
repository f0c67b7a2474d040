//! `/api/pair…`, `/api/token` and `/api/devices…`: pairing a device by code, trading a
//! device secret for an access token, and the manager's device list.

use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use rail_protocol::{
    AccessToken, Device, DevicePatch, PairApproval, PairRequest, PairStatus, PairTicket,
    PendingPair, TokenRequest,
};

use super::extract::{bearer, ApiJson, ApiPath, Auth};
use super::ApiError;
use crate::devices::DeviceError;
use crate::hub::Hub;
use crate::server::Peer;

/// The caller's IP address, when the server records it (shown in the device list).
pub struct PeerAddress(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for PeerAddress {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PeerAddress(
            parts
                .extensions
                .get::<ConnectInfo<Peer>>()
                .map(|ConnectInfo(Peer(address))| address.ip().to_string()),
        ))
    }
}

/// Runs a device operation on the blocking pool: each one is a short SQLite
/// transaction, kept off the async workers like every other write.
pub(super) async fn blocking<T, F>(hub: Arc<Hub>, run: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Hub) -> Result<T, DeviceError> + Send + 'static,
{
    tokio::task::spawn_blocking(move || run(&hub))
        .await
        .map_err(|error| {
            tracing::error!(%error, "device task failed");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "the hub failed; see its log",
            )
        })?
        .map_err(ApiError::from)
}

/// `POST /api/pair`: no token needed; answers the code to show.
pub async fn request(
    State(hub): State<Arc<Hub>>,
    PeerAddress(address): PeerAddress,
    ApiJson(request): ApiJson<PairRequest>,
) -> Result<(StatusCode, Json<PairTicket>), ApiError> {
    let ticket = blocking(hub, move |hub| hub.request_pairing(&request, address)).await?;
    Ok((StatusCode::CREATED, Json(ticket)))
}

/// `GET /api/pair/{id}` with the poll secret as bearer token.
pub async fn status(
    State(hub): State<Arc<Hub>>,
    ApiPath(id): ApiPath<String>,
    parts: Parts,
) -> Result<Json<PairStatus>, ApiError> {
    let secret = bearer(&parts).ok_or_else(|| {
        ApiError::unauthorized(
            "send the pairing's poll secret as `Authorization: Bearer <pollSecret>`",
        )
    })?;
    Ok(Json(
        blocking(hub, move |hub| hub.pairing_status(&id, &secret)).await?,
    ))
}

/// `GET /api/pair`: requests waiting for the manager.
pub async fn waiting(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
) -> Result<Json<Vec<PendingPair>>, ApiError> {
    Ok(Json(
        blocking(hub, move |hub| hub.waiting_pairings(&who)).await?,
    ))
}

/// `POST /api/pair/approve`
pub async fn approve(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    ApiJson(approval): ApiJson<PairApproval>,
) -> Result<(StatusCode, Json<Device>), ApiError> {
    let device = blocking(hub, move |hub| hub.approve_pairing(&who, &approval)).await?;
    Ok((StatusCode::CREATED, Json(device)))
}

/// `POST /api/token`: a device secret buys an access token.
pub async fn token(
    State(hub): State<Arc<Hub>>,
    PeerAddress(address): PeerAddress,
    ApiJson(request): ApiJson<TokenRequest>,
) -> Result<Json<AccessToken>, ApiError> {
    Ok(Json(
        blocking(hub, move |hub| {
            hub.access_token(&request, address.as_deref())
        })
        .await?,
    ))
}

/// `GET /api/devices`
pub async fn list(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
) -> Result<Json<Vec<Device>>, ApiError> {
    Ok(Json(blocking(hub, move |hub| hub.devices(&who)).await?))
}

/// `PATCH /api/devices/{id}`
pub async fn change(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<String>,
    ApiJson(patch): ApiJson<DevicePatch>,
) -> Result<Json<Device>, ApiError> {
    Ok(Json(
        blocking(hub, move |hub| hub.change_device(&who, &id, &patch)).await?,
    ))
}

/// `DELETE /api/devices/{id}`: revoke.
pub async fn revoke(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Device>, ApiError> {
    Ok(Json(
        blocking(hub, move |hub| hub.revoke_device(&who, &id)).await?,
    ))
}
