//! The admin page's files, built from `ui/admin` (Vite + Svelte, like the screen) into
//! `ui/dist-admin` and embedded in the hub binary, so a hub serves its own admin page
//! with nothing else installed. `cargo xtask setup` builds them first; a hub built
//! without them answers `/admin` with a page saying how to build them.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../ui/dist-admin"]
#[allow_missing = true]
struct Assets;

/// Headers every admin response carries: no framing (clickjacking), no sniffing, no
/// referrer, and scripts and styles from the hub alone.
pub(crate) fn harden(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
             frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

pub(crate) fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

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
            "This hub was built without its admin page: run `cargo xtask setup` (it builds \
             ui/dist-admin), then build the hub again.",
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    };
    harden(&mut response);
    response
}

/// `GET /admin` and `/admin/`: the page.
pub async fn index() -> Response {
    file("index.html")
}

/// `GET /admin/assets/{file}`: its scripts and styles.
pub async fn asset(Path(name): Path<String>) -> Response {
    if name.contains("..") || name.contains('/') {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    }
    file(&format!("assets/{name}"))
}
