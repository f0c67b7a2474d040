//! The hub's HTTP surface: one route table; handlers live in modules named after their
//! URL paths.

mod admin;
mod devices;
mod error;
mod events;
mod extract;
mod guest;
mod orders;
mod profiles;
mod reports;
mod socket;
mod tickets;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::watch;

pub use error::ApiError;

use crate::hub::Hub;
use crate::store::Mutation;

/// Largest REST body accepted; an order of 200 items is far below it.
const MAX_BODY_BYTES: usize = 256 * 1024;

/// Every route of the hub.
pub fn router(hub: Arc<Hub>, shutdown: watch::Receiver<bool>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(metrics))
        .route(
            "/api/openapi.json",
            get(|| async { axum::Json(crate::openapi::document()) }),
        )
        .route("/admin", get(crate::admin::page::index))
        .route("/admin/", get(crate::admin::page::index))
        .route("/admin/assets/{file}", get(crate::admin::page::asset))
        .route("/admin/api/login", post(admin::login))
        .route("/admin/api/logout", post(admin::logout))
        .route("/admin/api/session", get(admin::session))
        .route(
            "/admin/api/setup",
            get(admin::setup_state).post(admin::first_setup),
        )
        .route("/api/audit", get(admin::audit))
        .route("/api/kitchen", get(admin::kitchen).put(admin::set_kitchen))
        .route("/api/profiles", get(profiles::list))
        .route(
            "/api/profiles/{name}",
            axum::routing::put(profiles::put).delete(profiles::delete),
        )
        .route("/api/pair", post(devices::request).get(devices::waiting))
        .route("/api/pair/approve", post(devices::approve))
        .route("/api/pair/{id}", get(devices::status))
        .route("/api/token", post(devices::token))
        .route("/api/devices", get(devices::list))
        .route(
            "/api/devices/{id}",
            axum::routing::patch(devices::change).delete(devices::revoke),
        )
        .route("/api/events", post(events::publish))
        .route("/api/orders", post(orders::create))
        .route("/api/orders/{id}", get(orders::show).patch(orders::patch))
        .route("/api/orders/{id}/items", post(orders::add_items))
        .route(
            "/api/orders/{id}/items/{item}",
            axum::routing::delete(orders::remove_item),
        )
        .route(
            "/api/orders/{id}/items/{item}/void",
            post(orders::void_item),
        )
        .route("/api/orders/{id}/cancel", post(orders::cancel))
        .route("/api/orders/{id}/fire", post(orders::fire))
        .route("/api/orders/{id}/status", post(orders::status))
        .route("/api/orders/{id}/guest-link", post(guest::link))
        .route(
            "/api/tables/{table}/session",
            post(guest::seat).get(guest::seated).delete(guest::clear),
        )
        .route("/api/guest/{code}", get(guest::access))
        .route("/api/board-link", post(guest::board_link))
        .route("/o/{code}", get(crate::pages::guest))
        .route("/o/assets/{file}", get(crate::pages::guest_asset))
        .route("/board", get(crate::pages::board))
        .route("/board/assets/{file}", get(crate::pages::board_asset))
        .route("/api/stations/{station}/tickets", get(tickets::list))
        .route("/api/tickets/{id}", get(tickets::show))
        .route("/api/tickets/{id}/delivery", get(tickets::delivery))
        .route("/api/tickets/{id}/bump", post(tickets::bump))
        .route("/api/tickets/{id}/recall", post(tickets::recall))
        .route(
            "/api/tickets/{id}/items/{item}/bump",
            post(tickets::bump_item),
        )
        .route(
            "/api/tickets/{id}/items/{item}/recall",
            post(tickets::recall_item),
        )
        .route("/api/tickets/{id}/acknowledge", post(tickets::acknowledge))
        .route("/api/reports/service", get(reports::service))
        .route("/api/reports/service.csv", get(reports::service_csv))
        .route("/api/reports/today", get(reports::today))
        .route("/api/record/{station}/timeline", get(reports::timeline))
        .route("/api/record/{station}/board", get(reports::board))
        .route(
            rail_protocol::SOCKET_PATH,
            get(socket::upgrade).with_state(socket::SocketState {
                hub: hub.clone(),
                shutdown,
            }),
        )
        .fallback(|| async {
            ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "no such endpoint; see /api/openapi.json",
            )
        })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "this endpoint does not take that method; see /api/openapi.json",
            )
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Apps written with socket.io-client: `/socket.io/`, the same channels.
        .layer(crate::socketio::layer(hub.clone()))
        .with_state(hub)
}

/// `/metrics`, for an `operator` (or `admin`) token: the counters describe every
/// location the hub serves.
async fn metrics(
    State(hub): State<Arc<Hub>>,
    extract::Auth(who): extract::Auth,
) -> Result<Response, ApiError> {
    if !who.may_read_metrics() {
        return Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "FORBIDDEN",
            format!(
                "a {} token may not read metrics; use an operator token",
                who.role.as_str()
            ),
        ));
    }
    let body = hub
        .metrics
        .render(&hub.subscription_counts(), hub.config.metrics_tenant_labels);
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response())
}

/// Runs a hub mutation on the hub's writer thread (`Hub::write`) and answers with its
/// result once committed. Never on an async worker: a commit writes to disk, and
/// through the hub's lock every socket writer would wait for it.
async fn mutation<F>(hub: Arc<Hub>, run: F) -> Result<Response, ApiError>
where
    F: FnOnce(&Hub) -> Result<Mutation, crate::hub::HubError> + Send + 'static,
{
    let outcome = hub.write(run).await.ok_or_else(|| {
        tracing::error!("a mutation failed on the writer thread");
        ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            "the hub failed while recording this change; it was not applied",
        )
    })?;
    Ok(mutation_response(outcome?))
}

/// Turns a stored mutation result into a response, marking replays.
fn mutation_response(mutation: Mutation) -> Response {
    let status =
        axum::http::StatusCode::from_u16(mutation.status).unwrap_or(axum::http::StatusCode::OK);
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        mutation.body,
    )
        .into_response();
    if mutation.replayed {
        response.headers_mut().insert(
            "idempotent-replayed",
            header::HeaderValue::from_static("true"),
        );
    }
    response
}
