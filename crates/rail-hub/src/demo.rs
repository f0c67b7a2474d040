//! A simulated POS: posts believable orders to a hub through its REST API, so a demo
//! (and a newcomer) sees a kitchen at work.

use std::time::Duration;

use rail_protocol::{NewOrder, NewOrderItem, OrderType};
use rand::prelude::IndexedRandom;
use rand::Rng;

/// One dish: name, category (routes it to a station), modifiers it may get.
struct Dish {
    name: &'static str,
    category: &'static str,
    modifiers: &'static [&'static str],
    allergens: &'static [&'static str],
}

const MENU: &[Dish] = &[
    Dish {
        name: "Cheeseburger",
        category: "burgers",
        modifiers: &["no onion", "extra cheese", "medium rare", "well done"],
        allergens: &["gluten", "dairy"],
    },
    Dish {
        name: "Smash Burger",
        category: "burgers",
        modifiers: &["add bacon", "no pickles"],
        allergens: &["gluten"],
    },
    Dish {
        name: "Ribeye 300g",
        category: "steaks",
        modifiers: &["rare", "medium", "peppercorn sauce"],
        allergens: &[],
    },
    Dish {
        name: "Chicken Skewers",
        category: "grill",
        modifiers: &["extra lemon"],
        allergens: &[],
    },
    Dish {
        name: "Fries",
        category: "fries",
        modifiers: &["no salt", "large"],
        allergens: &[],
    },
    Dish {
        name: "Onion Rings",
        category: "fried",
        modifiers: &[],
        allergens: &["gluten"],
    },
    Dish {
        name: "Calamari",
        category: "fried",
        modifiers: &["aioli on side"],
        allergens: &["shellfish", "gluten"],
    },
    Dish {
        name: "Spaghetti Carbonara",
        category: "pasta",
        modifiers: &["no pancetta", "extra parmesan"],
        allergens: &["gluten", "egg", "dairy"],
    },
    Dish {
        name: "Mushroom Risotto",
        category: "saute",
        modifiers: &["vegan"],
        allergens: &["dairy"],
    },
    Dish {
        name: "Salmon",
        category: "mains",
        modifiers: &["sauce on side"],
        allergens: &["fish"],
    },
    Dish {
        name: "Caesar Salad",
        category: "salads",
        modifiers: &["no croutons", "add chicken"],
        allergens: &["egg", "fish"],
    },
    Dish {
        name: "Greek Salad",
        category: "salads",
        modifiers: &["no olives"],
        allergens: &["dairy"],
    },
    Dish {
        name: "Tiramisu",
        category: "desserts",
        modifiers: &[],
        allergens: &["dairy", "egg"],
    },
];

const SERVERS: &[&str] = &["Ana", "Luis", "Priya", "Tom", "Mei"];
const GUESTS: &[&str] = &["Sam", "Jo", "Alex", "Kim", "Noor"];

/// A random order numbered `number`.
pub fn random_order(rng: &mut impl Rng, number: u32) -> NewOrder {
    let order_type = *[
        OrderType::DineIn,
        OrderType::DineIn,
        OrderType::DineIn,
        OrderType::Takeout,
        OrderType::Delivery,
        OrderType::Pickup,
    ]
    .choose(rng)
    .unwrap_or(&OrderType::DineIn);
    let lines = rng.random_range(1..=5);
    let mut items = Vec::with_capacity(lines);
    for _ in 0..lines {
        let Some(dish) = MENU.choose(rng) else {
            continue;
        };
        let modifier = dish.modifiers.choose(rng).filter(|_| rng.random_bool(0.5));
        items.push(NewOrderItem {
            id: None,
            name: dish.name.to_owned(),
            qty: if rng.random_bool(0.2) { 2 } else { 1 },
            modifiers: modifier.map(|m| vec![(*m).to_owned()]).unwrap_or_default(),
            notes: rng
                .random_bool(0.1)
                .then(|| "birthday, candle please".to_owned()),
            allergens: if rng.random_bool(0.3) {
                dish.allergens.iter().map(|a| (*a).to_owned()).collect()
            } else {
                Vec::new()
            },
            category: Some(dish.category.to_owned()),
            station: None,
            course: None,
        });
    }
    NewOrder {
        id: None,
        number: number.to_string(),
        table: (order_type == OrderType::DineIn).then(|| format!("T{}", rng.random_range(1..=24))),
        guest: (order_type != OrderType::DineIn)
            .then(|| GUESTS.choose(rng).map(|g| (*g).to_owned()))
            .flatten(),
        order_type,
        server: SERVERS.choose(rng).map(|s| (*s).to_owned()),
        rush: rng.random_bool(0.08),
        notes: None,
        items,
    }
}

/// Posts a random order to `hub_url` every `every`, `count` times (forever if `None`).
/// Failures are logged and the POS carries on, as a real one would retry.
pub async fn run_pos(hub_url: &str, token: &str, every: Duration, count: Option<u32>) {
    let client = reqwest::Client::new();
    let url = format!("{}/api/orders", hub_url.trim_end_matches('/'));
    let mut number = 100 + rand::rng().random_range(0..800);
    let mut ticker = tokio::time::interval(every);
    let mut posted = 0;
    while count.is_none_or(|n| posted < n) {
        ticker.tick().await;
        number += 1;
        let order = random_order(&mut rand::rng(), number);
        match client
            .post(&url)
            .bearer_auth(token)
            .json(&order)
            .send()
            .await
        {
            Ok(response) if response.status().is_success() => {
                tracing::info!(number, "POS posted order")
            }
            Ok(response) => {
                tracing::warn!(number, status = %response.status(), "hub refused order")
            }
            Err(error) => tracing::warn!(number, %error, "hub unreachable"),
        }
        posted += 1;
    }
}
