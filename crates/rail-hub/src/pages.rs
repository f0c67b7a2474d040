//! The public pages the hub serves besides its admin page: the guest page (`/o/<code>`,
//! built from `ui/guest`) and the pickup board (`/board`, built from `ui/board`). Each
//! is built by Vite into `ui/dist-guest` / `ui/dist-board` and embedded in the hub
//! binary, so they work with nothing else installed; a hub built without them says
//! how to build them. Neither page carries a secret: the guest page's code and the
//! board's token are in its address.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

use crate::admin::page::{content_type, harden};

#[derive(RustEmbed)]
#[folder = "../../ui/dist-guest"]
#[allow_missing = true]
struct GuestPage;

#[derive(RustEmbed)]
#[folder = "../../ui/dist-board"]
#[allow_missing = true]
struct BoardPage;

/// `path` of the embedded page `A`, hardened; a missing `index.html` says how to
/// build `what`.
pub(crate) fn file<A: RustEmbed>(path: &str, what: &str) -> Response {
    let mut response = match A::get(path) {
        Some(file) => (
            [(header::CONTENT_TYPE, content_type(path))],
            file.data.into_owned(),
        )
            .into_response(),
        None if path == "index.html" => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!(
                "This hub was built without its {what}: run `cargo xtask setup` (it builds \
                 the hub's pages into ui/dist-*), then build the hub again."
            ),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    };
    harden(&mut response);
    response
}

/// One of page `A`'s assets, by file name only.
pub(crate) fn asset<A: RustEmbed>(name: &str, what: &str) -> Response {
    if name.contains("..") || name.contains('/') {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    }
    file::<A>(&format!("assets/{name}"), what)
}

/// `GET /o/{code}`: the guest page; it reads its code from the address.
pub async fn guest(Path(_code): Path<String>) -> Response {
    file::<GuestPage>("index.html", "guest page")
}

/// `GET /o/assets/{file}`
pub async fn guest_asset(Path(name): Path<String>) -> Response {
    asset::<GuestPage>(&name, "guest page")
}

/// `GET /board`: the pickup board; its token is in the address's fragment, which
/// browsers never send to the server.
pub async fn board() -> Response {
    file::<BoardPage>("index.html", "pickup board")
}

/// `GET /board/assets/{file}`
pub async fn board_asset(Path(name): Path<String>) -> Response {
    asset::<BoardPage>(&name, "pickup board")
}
