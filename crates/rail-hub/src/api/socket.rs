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

/// Largest frame a socket can be sent: a snapshot of thousands of tickets fits.
const MAX_WRITE_BUFFER: usize = 64 * 1024 * 1024;

pub async fn upgrade(
    State(state): State<SocketState>,
    MaybeBearer(token): MaybeBearer,
    ws: WebSocketUpgrade,
) -> Response {
    let limit = state.hub.config.max_message_bytes;
    ws
        // tungstenite's default 128 KiB read buffer per socket is what makes idle
        // connections cost megabytes (tungstenite-rs#480). A screen's messages (auth,
        // subscribe, applied, pong) are well under 512 bytes; the buffer grows on
        // demand for anything longer.
        .read_buffer_size(512)
        .write_buffer_size(0)
        // A frame larger than this cap fails to write and drops the socket, and a
        // fresh subscription's snapshot is one frame: the cap must fit the largest
        // snapshot (a slow screen is bounded by the hub's own outbound queue instead).
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .max_message_size(limit)
        .max_frame_size(limit)
        .on_upgrade(move |socket| {
            crate::connection::serve(state.hub, socket, token, state.shutdown)
        })
}
