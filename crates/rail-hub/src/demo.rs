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
    // A table's dishes go round its seats, so expo and the runner see seat numbers.
    let seats = (1..=4u32).cycle();
    for (_, seat) in (0..lines).zip(seats) {
        let Some(dish) = MENU.choose(rng) else {
            continue;
        };
        let modifier = dish.modifiers.choose(rng).filter(|_| rng.random_bool(0.5));
        items.push(NewOrderItem {
            seat: (order_type == OrderType::DineIn).then_some(seat),
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
            prep_secs: None,
        });
    }
    NewOrder {
        employee_id: None,
        id: None,
        number: number.to_string(),
        table: (order_type == OrderType::DineIn).then(|| format!("T{}", rng.random_range(1..=24))),
        guest: (order_type != OrderType::DineIn)
            .then(|| GUESTS.choose(rng).map(|g| (*g).to_owned()))
            .flatten(),
        order_type,
        server: SERVERS.choose(rng).map(|s| (*s).to_owned()),
        rush: rng.random_bool(0.04),
        notes: None,
        items,
        due_at_ms: None,
        source: None,
        placed_at_ms: None,
    }
}

/// What the simulated POS does next.
enum Move {
    NewOrder,
    AddItem,
    VoidItem,
    Rush,
    FireCourse,
    Cancel,
}

fn next_move(rng: &mut impl Rng, have_orders: bool) -> Move {
    if !have_orders {
        return Move::NewOrder;
    }
    match rng.random_range(0..100) {
        0..72 => Move::NewOrder,
        72..82 => Move::AddItem,
        82..89 => Move::VoidItem,
        89..92 => Move::Rush,
        92..98 => Move::FireCourse,
        _ => Move::Cancel,
    }
}

/// Posts to `hub_url` every `every`, `count` times (forever if `None`): mostly new
/// orders (some with a held second course), and now and then what a real service
/// brings: items added, voided, a rush, a course fired, an order cancelled. With a
/// `printer` port (`host:port`), about one new order in four is printed there as a
/// kitchen chit instead, as a POS without an integration would. Failures are logged
/// and the POS carries on. `client` is how the POS reaches the hub (for an HTTPS hub,
/// one that trusts its CA).
pub async fn run_pos(
    client: reqwest::Client,
    hub_url: &str,
    token: &str,
    every: Duration,
    count: Option<u32>,
    printer: Option<&str>,
) {
    let base = hub_url.trim_end_matches('/').to_owned();
    let mut number = 100 + rand::rng().random_range(0..800);
    let mut recent: Vec<String> = Vec::new();
    let mut ticker = tokio::time::interval(every);
    let mut done = 0;
    while count.is_none_or(|n| done < n) {
        ticker.tick().await;
        done += 1;
        let mut printed = None;
        let (what, request) = {
            let mut rng = rand::rng();
            let order_id = recent.choose(&mut rng).cloned().unwrap_or_default();
            match next_move(&mut rng, !recent.is_empty()) {
                Move::NewOrder if printer.is_some() && rng.random_bool(0.25) => {
                    number += 1;
                    printed = Some(print_chit(&random_order(&mut rng, number)));
                    (format!("printed order #{number}"), None)
                }
                Move::NewOrder => {
                    number += 1;
                    let mut order = random_order(&mut rng, number);
                    if rng.random_bool(0.15) {
                        if let Some(dessert) = MENU.iter().find(|d| d.category == "desserts") {
                            order.items.push(NewOrderItem {
                                seat: None,
                                id: None,
                                name: dessert.name.to_owned(),
                                qty: 1,
                                modifiers: vec![],
                                notes: None,
                                allergens: vec![],
                                category: Some(dessert.category.to_owned()),
                                station: None,
                                course: Some(2),
                                prep_secs: None,
                            });
                        }
                    }
                    // Orders come in from more than the till: a kiosk, the website,
                    // the delivery apps.
                    order.source = match (order.order_type, rng.random_range(0..10)) {
                        (OrderType::Delivery, n) => Some(rail_protocol::OrderSource {
                            channel: rail_protocol::SourceChannel::ThirdParty,
                            name: Some(["Uber Eats", "DoorDash", "Deliveroo"][n % 3].to_owned()),
                        }),
                        (OrderType::Takeout | OrderType::Pickup, 0..=3) => {
                            Some(rail_protocol::OrderSource {
                                channel: rail_protocol::SourceChannel::Online,
                                name: None,
                            })
                        }
                        (_, 0 | 1) => Some(rail_protocol::OrderSource {
                            channel: rail_protocol::SourceChannel::Kiosk,
                            name: None,
                        }),
                        _ => None,
                    };
                    // Now and then a pickup for later, so screens show a scheduled
                    // order waiting for its fire time.
                    if order.order_type != OrderType::DineIn && rng.random_bool(0.2) {
                        let minutes = rng.random_range(8..20);
                        order.order_type = OrderType::Pickup;
                        order.due_at_ms = Some(crate::clock::now_ms() + minutes * 60_000);
                    }
                    let id = format!("demo-{number}-{}", rng.random_range(1000..9999));
                    order.id = Some(id.clone());
                    recent.push(id);
                    if recent.len() > 8 {
                        recent.remove(0);
                    }
                    (
                        format!("new order #{number}"),
                        Some(client.post(format!("{base}/api/orders")).json(&order)),
                    )
                }
                Move::AddItem => {
                    let dish = MENU.choose(&mut rng).unwrap_or(&MENU[0]);
                    let item = NewOrderItem {
                        seat: None,
                        id: None,
                        name: dish.name.to_owned(),
                        qty: 1,
                        modifiers: vec![],
                        notes: None,
                        allergens: vec![],
                        category: Some(dish.category.to_owned()),
                        station: None,
                        course: None,
                        prep_secs: None,
                    };
                    (
                        "item added".to_owned(),
                        Some(
                            client
                                .post(format!("{base}/api/orders/{order_id}/items"))
                                .json(&rail_protocol::AddItems { items: vec![item] }),
                        ),
                    )
                }
                Move::VoidItem => (
                    "item voided".to_owned(),
                    Some(client.post(format!("{base}/api/orders/{order_id}/items/1/void"))),
                ),
                Move::Rush => (
                    "rush".to_owned(),
                    Some(client.patch(format!("{base}/api/orders/{order_id}")).json(
                        &rail_protocol::OrderPatch {
                            rush: Some(true),
                            ..Default::default()
                        },
                    )),
                ),
                Move::FireCourse => (
                    "course 2 fired".to_owned(),
                    Some(
                        client
                            .post(format!("{base}/api/orders/{order_id}/fire"))
                            .json(&rail_protocol::FireCourse { course: 2 }),
                    ),
                ),
                Move::Cancel => {
                    recent.retain(|id| id != &order_id);
                    (
                        "order cancelled".to_owned(),
                        Some(client.post(format!("{base}/api/orders/{order_id}/cancel"))),
                    )
                }
            }
        };
        if let (Some(chit), Some(address)) = (printed, printer) {
            match send_chit(address, &chit).await {
                Ok(()) => tracing::info!("POS: {what}"),
                Err(error) => tracing::warn!(%error, %address, "printer unreachable"),
            }
            continue;
        }
        let Some(request) = request else {
            continue;
        };
        match request.bearer_auth(token).send().await {
            Ok(response) if response.status().is_success() => tracing::info!("POS: {what}"),
            // Conflicts are normal here (voiding what is voided, firing what has fired).
            Ok(response) if response.status() == reqwest::StatusCode::CONFLICT => {
                tracing::debug!("POS: {what} not needed")
            }
            Ok(response) => tracing::warn!(status = %response.status(), "hub refused: {what}"),
            Err(error) => tracing::warn!(%error, "hub unreachable"),
        }
    }
}

