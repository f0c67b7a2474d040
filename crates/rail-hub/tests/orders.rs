//! Orders through their life, as a POS and kitchen screens see it over REST and
//! WebSocket: courses held and fired, items added and voided, rush, cancel, item bumps,
//! idempotent retries, and the errors integrators get.

mod common;

use common::{call, events, quiet, start, watch, TestHub};
use rail_hub::auth::Role;
use rail_hub::HubConfig;
use reqwest::Method;
use serde_json::json;

fn types(events: &[(String, rail_protocol::Envelope)]) -> Vec<&str> {
    events.iter().map(|(kind, _)| kind.as_str()).collect()
}

/// The `data` of an event, as JSON.
fn data(envelope: &rail_protocol::Envelope) -> serde_json::Value {
    serde_json::to_value(&envelope.event).expect("event")["data"].clone()
}

async fn post_order(hub: &TestHub, pos: &str, body: serde_json::Value) -> serde_json::Value {
    let (status, created, _) = call(
        hub,
        Method::POST,
        "/api/orders",
        Some(pos),
        Some(body),
        None,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    created
}

#[tokio::test]
async fn held_courses_reach_stations_when_the_previous_course_is_bumped() {
    let hub = start(HubConfig::default()).await;
    let pos = hub.token(Role::Pos, &[]);
    let grill = hub.token(Role::Kds, &["grill"]);
    let mut salad_screen = watch(&hub, &hub.token(Role::Kds, &["salad"]), "kds:salad").await;
    let created = post_order(
        &hub,
        &pos,
        json!({
            "id": "o1", "number": "12", "table": "T3",
            "items": [
                { "id": "a", "name": "Soup", "station": "grill", "course": 1 },
                { "id": "b", "name": "Steak", "station": "grill", "course": 2 },
                { "id": "c", "name": "Salad", "station": "salad", "course": 2 }
            ]
        }),
    )
    .await;
    let tickets = created["tickets"].as_array().expect("tickets");
    assert_eq!(tickets[0]["status"], "open");
    assert_eq!(
        tickets[0]["items"][1]["held"], true,
        "course 2 is held on the grill ticket"
    );
    assert_eq!(
        tickets[1]["status"], "held",
        "the salad ticket waits for course 2"
    );
    let (_, open_salad, _) = call(
        &hub,
        Method::GET,
        "/api/stations/salad/tickets",
        Some(&hub.token(Role::Kds, &["salad"])),
        None,
        None,
    )
    .await;
    assert_eq!(open_salad, json!([]), "a held ticket is not on the rail");
    assert_eq!(
        types(&events(&mut salad_screen, 1).await),
        ["kds:ticket-new"]
    );

    let (status, bumped, _) = call(
        &hub,
        Method::POST,
        "/api/tickets/o1:grill/bump",
        Some(&grill),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200, "{bumped}");
    let fired = events(&mut salad_screen, 1).await;
    assert_eq!(types(&fired), ["kds:ticket-fired"]);
    let ticket = fired[0].1.event.ticket().expect("ticket");
    assert_eq!(ticket.status, rail_protocol::TicketStatus::Open);
    assert!(!ticket.items[0].held);
    let (_, grill_ticket, _) = call(
        &hub,
        Method::GET,
        "/api/tickets/o1:grill",
        Some(&grill),
        None,
        None,
    )
    .await;
    assert_eq!(
        grill_ticket["status"], "open",
        "the grill ticket is back for course 2"
    );
    assert_eq!(grill_ticket["items"][1]["held"], false);
    let (_, order, _) = call(&hub, Method::GET, "/api/orders/o1", Some(&pos), None, None).await;
    assert_eq!(order["firedCourse"], 2);
}

#[tokio::test]
async fn pos_changes_reach_the_station_as_distinct_events() {
    let hub = start(HubConfig::default()).await;
    let pos = hub.token(Role::Pos, &[]);
    let mut grill = watch(&hub, &hub.token(Role::Kds, &["grill"]), "kds:grill").await;
    let mut expo = watch(&hub, &hub.token(Role::Expo, &[]), "location:loc").await;
    post_order(&hub, &pos, json!({ "id": "o2", "number": "20", "items": [{ "id": "a", "name": "Burger", "station": "grill" }] })).await;
    assert_eq!(types(&events(&mut grill, 1).await), ["kds:ticket-new"]);
    assert_eq!(
        types(&events(&mut expo, 2).await),
        ["kds:ticket-new", "order:created"]
    );

    let (status, _, _) = call(
        &hub,
        Method::POST,
        "/api/orders/o2/items",
        Some(&pos),
        Some(json!({ "items": [{ "id": "b", "name": "Fries", "station": "grill", "qty": 2 }] })),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let added = events(&mut grill, 1).await;
    assert_eq!(types(&added), ["kds:ticket-updated"]);
    let ticket = added[0].1.event.ticket().expect("ticket");
    assert!(
        ticket.items[1].added,
        "the added item is marked for highlighting"
    );

    call(
        &hub,
        Method::POST,
        "/api/orders/o2/items/a/void",
        Some(&pos),
        None,
        None,
    )
    .await;
    let voided_item = events(&mut grill, 1).await;
    assert_eq!(types(&voided_item), ["kds:ticket-updated"]);
    assert_eq!(
        voided_item[0].1.event.ticket().expect("ticket").items[0].status,
        rail_protocol::ItemStatus::Voided
    );

    call(
        &hub,
        Method::PATCH,
        "/api/orders/o2",
        Some(&pos),
        Some(json!({ "rush": true })),
        None,
    )
    .await;
    assert_eq!(types(&events(&mut grill, 1).await), ["kds:ticket-priority"]);

    let (status, order, _) = call(
        &hub,
        Method::POST,
        "/api/orders/o2/cancel",
        Some(&pos),
        None,
        None,
    )
    .await;
    assert_eq!((status, order["status"].as_str()), (200, Some("cancelled")));
    let cancelled = events(&mut grill, 1).await;
    assert_eq!(types(&cancelled), ["kds:ticket-voided"]);
    // Expo saw every change plus the order's own events, in order.
    let expo_events = events(&mut expo, 9).await;
    assert_eq!(
        types(&expo_events),
        [
            "kds:ticket-updated",
            "order:updated",
            "kds:ticket-updated",
            "order:updated",
            "kds:ticket-priority",
            "order:updated",
            "order:status",
            "kds:ticket-voided",
            "order:updated"
        ]
    );
    let seqs: Vec<u64> = expo_events.iter().map(|(_, e)| e.seq).collect();
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "gap-free: {seqs:?}"
    );

    let (status, problem, _) = call(
        &hub,
        Method::POST,
        "/api/tickets/o2:grill/bump",
        Some(&hub.token(Role::Kds, &["grill"])),
        None,
        None,
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (409, Some("CONFLICT")),
        "a voided ticket cannot be bumped: {problem}"
    );
}

#[tokio::test]
async fn item_bumps_finish_the_ticket_and_the_order_becomes_ready() {
    let hub = start(HubConfig::default()).await;
    let pos = hub.token(Role::Pos, &[]);
    let kds = hub.token(Role::Kds, &["grill"]);
    let mut expo = watch(&hub, &hub.token(Role::Expo, &[]), "order:o3").await;
    post_order(
        &hub,
        &pos,
        json!({ "id": "o3", "number": "30", "items": [
        { "id": "a", "name": "Burger", "station": "grill" },
        { "id": "b", "name": "Hot dog", "station": "grill" }
    ] }),
    )
    .await;
    events(&mut expo, 2).await;
    let (status, result, _) = call(
        &hub,
        Method::POST,
        "/api/tickets/o3:grill/items/a/bump",
        Some(&kds),
        None,
        None,
    )
    .await;
    assert_eq!(
        (status, result["ticket"]["status"].as_str()),
        (200, Some("open"))
    );
    assert_eq!(types(&events(&mut expo, 1).await), ["kds:item-bumped"]);
    let (_, result, _) = call(
        &hub,
        Method::POST,
        "/api/tickets/o3:grill/items/b/bump",
        Some(&kds),
        None,
        None,
    )
    .await;
    assert_eq!(
        result["ticket"]["status"], "bumped",
        "the last item bumps the ticket"
    );
    assert_eq!(
        types(&events(&mut expo, 3).await),
        ["kds:item-bumped", "kds:ticket-bumped", "order:status"]
    );
    let (_, order, _) = call(&hub, Method::GET, "/api/orders/o3", Some(&pos), None, None).await;
    assert_eq!(order["status"], "ready");

    let (_, result, _) = call(
        &hub,
        Method::POST,
        "/api/tickets/o3:grill/recall",
        Some(&kds),
        None,
        None,
    )
    .await;
    assert_eq!(result["outcome"], "recalled");
    assert_eq!(
        types(&events(&mut expo, 2).await),
        ["kds:ticket-recalled", "order:status"]
    );
}

#[tokio::test]
async fn an_item_bump_taken_back_reopens_its_ticket_and_the_order_at_the_pass() {
    let hub = start(HubConfig::default()).await;
    let pos = hub.token(Role::Pos, &[]);
    let kds = hub.token(Role::Kds, &["grill"]);
    let fry = hub.token(Role::Kds, &["fry"]);
    let mut expo = watch(&hub, &hub.token(Role::Expo, &[]), "order:o5").await;
    post_order(
        &hub,
        &pos,
        json!({ "id": "o5", "number": "50", "table": "4", "items": [
        { "id": "a", "name": "Burger", "station": "grill", "seat": 2 },
        { "id": "b", "name": "Hot dog", "station": "grill", "seat": 3 }
    ] }),
    )
    .await;
    let created = events(&mut expo, 2).await;
    assert_eq!(
        data(&created[0].1)["ticket"]["items"][0]["seat"],
        2,
        "the seat reaches the ticket"
    );
    let path = |action: &str| format!("/api/tickets/o5:grill/items/{action}");
    let (status, result, _) = call(
        &hub,
        Method::POST,
        &path("a/recall"),
        Some(&kds),
        None,
        None,
    )
    .await;
    assert_eq!(
        (status, result["outcome"].as_str()),
        (200, Some("already-open")),
        "an item still to cook has no bump to take back"
    );
    for item in ["a", "b"] {
        call(
            &hub,
            Method::POST,
            &path(&format!("{item}/bump")),
            Some(&kds),
            None,
            None,
        )
        .await;
    }
    events(&mut expo, 4).await;
    let (_, order, _) = call(&hub, Method::GET, "/api/orders/o5", Some(&pos), None, None).await;
    assert_eq!(order["status"], "ready");

    let (status, result, _) = call(
        &hub,
        Method::POST,
        &path("b/recall"),
        Some(&kds),
        None,
        None,
    )
    .await;
    assert_eq!(
        (status, result["outcome"].as_str()),
        (200, Some("recalled"))
    );
    assert_eq!(result["ticket"]["status"], "open");
    assert_eq!(result["ticket"]["items"][1]["status"], "pending");
    assert_eq!(result["ticket"]["items"][0]["status"], "done");
    let recalled = events(&mut expo, 2).await;
    assert_eq!(types(&recalled), ["order:status", "kds:ticket-recalled"]);
    assert_eq!(data(&recalled[0].1)["status"], "preparing");
    assert_eq!(data(&recalled[1].1)["itemId"], "b");
    let (_, order, _) = call(&hub, Method::GET, "/api/orders/o5", Some(&pos), None, None).await;
    assert_eq!(order["items"][1]["status"], "pending");

    let (status, _, _) = call(
        &hub,
        Method::POST,
        &path("a/recall"),
        Some(&fry),
        None,
        None,
    )
    .await;
    assert_eq!(status, 403, "another station's screen may not");
    let (status, problem, _) = call(
        &hub,
        Method::POST,
        &path("zz/recall"),
        Some(&kds),
        None,
        None,
    )
    .await;
    assert_eq!((status, problem["status"].as_u64()), (404, Some(404)));
    let (status, _, _) = call(
        &hub,
        Method::POST,
        &path("a/recall"),
        Some(&kds),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (_, ticket, _) = call(
        &hub,
        Method::GET,
        "/api/tickets/o5:grill",
        Some(&kds),
        None,
        None,
    )
    .await;
    assert_eq!(
        (
            ticket["items"][0]["status"].as_str(),
            ticket["status"].as_str()
        ),
        (Some("pending"), Some("open")),
        "taking back a bump on an open ticket leaves it open"
    );
}

#[tokio::test]
async fn a_change_acknowledged_by_one_screen_is_acknowledged_for_its_station_until_the_next() {
    let hub = start(HubConfig::default()).await;
    let pos = hub.token(Role::Pos, &[]);
    let kds = hub.token(Role::Kds, &["grill"]);
    let mut second_screen = watch(&hub, &kds, "kds:grill").await;
    post_order(
        &hub,
        &pos,
        json!({ "id": "o6", "number": "60", "items": [
        { "id": "a", "name": "Burger", "station": "grill" }
    ] }),
    )
    .await;
    events(&mut second_screen, 1).await;
    let ack = || {
        call(
            &hub,
            Method::POST,
            "/api/tickets/o6:grill/acknowledge",
            Some(&kds),
            None,
            None,
        )
    };
    let (status, result, _) = ack().await;
    assert_eq!(
        (status, result["outcome"].as_str()),
        (200, Some("already-acknowledged")),
        "nothing changed yet, nothing to confirm"
    );
    let add = |id: &'static str| {
        call(
            &hub,
            Method::POST,
            "/api/orders/o6/items",
            Some(&pos),
            Some(json!({ "items": [{ "id": id, "name": "Fries", "station": "grill" }] })),
            None,
        )
    };
    assert_eq!(add("b").await.0, 200);
    let changed = events(&mut second_screen, 1).await;
    assert_eq!(data(&changed[0].1)["ticket"]["changesAcknowledged"], false);

    let (status, result, _) = ack().await;
    assert_eq!(
        (status, result["outcome"].as_str()),
        (200, Some("acknowledged"))
    );
    let seen = events(&mut second_screen, 1).await;
    assert_eq!(types(&seen), ["kds:ticket-updated"]);
    assert_eq!(data(&seen[0].1)["ticket"]["changesAcknowledged"], true);
    assert_eq!(ack().await.1["outcome"], "already-acknowledged");
    quiet(&mut second_screen).await;

    // Cooking the added item is not a new change; another addition is.
    call(
        &hub,
        Method::POST,
        "/api/tickets/o6:grill/items/b/bump",
        Some(&kds),
        None,
        None,
    )
    .await;
    let bumped = events(&mut second_screen, 1).await;
    assert_eq!(data(&bumped[0].1)["ticket"]["changesAcknowledged"], true);
    assert_eq!(add("c").await.0, 200);
    let again = events(&mut second_screen, 1).await;
    assert_eq!(data(&again[0].1)["ticket"]["changesAcknowledged"], false);
}

#[tokio::test]
async fn an_idempotency_key_makes_a_retry_return_the_same_answer_and_publish_nothing() {
    let hub = start(HubConfig::default()).await;
    let pos = hub.token(Role::Pos, &[]);
    let mut grill = watch(&hub, &hub.token(Role::Kds, &["grill"]), "kds:grill").await;
    let order = json!({ "number": "40", "items": [{ "name": "Burger", "station": "grill" }] });
    let (first_status, first, replayed) = call(
        &hub,
        Method::POST,
        "/api/orders",
        Some(&pos),
        Some(order.clone()),
        Some("k-40"),
    )
    .await;
    assert_eq!((first_status, replayed), (201, false));
    let (again_status, again, replayed) = call(
        &hub,
        Method::POST,
        "/api/orders",
        Some(&pos),
        Some(order),
        Some("k-40"),
    )
    .await;
    assert_eq!((again_status, replayed), (201, true));
    assert_eq!(first, again, "the same order id and tickets");
    assert_eq!(types(&events(&mut grill, 1).await), ["kds:ticket-new"]);
    quiet(&mut grill).await;

    let other = json!({ "number": "41", "items": [{ "name": "Burger", "station": "grill" }] });
    let (status, problem, _) = call(
        &hub,
        Method::POST,
        "/api/orders",
        Some(&pos),
        Some(other),
        Some("k-40"),
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (422, Some("IDEMPOTENCY_KEY_REUSED"))
    );

    let id = first["tickets"][0]["id"].as_str().expect("id").to_owned();
    let kds = hub.token(Role::Kds, &["grill"]);
    let bump = format!("/api/tickets/{id}/bump");
    let (_, a, _) = call(&hub, Method::POST, &bump, Some(&kds), None, Some("bump-1")).await;
    let (_, b, replayed) = call(&hub, Method::POST, &bump, Some(&kds), None, Some("bump-1")).await;
    assert_eq!(
        (a["outcome"].as_str(), replayed, a == b),
        (Some("bumped"), true, true)
    );
    assert_eq!(types(&events(&mut grill, 1).await), ["kds:ticket-bumped"]);
    quiet(&mut grill).await;
}

/// Method, path, token, body, expected status, expected problem code.
type Case<'a> = (
    Method,
    &'a str,
    Option<&'a str>,
    Option<serde_json::Value>,
    u16,
    &'a str,
);

