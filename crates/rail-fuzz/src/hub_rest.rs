//! Request sequences through the hub's real router (in process, on a fresh in-memory
//! hub per input).
//!
//! An input is requests separated by `---` lines; each starts with a line
//! `METHOD PATH [ROLE [IDEMPOTENCY-KEY]]` (role `pos`, `kds`, `expo` or `admin`, the
//! default) and the rest is the body. `{order}`, `{ticket}` and `{item}` in a path
//! stand for the ids the previous answers named, so mutations reach real rows.
//!
//! Promises checked on every answer: never a 5xx; every error is `application/problem+
//! json` whose `status` matches; a refused request publishes no event. After the
//! sequence every station's ticket list still reads back. `RAIL_FUZZ_TRACE=1` prints
//! each request and its status (to read a saved input).

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use rail_hub::auth::Role;
use rail_protocol::problem::PROBLEM_CONTENT_TYPE;
use rail_protocol::{Problem, Ticket};
use serde_json::Value;
use std::sync::atomic::Ordering;
use tower::ServiceExt;

use crate::{device, fresh_hub, parts};

/// Requests read from one input beyond this are ignored (keeps each run short).
const MAX_REQUESTS: usize = 24;

/// Ids learnt from earlier answers, substituted into later paths.
#[derive(Default)]
struct Known {
    order: Option<String>,
    ticket: Option<String>,
    item: Option<String>,
}

impl Known {
    fn learn(&mut self, body: &Value) {
        let text = |v: &Value| v.as_str().map(str::to_owned);
        if let Some(id) = body.get("orderId").and_then(text) {
            self.order = Some(id);
        }
        if body.get("locationId").is_some() {
            self.order = body.get("id").and_then(text).or(self.order.take());
        }
        let ticket = body
            .get("tickets")
            .and_then(|t| t.get(0))
            .or_else(|| body.get("ticket"))
            .or_else(|| body.get("station").map(|_| body));
        if let Some(ticket) = ticket {
            self.ticket = ticket.get("id").and_then(text).or(self.ticket.take());
        }
        let item = ticket
            .and_then(|t| t.get("items"))
            .or_else(|| body.get("items"))
            .and_then(|items| items.get(0))
            .and_then(|item| item.get("id"))
            .and_then(text);
        if item.is_some() {
            self.item = item;
        }
    }

    fn fill(&self, path: &str) -> String {
        let or_none = |id: &Option<String>| id.clone().unwrap_or_else(|| "none".into());
        path.replace("{order}", &or_none(&self.order))
            .replace("{ticket}", &or_none(&self.ticket))
            .replace("{item}", &or_none(&self.item))
    }
}

/// Runs one input. Panics when the hub breaks a promise.
pub fn run(data: &[u8]) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run_async(data));
}

async fn run_async(data: &[u8]) {
    let hub = fresh_hub();
    let (_stop, shutdown) = tokio::sync::watch::channel(false);
    let router = rail_hub::api::router(hub.clone(), shutdown);
    let token = |role: Role| {
        hub.authority
            .issue(&device(role, &["grill", "fry"]))
            .expect("token")
    };
    let mut known = Known::default();
    for part in parts(data).into_iter().take(MAX_REQUESTS) {
        let (head, body) = part.split_once('\n').unwrap_or((part, ""));
        let mut words = head.split_whitespace();
        let (Some(method), Some(path)) = (words.next(), words.next()) else {
            continue;
        };
        let Ok(method) = Method::from_bytes(method.as_bytes()) else {
            continue;
        };
        let role = match words.next() {
            Some("pos") => Role::Pos,
            Some("kds") => Role::Kds,
            Some("expo") => Role::Expo,
            Some("operator") => Role::Operator,
            _ => Role::Admin,
        };
        let path = known.fill(path);
        let mut request = Request::builder()
            .method(method.clone())
            .uri(&path)
            .header(header::AUTHORIZATION, format!("Bearer {}", token(role)))
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(key) = words.next() {
            request = request.header("idempotency-key", key);
        }
        // A path or header the HTTP types refuse never reaches the hub: not a finding.
        let Ok(request) = request.body(Body::from(body.to_owned())) else {
            continue;
        };
        let published = hub.metrics.events_published.load(Ordering::SeqCst);
        let response = router.clone().oneshot(request).await.expect("infallible");
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        if std::env::var_os("RAIL_FUZZ_TRACE").is_some() {
            eprintln!("{method} {path} → {status}");
        }
        assert!(
            !status.is_server_error(),
            "{method} {path} answered {status}: {}",
            String::from_utf8_lossy(&bytes)
        );
        if status.is_client_error() {
            assert_eq!(
                content_type, PROBLEM_CONTENT_TYPE,
                "{method} {path} → {status} without problem JSON"
            );
            let problem: Problem = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!("{method} {path} → {status}: body is not a problem ({e})")
            });
            assert_eq!(problem.status, status.as_u16(), "problem status differs");
            assert_eq!(
                hub.metrics.events_published.load(Ordering::SeqCst),
                published,
                "{method} {path} was refused ({status}) but published events"
            );
        } else if status.is_success() && content_type.starts_with("application/json") {
            let body: Value = serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("{method} {path} → {status}: not JSON ({e})"));
            known.learn(&body);
        }
    }
    // Whatever happened, the stored tickets still decode.
    for list in [
        "/api/stations/grill/tickets",
        "/api/stations/fry/tickets",
        "/api/stations/grill/tickets?status=bumped&limit=500",
    ] {
        let request = Request::builder()
            .uri(list)
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", token(Role::Admin)),
            )
            .body(Body::empty())
            .expect("request");
        let response = router.clone().oneshot(request).await.expect("infallible");
        assert_eq!(response.status(), StatusCode::OK, "listing {list} failed");
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        let _: Vec<Ticket> = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{list}: the tickets do not decode: {e}"));
    }
}
