//! `/api/orders/...`: the POS side (expo may fire courses and set the status).

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use rail_protocol::{AddItems, FireCourse, NewOrder, Order, OrderPatch, StatusChange};

use super::extract::{ApiJson, ApiPath, Auth, IdempotencyHeader};
use super::{mutation, ApiError};
use crate::hub::Hub;
use crate::store::{IdempotencyKey, OrderCommand};

/// The key with the request it guards: the same key with another request is refused.
/// The request is written out only when a key came with it.
fn key_for(key: Option<String>, request: impl FnOnce() -> String) -> Option<IdempotencyKey> {
    key.map(|key| IdempotencyKey {
        key,
        request: request(),
    })
}

/// `POST /api/orders`
pub async fn create(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    IdempotencyHeader(key): IdempotencyHeader,
    ApiJson(order): ApiJson<NewOrder>,
) -> Result<Response, ApiError> {
    let idem = key_for(key, || {
        let body = serde_json::to_string(&order).unwrap_or_default();
        format!("POST /api/orders {body}")
    });
    mutation(hub, move |hub| {
        hub.create_order(&who, idem.as_ref(), &order)
    })
    .await
}

/// `GET /api/orders/{id}`
pub async fn show(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Order>, ApiError> {
    Ok(Json(hub.order(&who, &id)?))
}

async fn change(
    hub: Arc<Hub>,
    who: crate::auth::Claims,
    key: Option<String>,
    id: String,
    what: &str,
    command: OrderCommand,
) -> Result<Response, ApiError> {
    let idem = key_for(key, || format!("{what} /api/orders/{id} {command:?}"));
    mutation(hub, move |hub| {
        hub.change_order(&who, idem.as_ref(), &id, &command)
    })
    .await
}

/// `PATCH /api/orders/{id}`: rush, notes, table, guest, server.
pub async fn patch(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    IdempotencyHeader(key): IdempotencyHeader,
    ApiPath(id): ApiPath<String>,
    ApiJson(patch): ApiJson<OrderPatch>,
) -> Result<Response, ApiError> {
    change(hub, who, key, id, "PATCH", OrderCommand::Patch(patch)).await
}

/// `POST /api/orders/{id}/items`
pub async fn add_items(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    IdempotencyHeader(key): IdempotencyHeader,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<AddItems>,
) -> Result<Response, ApiError> {
    change(
        hub,
        who,
        key,
        id,
        "POST items",
        OrderCommand::AddItems(body.items),
    )
    .await
}

/// `POST /api/orders/{id}/items/{item}/void`
pub async fn void_item(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    IdempotencyHeader(key): IdempotencyHeader,
    ApiPath((id, item_id)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let command = OrderCommand::VoidItem {
        item_id,
        remove: false,
    };
    change(hub, who, key, id, "POST void", command).await
}

/// `DELETE /api/orders/{id}/items/{item}`
pub async fn remove_item(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    IdempotencyHeader(key): IdempotencyHeader,
    ApiPath((id, item_id)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let command = OrderCommand::VoidItem {
        item_id,
        remove: true,
    };
    change(hub, who, key, id, "DELETE item", command).await
}

/// `POST /api/orders/{id}/cancel`
pub async fn cancel(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    IdempotencyHeader(key): IdempotencyHeader,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    change(hub, who, key, id, "POST cancel", OrderCommand::Cancel).await
}

/// `POST /api/orders/{id}/fire`
pub async fn fire(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    IdempotencyHeader(key): IdempotencyHeader,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<FireCourse>,
) -> Result<Response, ApiError> {
    change(
        hub,
        who,
        key,
        id,
        "POST fire",
        OrderCommand::Fire(body.course),
    )
    .await
}

/// `POST /api/orders/{id}/status`
pub async fn status(
    State(hub): State<Arc<Hub>>,
    Auth(who): Auth,
    IdempotencyHeader(key): IdempotencyHeader,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<StatusChange>,
) -> Result<Response, ApiError> {
    change(
        hub,
        who,
        key,
        id,
        "POST status",
        OrderCommand::Status(body.status),
    )
    .await
}