#[tokio::test]
async fn bad_requests_get_problem_json_with_the_right_status() {
    let hub = start(HubConfig::default()).await;
    let pos = hub.token(Role::Pos, &[]);
    let kds = hub.token(Role::Kds, &["grill"]);
    let fry = hub.token(Role::Kds, &["fry"]);
    post_order(
        &hub,
        &pos,
        json!({ "id": "o5", "number": "50", "items": [{ "name": "Burger", "station": "grill" }] }),
    )
    .await;
    let other_location = hub
        .hub
        .authority
        .issue(&rail_hub::auth::claims(
            "elsewhere",
            Role::Admin,
            &[],
            "x",
            60,
        ))
        .expect("token");
    let order = json!({ "number": "1", "items": [{ "name": "Burger", "station": "grill" }] });
    let cases: Vec<Case> = vec![
        (
            Method::POST,
            "/api/orders",
            None,
            Some(order.clone()),
            401,
            "UNAUTHORIZED",
        ),
        (
            Method::POST,
            "/api/orders",
            Some("forged.token.here"),
            Some(order.clone()),
            401,
            "UNAUTHORIZED",
        ),
        (
            Method::POST,
            "/api/orders",
            Some(&kds),
            Some(order.clone()),
            403,
            "FORBIDDEN",
        ),
        (
            Method::POST,
            "/api/orders",
            Some(&pos),
            Some(json!({ "number": "1", "items": [] })),
            422,
            "INVALID",
        ),
        (
            Method::POST,
            "/api/orders",
            Some(&pos),
            Some(
                json!({ "number": "1", "items": [{ "name": "x", "station": "grill", "qty": 0 }] }),
            ),
            422,
            "INVALID",
        ),
        (
            Method::POST,
            "/api/orders",
            Some(&pos),
            Some(
                json!({ "number": "1", "items": [{ "name": "x", "station": "grill", "seat": 0 }] }),
            ),
            422,
            "INVALID",
        ),
        (
            Method::POST,
            "/api/tickets/o5:grill/acknowledge",
            Some(&fry),
            None,
            403,
            "FORBIDDEN",
        ),
        (
            Method::POST,
            "/api/orders",
            Some(&pos),
            Some(json!({ "number": "1", "tip": 5, "items": [] })),
            422,
            "INVALID",
        ),
        (
            Method::POST,
            "/api/orders",
            Some(&pos),
            Some(
                json!({ "id": "o5", "number": "1", "items": [{ "name": "x", "station": "grill" }] }),
            ),
            409,
            "CONFLICT",
        ),
        (
            Method::GET,
            "/api/tickets/o5:grill",
            Some(&other_location),
            None,
            404,
            "NOT_FOUND",
        ),
        (
            Method::GET,
            "/api/stations/fry/tickets",
            Some(&kds),
            None,
            403,
            "FORBIDDEN",
        ),
        // Query and path rejections (found by the hub_rest fuzz harness: axum answered
        // them in plain text).
        (
            Method::GET,
            "/api/stations/grill/tickets?status=bumped&limit=many",
            Some(&kds),
            None,
            400,
            "INVALID_QUERY",
        ),
        (
            Method::GET,
            "/api/tickets/%FF%FE",
            Some(&kds),
            None,
            400,
            "INVALID_PATH",
        ),
        (
            Method::POST,
            "/api/orders/o5/fire",
            Some(&pos),
            Some(json!({ "course": 3 })),
            409,
            "CONFLICT",
        ),
        // Rules the OpenAPI schemas state (found missing by Schemathesis).
        (
            Method::POST,
            "/api/orders/o5/fire",
            Some(&pos),
            Some(json!({ "course": 21 })),
            422,
            "INVALID",
        ),
        (
            Method::POST,
            "/api/orders",
            Some(&pos),
            Some(
                json!({ "number": "2", "items": [{ "name": "x", "station": "grill", "category": "  " }] }),
            ),
            422,
            "INVALID",
        ),
        (
            Method::POST,
            "/api/orders/nope/cancel",
            Some(&pos),
            None,
            404,
            "NOT_FOUND",
        ),
        (
            Method::POST,
            "/api/tickets/o5:grill/items/zz/bump",
            Some(&kds),
            None,
            404,
            "NOT_FOUND",
        ),
    ];
    let (got, problem, _) = call(
        &hub,
        Method::POST,
        "/api/orders/o5/cancel",
        Some(&pos),
        None,
        Some("two words"),
    )
    .await;
    assert_eq!(
        (got, problem["code"].as_str()),
        (400, Some("INVALID_IDEMPOTENCY_KEY")),
        "an Idempotency-Key with a space: {problem}"
    );
    for (method, path, token, body, status, code) in cases {
        let (got, problem, _) = call(&hub, method.clone(), path, token, body, None).await;
        assert_eq!(
            (got, problem["code"].as_str()),
            (status, Some(code)),
            "{method} {path}: {problem}"
        );
        assert!(
            problem["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{method} {path} explains itself"
        );
    }
    let response = reqwest::Client::new()
        .post(format!("{}/api/orders", hub.http))
        .bearer_auth(&pos)
        .body("{\"number\":")
        .header("content-type", "application/json")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let response = reqwest::Client::new()
        .post(format!("{}/api/orders", hub.http))
        .bearer_auth(&pos)
        .body("{}")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 415);
}

