//! The admin page's files, built from `ui/admin` (Vite + Svelte, like the screen) into
//! `ui/dist-admin` and embedded in the hub binary, so a hub serves its own admin page
//! with nothing else installed. `cargo xtask setup` builds them first; a hub built
//! without them answers `/admin` with a page saying how to build them.

use axum::extract::Path;
use axum::http::{header, HeaderValue};
use axum::response::Response;
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

/// `GET /admin` and `/admin/`: the page.
pub async fn index() -> Response {
    crate::pages::file::<Assets>("index.html", "admin page")
}

/// `GET /admin/assets/{file}`: its scripts and styles.
pub async fn asset(Path(name): Path<String>) -> Response {
    crate::pages::asset::<Assets>(&name, "admin page")
}
