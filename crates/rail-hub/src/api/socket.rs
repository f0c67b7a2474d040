//! `GET /api/socket`: the WebSocket upgrade, with the buffer limits that keep an idle
//! connection in kilobytes.

use std::sync::Arc;

use axum::extract::{FromRequestParts, State, WebSocketUpgrade};
use axum::http::request::Parts;
use axum::response::Response;
use tokio::sync::watch;

use super::extract::bearer;
use crate::hub::Hub;

#[derive(Clone)]
pub struct SocketState {
    pub hub: Arc<Hub>,
    pub shutdown: watch::Receiver<bool>,
}

/// The raw bearer token; it is checked inside the socket so that a bad token gets a
/// WebSocket close 1008 like every other auth failure, not an HTTP error.
pub struct MaybeBearer(Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeBearer {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeBearer(bearer(parts)))
    }
}

pub async fn upgrade(
    State(state): State<SocketState>,
    MaybeBearer(token): MaybeBearer,
    ws: WebSocketUpgrade,
) -> Response {
    let limit = state.hub.config.max_message_bytes;
    ws
        // tungstenite's default 128 KiB read buffer per socket is what makes idle
        // connections cost megabytes (tungstenite-rs#480); 4 KiB grows on demand.
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_write_buffer_size(1024 * 1024)
        .max_message_size(limit)
        .max_frame_size(limit)
        .on_upgrade(move |socket| {
            crate::connection::serve(state.hub, socket, token, state.shutdown)
        })
}
