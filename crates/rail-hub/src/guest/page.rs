//! The guest page's files, built from `ui/guest` (Vite + Svelte, like the screen and the
//! admin page) into `ui/dist-guest` and embedded in the hub binary, so `/o/<code>` works
//! with nothing else installed. A hub built without them says how to build them.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

use crate::admin::page::{content_type, harden};

#[derive(RustEmbed)]
#[folder = "../../ui/dist-guest"]
#[allow_missing = true]
struct Assets;

fn file(path: &str) -> Response {
    let mut response = match Assets::get(path) {
        Some(file) => (
            [(header::CONTENT_TYPE, content_type(path))],
            file.data.into_owned(),
        )
            .into_response(),
        None if path == "index.html" => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "This hub was built without its guest page: run `cargo xtask setup` (it builds \
             ui/dist-guest), then build the hub again.",
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    };
    harden(&mut response);
    response
}

/// `GET /o/{code}`: the page; it reads its code from the address and asks the hub.
pub async fn index(Path(_code): Path<String>) -> Response {
    file("index.html")
}

/// `GET /o/assets/{file}`: its script and styles.
pub async fn asset(Path(name): Path<String>) -> Response {
    if name.contains("..") || name.contains('/') {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    }
    file(&format!("assets/{name}"))
}