#[tokio::test]
async fn a_body_of_the_wrong_shape_is_refused_with_where_it_is_wrong() {
    let hub = start(HubConfig::default()).await;
    let pos = hub.token(Role::Pos, &[]);
    let wrong = r#"{"number":"1","items":[{"name":"x","station":"grill","qty":"two"}]}"#;
    let right = r#"{"number":"2","items":[{"name":"x","station":"grill","qty":2}]}"#;
    // The plain content type and one with parameters take different paths in.
    for content_type in ["application/json", "application/json; charset=utf-8"] {
        let post = |body: &'static str| {
            reqwest::Client::new()
                .post(format!("{}/api/orders", hub.http))
                .bearer_auth(&pos)
                .header("content-type", content_type)
                .body(body)
                .send()
        };
        let response = post(wrong).await.expect("send");
        assert_eq!(response.status(), 422, "{content_type}");
        let problem: serde_json::Value = response.json().await.expect("problem JSON");
        assert_eq!(problem["code"], "INVALID", "{content_type}: {problem}");
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("items[0].qty")),
            "{content_type}: the detail names the field: {problem}"
        );
        let response = post(right).await.expect("send");
        assert_eq!(response.status(), 201, "{content_type}");
    }
}

#[tokio::test]
async fn unknown_endpoints_and_methods_answer_problem_json() {
    let hub = start(HubConfig::default()).await;
    let pos = hub.token(Role::Pos, &[]);
    for (method, path, status, code) in [
        (Method::GET, "/api/nothing", 404, "NOT_FOUND"),
        (Method::DELETE, "/api/orders", 405, "METHOD_NOT_ALLOWED"),
    ] {
        let (got, problem, _) = call(&hub, method.clone(), path, Some(&pos), None, None).await;
        assert_eq!(
            (got, problem["code"].as_str()),
            (status, Some(code)),
            "{method} {path}: {problem}"
        );
    }
}
