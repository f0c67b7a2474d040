//! Writes the starting inputs of each fuzz target into `fuzz/seeds/<target>/`.
//!
//! The screen's seeds are real frames: a hub (in process) takes orders, a connection
//! subscribes, and what the hub queued for it is written down, so the fuzzer starts
//! from the protocol as it is rather than as remembered.
//!
//! `cargo run -p rail-fuzz --example make_seeds`

use std::path::Path;
use std::sync::Arc;

use rail_fuzz::{device, fresh_hub};
use rail_hub::auth::Role;
use rail_hub::connection::ClientSession;
use rail_hub::fanout::{Outbound, Subscriber};
use tokio::sync::Notify;

const ORDER: &str = r#"{"number":"41","table":"12","server":"Ana","notes":"birthday","items":[
 {"name":"Burger","qty":2,"modifiers":["no onion","medium rare"],"allergens":["gluten"],"station":"grill","course":1},
 {"name":"Fries","qty":1,"station":"fry","course":1},
 {"name":"Steak","qty":1,"station":"grill","course":2,"notes":"blue"}]}"#;

const REST: &[(&str, &str)] = &[
    ("create", "POST /api/orders pos\n{ORDER}"),
    (
        "lifecycle",
        "POST /api/orders pos key-1\n{ORDER}\n---\nPOST /api/orders pos key-1\n{ORDER}\n---\n\
         PATCH /api/orders/{order} pos\n{\"rush\":true,\"notes\":\"VIP\"}\n---\n\
         POST /api/orders/{order}/items pos\n{\"items\":[{\"name\":\"Shake\",\"qty\":1,\"station\":\"fry\"}]}\n---\n\
         POST /api/orders/{order}/items/{item}/void pos\n---\n\
         POST /api/orders/{order}/fire pos\n{\"course\":2}\n---\n\
         POST /api/tickets/{ticket}/items/{item}/bump kds\n---\n\
         POST /api/tickets/{ticket}/bump kds\n---\n\
         POST /api/tickets/{ticket}/recall kds\n---\n\
         POST /api/orders/{order}/status pos\n{\"status\":\"served\"}\n---\n\
         GET /api/orders/{order}\n---\nGET /api/tickets/{ticket}",
    ),
    (
        "cancel",
        "POST /api/orders pos\n{ORDER}\n---\nDELETE /api/orders/{order}/items/{item} pos\n---\n\
         POST /api/orders/{order}/cancel pos\n---\nPOST /api/tickets/{ticket}/bump kds",
    ),
    (
        "refused",
        "POST /api/orders pos\n{\"number\":\"\",\"items\":[]}\n---\n\
         POST /api/orders pos\n{\"number\":\"7\",\"items\":[{\"name\":\"X\",\"qty\":0}]}\n---\n\
         POST /api/orders pos\n{\"number\":7}\n---\nPOST /api/orders pos\nnot json\n---\n\
         POST /api/orders kds\n{ORDER}\n---\nGET /api/stations/grill/tickets?status=old\n---\n\
         GET /api/stations/grill/tickets?limit=many\n---\nPUT /api/orders\n---\n\
         GET /api/nowhere\n---\nPOST /api/orders/nope/fire pos\n{\"course\":-1}",
    ),
];

const SOCKET: &[(&str, &str)] = &[
    (
        "subscribe",
        "{\"type\":\"subscribe\",\"channel\":\"kds:grill\"}\n---\n{\"type\":\"ping\"}\n---\n\
         {\"type\":\"unsubscribe\",\"channel\":\"kds:grill\"}",
    ),
    (
        "resume",
        "{\"type\":\"subscribe\",\"channel\":\"kds:grill\",\"since\":{\"epoch\":\"x\",\"seq\":1}}\n---\n\
         {\"type\":\"subscribe\",\"channel\":\"kds:grill\",\"since\":{\"epoch\":\"x\",\"seq\":99}}",
    ),
    (
        "refused",
        "{\"type\":\"subscribe\",\"channel\":\"kds:fry\"}\n---\n\
         {\"type\":\"subscribe\",\"channel\":\"location:fuzz\"}\n---\n\
         {\"type\":\"subscribe\",\"channel\":\"bogus\"}\n---\n{\"type\":\"shout\"}\n---\n\
         {\"type\":\"unsubscribe\",\"channel\":\"kds:fry\"}\n---\nnot json",
    ),
];

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::create_dir_all(dir).expect("seed dir");
    std::fs::write(
        dir.join(name),
        text.replace("{ORDER}", &ORDER.replace('\n', "")),
    )
    .expect("seed");
}

/// What the hub queues for a grill screen across an order's life: the screen's seeds.
fn hub_frames() -> Vec<String> {
    let hub = fresh_hub();
    let pos = device(Role::Pos, &[]);
    let order: rail_protocol::NewOrder =
        serde_json::from_str(&ORDER.replace('\n', "")).expect("order");
    hub.create_order(&pos, None, &order).expect("order");
    let (queue, outbound) = rail_hub::fanout::queue(1024);
    let subscriber = Subscriber {
        connection_id: hub.connection_id(),
        queue,
        overflow: Arc::new(Notify::new()),
        positions: Arc::default(),
    };
    let mut session = ClientSession::new(device(Role::Kds, &["grill"]), subscriber);
    let mut frames = Vec::new();
    let take = |reply: Option<Outbound>, frames: &mut Vec<String>| {
        for item in reply
            .into_iter()
            .chain(std::iter::from_fn(|| outbound.try_recv().ok()))
        {
            match item {
                Outbound::Frame(frame) => frames.push(frame.to_string()),
                Outbound::Batch(batch) => frames.extend(batch.iter().map(|f| f.to_string())),
                Outbound::Close(..) => {}
            }
        }
    };
    let reply = session.handle_text(&hub, r#"{"type":"subscribe","channel":"kds:grill"}"#);
    take(reply, &mut frames);
    let created = hub.create_order(&pos, None, &order).expect("second order");
    let created: rail_protocol::OrderCreated =
        serde_json::from_str(&created.body).expect("created");
    let kds = device(Role::Kds, &["grill"]);
    if let Some(ticket) = created.tickets.iter().find(|t| t.station == "grill") {
        hub.bump(&kds, None, &ticket.id, true).expect("bump");
        hub.bump(&kds, None, &ticket.id, false).expect("recall");
    }
    take(None, &mut frames);
    frames
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds");
    for (name, text) in REST {
        write(&root.join("hub_rest"), name, text);
    }
    for (name, text) in SOCKET {
        write(&root.join("hub_socket"), name, text);
    }
    let frames = hub_frames();
    write(
        &root.join("screen_wire"),
        "order-life",
        &frames.join("\n---\n"),
    );
    let resubscribe: Vec<String> = frames
        .iter()
        .take(1)
        .chain(frames.iter())
        .cloned()
        .collect();
    write(
        &root.join("screen_wire"),
        "duplicates",
        &resubscribe.join("\n---\n"),
    );
    let mut gap = frames.clone();
    if gap.len() > 2 {
        gap.remove(1);
    }
    write(&root.join("screen_wire"), "gap", &gap.join("\n---\n"));
    println!("seeds written under {}", root.display());
}
