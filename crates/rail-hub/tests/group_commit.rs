//! Group commit under real concurrency: many POS clients post at once against one hub,
//! some of their orders refused — through the REST API (the hub's writer thread) and
//! from threads of their own (the path the hub's background tasks take). Every
//! accepted order is answered with its own ticket, exists once, and reaches a
//! subscribed screen once, in sequence with no gap; nothing of a refused order is
//! written; and changes did share commits.

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use common::{events, start, watch};
use rail_hub::auth::{claims, Role};
use rail_hub::store::IdempotencyKey;
use rail_hub::HubConfig;
use rail_protocol::{NewOrder, OrderCreated};

const THREADS: usize = 8;
const PER_THREAD: usize = 40;

fn order(thread: usize, n: usize) -> NewOrder {
    // Every fifth order has an item with no name: refused, whatever batch it was in.
    let name = if n % 5 == 4 { "" } else { "Burger" };
    serde_json::from_value(serde_json::json!({
        "id": format!("t{thread}-{n}"),
        "number": format!("{thread}{n:03}"),
        "items": [{ "name": name, "station": "grill" }]
    }))
    .expect("order")
}

/// Each poster's answers: (order id, its index, the body or the refusal).
type Answers = Vec<(String, usize, Result<String, String>)>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_orders_from_threads_share_commits_and_each_is_answered_published_and_kept_once()
{
    let hub = start(HubConfig::default()).await;
    let mut screen = watch(&hub, &hub.token(Role::Kds, &["grill"]), "kds:grill").await;
    let pos = claims("loc", Role::Pos, &[], "till", 60);

    let answers: Answers = {
        let posters: Vec<_> = (0..THREADS)
            .map(|thread| {
                let hub = Arc::clone(&hub.hub);
                let pos = pos.clone();
                std::thread::spawn(move || {
                    (0..PER_THREAD)
                        .map(|n| {
                            let key = IdempotencyKey {
                                key: format!("k-{thread}-{n}"),
                                request: format!("order {thread} {n}"),
                            };
                            let answer = hub
                                .create_order(&pos, Some(&key), &order(thread, n))
                                .map(|m| m.body)
                                .map_err(|e| e.to_string());
                            (format!("t{thread}-{n}"), n, answer)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        posters
            .into_iter()
            .flat_map(|p| p.join().expect("poster thread"))
            .collect()
    };
    check(&hub, &mut screen, &answers).await;
    // A retry of any of them answers the same, publishing nothing.
    let retry = hub
        .hub
        .create_order(
            &pos,
            Some(&IdempotencyKey {
                key: "k-3-7".into(),
                request: "order 3 7".into(),
            }),
            &order(3, 7),
        )
        .expect("retry");
    assert!(retry.replayed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_orders_over_rest_share_commits_and_each_is_answered_published_and_kept_once() {
    let hub = start(HubConfig::default()).await;
    let mut screen = watch(&hub, &hub.token(Role::Kds, &["grill"]), "kds:grill").await;
    let token = hub.token(Role::Pos, &[]);
    let hub = Arc::new(hub);

    let posts: Vec<_> = (0..THREADS)
        .flat_map(|thread| (0..PER_THREAD).map(move |n| (thread, n)))
        .map(|(thread, n)| {
            let (hub, token) = (Arc::clone(&hub), token.clone());
            tokio::spawn(async move {
                let body = serde_json::to_value(order(thread, n)).expect("order");
                let key = format!("k-{thread}-{n}");
                let (status, json, _) = common::call(
                    &hub,
                    reqwest::Method::POST,
                    "/api/orders",
                    Some(&token),
                    Some(body),
                    Some(&key),
                )
                .await;
                let answer = if status == 201 {
                    Ok(json.to_string())
                } else {
                    Err(format!("{status} {json}"))
                };
                (format!("t{thread}-{n}"), n, answer)
            })
        })
        .collect();
    let mut answers = Answers::new();
    for post in posts {
        answers.push(post.await.expect("post"));
    }
    check(&hub, &mut screen, &answers).await;
    let retry = common::call(
        &hub,
        reqwest::Method::POST,
        "/api/orders",
        Some(&token),
        Some(serde_json::to_value(order(3, 7)).expect("order")),
        Some("k-3-7"),
    )
    .await;
    assert_eq!(retry.0, 201);
    assert!(retry.2, "a retry is answered from the record");
}

/// Every accepted order answered with its own, on the screen once in gap-free
/// sequence, in the store; nothing of a refused one; commits shared.
async fn check(hub: &common::TestHub, screen: &mut common::Socket, answers: &Answers) {
    let pos = claims("loc", Role::Pos, &[], "till", 60);
    let mut accepted = Vec::new();
    for (id, n, answer) in answers {
        let refused = n % 5 == 4;
        match answer {
            Ok(body) => {
                assert!(!refused, "{id} should have been refused");
                let created: OrderCreated = serde_json::from_str(body).expect("created");
                assert_eq!(&created.order_id, id, "each caller gets its own answer");
                accepted.push(id.clone());
            }
            Err(why) => assert!(refused, "{id} refused: {why}"),
        }
    }
    assert_eq!(accepted.len(), THREADS * PER_THREAD * 4 / 5);

    // The screen hears each accepted order once, in sequence, with no gap.
    let heard = events(screen, accepted.len()).await;
    let seqs: Vec<u64> = heard.iter().map(|(_, e)| e.seq).collect();
    let expected: Vec<u64> = (1..=accepted.len() as u64).collect();
    assert_eq!(seqs, expected);
    let mut heard_ids: Vec<String> = heard
        .iter()
        .map(|(kind, e)| {
            assert_eq!(kind, "kds:ticket-new");
            serde_json::to_value(&e.event).expect("event")["data"]["ticket"]["orderId"]
                .as_str()
                .expect("order id")
                .to_owned()
        })
        .collect();
    heard_ids.sort();
    accepted.sort();
    assert_eq!(heard_ids, accepted);

    // The store has exactly those orders; nothing of a refused one.
    for thread in 0..THREADS {
        for n in 0..PER_THREAD {
            let id = format!("t{thread}-{n}");
            let found = hub.hub.order(&pos, &id).is_ok();
            assert_eq!(found, accepted.contains(&id), "{id}");
        }
    }

    let metrics = &hub.hub.metrics;
    let commits = metrics.commits.load(Ordering::Relaxed);
    let mutations = metrics.mutations.load(Ordering::Relaxed);
    assert!(
        commits < mutations,
        "{mutations} changes in {commits} commits: none shared a commit"
    );
}
