//! The outbox sender: delivers this screen's actions to the hub, oldest first, until
//! each is acknowledged, across outages and restarts.
//!
//! Every action carries the key it was recorded with as `Idempotency-Key`, and the hub
//! stores that key in the same transaction as the change: a retry after a lost response
//! is answered from the record, so an action takes effect exactly once. 2xx settles an
//! action; 403/404/409/422 reject it for good with the hub's reason (retrying would jam
//! the queue); network errors, 401, 408, 429 and 5xx are retried with backoff.

use std::sync::Arc;

use rail_protocol::{ActionResult, Problem, IDEMPOTENCY_KEY_HEADER};
use reqwest::StatusCode;
use tokio::sync::watch;

use crate::shared::{Settled, Shared};
use crate::store::{Action, PendingAction};

enum Delivery {
    Delivered(Box<ActionResult>),
    /// An action on an order (serve, undo, rush, fire): its answer is the order,
    /// nothing for the ticket cache.
    OrderChanged,
    Rejected(String),
    Retry(String),
}

pub(crate) async fn run(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let client = shared.http.clone();
    let mut failures: u32 = 0;
    loop {
        if *stop.borrow() {
            return;
        }
        let next = match shared.next_pending() {
            Ok(next) => next,
            Err(error) => {
                tracing::error!(%error, "cannot read the outbox");
                None
            }
        };
        let Some(action) = next else {
            tokio::select! {
                _ = shared.outbox_wake.notified() => continue,
                _ = stop.changed() => return,
            }
        };
        let result = deliver(&client, &shared, &action).await;
        let recorded = match &result {
            Delivery::Delivered(done) => shared.settle(&action, Settled::Applied(&done.ticket)),
            Delivery::OrderChanged => shared.settle(&action, Settled::OrderChanged),
            Delivery::Rejected(reason) => shared.settle(&action, Settled::Rejected(reason)),
            Delivery::Retry(reason) => shared.record_attempt(&action.key, reason),
        };
        if let Err(error) = recorded {
            tracing::error!(%error, "cannot record an outbox result");
        }
        match result {
            Delivery::OrderChanged => {
                failures = 0;
                tracing::info!(order = %action.ticket_id, action = action.action.as_str(), "order changed");
            }
            Delivery::Delivered(done) => {
                failures = 0;
                tracing::info!(ticket = %action.ticket_id, action = action.action.as_str(), outcome = ?done.outcome, "action delivered");
            }
            Delivery::Rejected(reason) => {
                failures = 0;
                tracing::warn!(ticket = %action.ticket_id, action = action.action.as_str(), %reason, "action rejected by the hub");
            }
            Delivery::Retry(reason) => {
                let delay = shared.config.backoff.delay(failures);
                failures = failures.saturating_add(1);
                tracing::debug!(ticket = %action.ticket_id, %reason, ?delay, "action not delivered; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    // The link came back: try at once rather than sit out the backoff.
                    _ = shared.outbox_wake.notified() => {}
                    _ = stop.changed() => return,
                }
            }
        }
    }
}

/// The JSON body of an action on an order; `Err` for one recorded without what it
/// needs (it can never be delivered).
fn order_body(action: &PendingAction) -> Result<Option<serde_json::Value>, String> {
    use rail_protocol::{FireCourse, OrderPatch, OrderStatus, StatusChange};
    let json =
        |value: serde_json::Result<serde_json::Value>| value.map(Some).map_err(|e| e.to_string());
    match action.action {
        Action::Serve => json(serde_json::to_value(StatusChange {
            status: OrderStatus::Served,
        })),
        Action::Unserve => json(serde_json::to_value(StatusChange {
            status: OrderStatus::Ready,
        })),
        Action::Rush => json(serde_json::to_value(OrderPatch {
            rush: Some(action.item_id.as_deref() != Some("off")),
            ..OrderPatch::default()
        })),
        Action::Fire => {
            let course = action
                .item_id
                .as_deref()
                .and_then(|c| c.parse::<u32>().ok())
                .ok_or_else(|| "a fire without a course number".to_owned())?;
            json(serde_json::to_value(FireCourse { course }))
        }
        Action::Bump
        | Action::Recall
        | Action::BumpItem
        | Action::RecallItem
        | Action::Acknowledge => Ok(None),
    }
}

async fn deliver(client: &reqwest::Client, shared: &Shared, action: &PendingAction) -> Delivery {
    let hub = shared.hub_url();
    let base = hub.trim_end_matches('/');
    let url = match (action.action, &action.item_id) {
        (Action::BumpItem, Some(item)) => {
            format!("{base}/api/tickets/{}/items/{item}/bump", action.ticket_id)
        }
        (Action::RecallItem, Some(item)) => {
            format!(
                "{base}/api/tickets/{}/items/{item}/recall",
                action.ticket_id
            )
        }
        (Action::BumpItem | Action::RecallItem, None) => {
            return Delivery::Rejected("an item action without an item".into())
        }
        (Action::Serve | Action::Unserve, _) => {
            format!("{base}/api/orders/{}/status", action.ticket_id)
        }
        (Action::Rush, _) => format!("{base}/api/orders/{}", action.ticket_id),
        (Action::Fire, _) => format!("{base}/api/orders/{}/fire", action.ticket_id),
        (other, _) => format!("{base}/api/tickets/{}/{}", action.ticket_id, other.as_str()),
    };
    let body = match order_body(action) {
        Ok(body) => body,
        Err(reason) => return Delivery::Rejected(reason),
    };
    let bearer = match shared.access.bearer(client, &hub).await {
        Ok(bearer) => bearer,
        // Kept queued: a removed screen's actions are still its record of what the
        // cooks did, and a screen that cannot get a token now may later.
        Err(error) => return Delivery::Retry(error.to_string()),
    };
    let method = if action.action == Action::Rush {
        reqwest::Method::PATCH
    } else {
        reqwest::Method::POST
    };
    let mut request = client
        .request(method, &url)
        .bearer_auth(bearer)
        .header(IDEMPOTENCY_KEY_HEADER, &action.key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await;
    let response = match response {
        Ok(response) => response,
        Err(error) => {
            return Delivery::Retry(format!(
                "hub unreachable: {}",
                rail_protocol::error_text::with_causes(&error)
            ))
        }
    };
    let status = response.status();
    if status.is_success() && action.action.is_on_order() {
        return Delivery::OrderChanged;
    }
    if status.is_success() {
        return match response.json::<ActionResult>().await {
            Ok(result) => Delivery::Delivered(Box::new(result)),
            Err(error) => Delivery::Retry(format!("unreadable answer: {error}")),
        };
    }
    let reason = match response.json::<Problem>().await {
        Ok(problem) => problem.detail.unwrap_or(problem.title),
        Err(_) => status.to_string(),
    };
    match status {
        StatusCode::FORBIDDEN
        | StatusCode::NOT_FOUND
        | StatusCode::CONFLICT
        | StatusCode::UNPROCESSABLE_ENTITY
        | StatusCode::BAD_REQUEST => Delivery::Rejected(reason),
        StatusCode::UNAUTHORIZED => {
            // An expired or refused access token: the next attempt fetches a fresh one.
            shared.access.forget();
            Delivery::Retry(reason)
        }
        _ => Delivery::Retry(reason),
    }
}
