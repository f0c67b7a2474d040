//! `/api/orders`: the POS side.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use rail_protocol::NewOrder;

use super::extract::{ApiJson, Auth, IdempotencyHeader};
use super::{mutation_response, ApiError};
use crate::hub::Hub;
use crate::store::IdempotencyKey;

/// `POST /api/orders`
pub async fn create(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    IdempotencyHeader(key): IdempotencyHeader,
    ApiJson(order): ApiJson<NewOrder>,
) -> Result<Response, ApiError> {
    let idem = key.map(|key| IdempotencyKey {
        key,
        request: format!(
            "POST /api/orders {}",
            serde_json::to_string(&order).unwrap_or_default()
        ),
    });
    Ok(mutation_response(hub.create_order(
        &who,
        idem.as_ref(),
        &order,
    )?))
}