/// A kitchen chit for `order` in ESC/POS, laid out as many POSes print one: the
/// station banner, order number and table, each item big with its quantity, its
/// modifiers indented, then a cut.
pub fn print_chit(order: &NewOrder) -> Vec<u8> {
    const INIT: &[u8] = b"\x1b@";
    const BIG: &[u8] = b"\x1b!\x30";
    const NORMAL: &[u8] = b"\x1b!\x00";
    const CUT: &[u8] = b"\x1dVA\x03";
    let mut chit = Vec::new();
    chit.extend_from_slice(INIT);
    chit.extend_from_slice(BIG);
    chit.extend_from_slice(b"KITCHEN\n");
    chit.extend_from_slice(NORMAL);
    chit.extend_from_slice(format!("Order #{}\n", order.number).as_bytes());
    if let Some(table) = &order.table {
        chit.extend_from_slice(format!("Table: {table}\n").as_bytes());
    }
    if let Some(server) = &order.server {
        chit.extend_from_slice(format!("Server: {server}\n").as_bytes());
    }
    chit.extend_from_slice(b"--------------------------------\n");
    for item in &order.items {
        chit.extend_from_slice(BIG);
        chit.extend_from_slice(format!("{} x {}\n", item.qty, ascii(&item.name)).as_bytes());
        chit.extend_from_slice(NORMAL);
        for modifier in &item.modifiers {
            chit.extend_from_slice(format!("   - {}\n", ascii(modifier)).as_bytes());
        }
        if let Some(note) = &item.notes {
            chit.extend_from_slice(format!("   Note: {}\n", ascii(note)).as_bytes());
        }
        if !item.allergens.is_empty() {
            let allergens = item.allergens.join(", ");
            chit.extend_from_slice(format!("   ALLERGY: {}\n", ascii(&allergens)).as_bytes());
        }
    }
    chit.extend_from_slice(b"\n\n");
    chit.extend_from_slice(CUT);
    chit
}

/// The text as CP437 would print it; the menu is ASCII but for a few accents.
fn ascii(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii() { c } else { '?' })
        .collect()
}

async fn send_chit(address: &str, chit: &[u8]) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    stream.write_all(chit).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use rail_printer::chit::read_all;
    use rail_printer::codepage::CodePage;
    use rail_printer::layout::Layout;
    use rand::SeedableRng;

    #[test]
    fn a_printed_demo_order_reads_back_as_the_same_order() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        for number in 300..340 {
            let order = random_order(&mut rng, number);
            let chits = read_all(&print_chit(&order), CodePage::Cp437);
            assert_eq!(chits.len(), 1, "one chit per order");
            let read = Layout::default().read(&chits[0]).expect("readable");
            assert_eq!(read.number, Some(number.to_string()));
            assert_eq!(read.table, order.table);
            assert_eq!(read.server, order.server);
            let printed: Vec<(u32, &str, &[String])> = read
                .items
                .iter()
                .map(|i| (i.qty, i.name.as_str(), i.modifiers.as_slice()))
                .collect();
            let posted: Vec<(u32, &str, &[String])> = order
                .items
                .iter()
                .map(|i| (i.qty, i.name.as_str(), i.modifiers.as_slice()))
                .collect();
            assert_eq!(printed, posted, "order {number}");
            for (read, posted) in read.items.iter().zip(&order.items) {
                assert_eq!(read.allergens.is_empty(), posted.allergens.is_empty());
                assert_eq!(read.notes.first(), posted.notes.as_ref());
            }
        }
    }
}
