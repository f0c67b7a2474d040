//! `POST /api/events`: the restaurant's platform publishes its events.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use rail_protocol::PlatformEvent;

use super::extract::{ApiJson, Auth, IdempotencyHeader};
use super::{mutation, ApiError};
use crate::hub::Hub;
use crate::store::IdempotencyKey;

/// `POST /api/events` `{type, data}`: written to the channels its ids name; 201 with
/// each channel's sequence number.
pub async fn publish(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    IdempotencyHeader(key): IdempotencyHeader,
    ApiJson(event): ApiJson<PlatformEvent>,
) -> Result<Response, ApiError> {
    let body = serde_json::to_string(&event).unwrap_or_default();
    let idem = key.map(|key| IdempotencyKey {
        key,
        request: format!("POST /api/events {body}"),
    });
    mutation(hub, move |hub| {
        hub.publish_platform(&who, idem.as_ref(), &event)
    })
    .await
}
