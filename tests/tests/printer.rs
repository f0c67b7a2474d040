//! The printer door through real parts: python-escpos (a POS-side library nobody on
//! this project wrote) prints kitchen chits over TCP to a rail-hub process's printer
//! port, and a grill screen's engine shows the tickets. Bad streams — random bytes,
//! truncated commands, a chit far too big, a connection that goes quiet, hundreds of
//! connections at once — are logged and closed while the hub keeps serving.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use rail_engine::{Engine, LinkState};
use rail_protocol::{ItemStatus, Ticket};
use rail_tests::printer::{hub_with_printer, print_chits};
use rail_tests::{order_for, screen_config, wait_for, HubProcess};
use rand::{Rng, SeedableRng};

const WAIT: Duration = Duration::from_secs(15);

/// A hub with one printer port for the grill, with tight limits.
fn hub(dir: &Path) -> HubProcess {
    hub_with_printer(
        dir,
        "idle_timeout_secs = 2\nmax_connections = 8\nmax_chit_bytes = 1048576\n",
    )
}

fn grill_screen(hub: &HubProcess, dir: &Path) -> Engine {
    Engine::start(screen_config(
        hub,
        hub.token("kds", &["grill"]),
        &["kds:grill"],
        dir.join("grill.sqlite3"),
    ))
    .expect("engine")
}

fn tickets(screen: &Engine) -> Vec<Ticket> {
    screen.state().board.tickets.clone()
}

fn ticket(screen: &Engine, number: &str) -> Option<Ticket> {
    tickets(screen)
        .into_iter()
        .find(|t| t.order_number == number)
}

fn summary(ticket: &Ticket) -> Vec<(u32, String, Vec<String>)> {
    ticket
        .items
        .iter()
        .map(|i| (i.qty, i.name.clone(), i.modifiers.clone()))
        .collect()
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chits_printed_by_python_escpos_become_tickets_and_later_chits_change_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = hub(dir.path());
    let printer = hub
        .printer_address("grill")
        .expect("printer port announced");
    let screen = grill_screen(&hub, dir.path());
    wait_for("screen online", WAIT, || {
        screen.state().status.connection.state == LinkState::Online
    })
    .await;

    // Three layouts on one connection, the last one without a cut; logos, a barcode,
    // a QR code and a buzzer in between.
    print_chits(&printer, "service");
    wait_for("three tickets", WAIT, || tickets(&screen).len() == 3).await;

    let banner = ticket(&screen, "1042").expect("order 1042");
    assert_eq!(banner.table.as_deref(), Some("12"));
    assert_eq!(banner.server.as_deref(), Some("MARIA"));
    assert_eq!(
        summary(&banner),
        vec![
            (2, "BURGER".into(), strings(&["NO ONION", "ADD BACON"])),
            (1, "RIBEYE".into(), strings(&["MEDIUM RARE"])),
        ]
    );

    let card = ticket(&screen, "58").expect("order 58");
    assert_eq!(card.table.as_deref(), Some("7"));
    assert_eq!(card.server.as_deref(), Some("Ben"));
    assert_eq!(card.items.len(), 2);
    // Accented text, printed in a code page the library chose and announced.
    assert_eq!(card.items[0].name, "Crème brûlée tartlet");
    assert_eq!(card.items[0].course, 1);
    let salad = &card.items[1];
    assert_eq!(salad.name, "Caesar Salad");
    assert_eq!(salad.course, 2);
    assert_eq!(salad.modifiers, strings(&["add chicken", "extra parmesan"]));
    assert_eq!(salad.notes.as_deref(), Some("dressing on the side"));
    assert_eq!(salad.allergens, strings(&["anchovy"]));
    assert!(
        card.items.iter().all(|i| !i.held),
        "a printed chit is cooked now: no course is held"
    );

    let receipt = ticket(&screen, "77").expect("order 77 (no cut at the end)");
    assert_eq!(
        summary(&receipt),
        vec![
            (2, "Fries".into(), vec![]),
            (2, "Burger".into(), strings(&["no pickles"])),
        ]
    );

    // A reprint, and the same chit sent again: no second ticket.
    print_chits(&printer, "reprint");
    print_chits(&printer, "again");
    // An add-on: the order's ticket gains the item.
    print_chits(&printer, "add-on");
    wait_for("the add-on on order 58", WAIT, || {
        ticket(&screen, "58")
            .is_some_and(|t| t.items.iter().any(|i| i.name == "Lemonade" && i.qty == 2))
    })
    .await;
    // A void: the ribeye is voided on the screen.
    print_chits(&printer, "void");
    wait_for("the ribeye voided", WAIT, || {
        ticket(&screen, "1042").is_some_and(|t| {
            t.items
                .iter()
                .any(|i| i.name == "RIBEYE" && i.status == ItemStatus::Voided)
        })
    })
    .await;
    let numbers = {
        let mut n = hub.order_numbers();
        n.sort();
        n
    };
    assert_eq!(numbers, strings(&["1042", "58", "77"]), "no order twice");
    assert_eq!(tickets(&screen).len(), 3);
    let burger = ticket(&screen, "1042").expect("1042");
    assert_eq!(
        burger.items[0].status,
        ItemStatus::Pending,
        "only the ribeye voided"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_requests_get_an_online_printers_answers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = hub(dir.path());
    let printer = hub.printer_address("grill").expect("printer port");

    // python-escpos asks DLE EOT 1 and DLE EOT 4 before printing, as cautious POSes do.
    print_chits(&printer, "status-first");

    let mut stream = TcpStream::connect(&printer).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    for (request, answer) in [
        (&b"\x10\x04\x01"[..], &[0x12u8][..]),
        (b"\x10\x04\x02", &[0x12]),
        (b"\x10\x04\x03", &[0x12]),
        (b"\x10\x04\x04", &[0x12]),
        (b"\x1da\xff", &[0x10, 0x00, 0x00, 0x0f]),
        (b"\x1dr\x01", &[0x00]),
    ] {
        stream.write_all(request).expect("request");
        let mut got = vec![0u8; answer.len()];
        stream.read_exact(&mut got).expect("answer");
        assert_eq!(got, answer, "answer to {request:02x?}");
    }
    drop(stream);
    let kds = hub.token("kds", &["grill"]);
    wait_for("order 90 from the status-checking client", WAIT, || {
        hub.order_numbers().contains(&"90".to_owned())
    })
    .await;
    let open = hub.open_tickets(&kds, "grill").await.expect("tickets");
    let espresso = open
        .iter()
        .find(|t| t.order_number == "90")
        .expect("ticket 90");
    assert_eq!(summary(espresso), vec![(3, "Espresso".into(), vec![])]);
}

/// Writes `bytes` on a fresh connection and closes it.
fn send(address: &str, bytes: &[u8]) {
    let mut stream = TcpStream::connect(address).expect("connect");
    // The hub may close first (a chit over the limit): what it took is what counts.
    let _ = stream.write_all(bytes);
}

async fn hub_still_serves(hub: &HubProcess, pos: &str, number: &str) {
    let posted = hub
        .post_order(pos, order_for(number, "grill", "Check"))
        .await;
    assert!(posted.is_ok(), "REST after bad printer input: {posted:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_printer_input_is_closed_and_logged_and_nothing_complete_is_lost() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = hub(dir.path());
    let printer = hub.printer_address("grill").expect("printer port");
    let pos = hub.token("pos", &[]);
    let screen = grill_screen(&hub, dir.path());

    // Random bytes: whatever text they hold is shown as printed, nothing else.
    let mut rng = rand::rngs::StdRng::seed_from_u64(9100);
    let noise: Vec<u8> = (0..64 * 1024).map(|_| rng.random()).collect();
    send(&printer, &noise);
    hub_still_serves(&hub, &pos, "r1").await;

    // A chit, then a raster image whose header promises more than ever comes.
    send(&printer, b"Order 5\n1 Tea\n\x1dv0\x00\xff\x00\xff\x00abc");
    // A chit, then 10 MB of image data past the 1 MiB limit: the connection is cut
    // and the chit kept.
    let mut huge = b"Order 6\n1 Soup\n".to_vec();
    huge.extend_from_slice(b"\x1dv0\x00\xff\xff\xff\xff");
    huge.resize(10 * 1024 * 1024, 0xaa);
    send(&printer, &huge);
    // One byte, then silence past the idle limit: the hub hangs up.
    let mut slow = TcpStream::connect(&printer).expect("connect");
    slow.write_all(b"O").expect("byte");
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut buffer = [0u8; 8];
    assert_eq!(
        slow.read(&mut buffer).ok(),
        Some(0),
        "the hub closes an idle printer connection"
    );

    wait_for("orders 5 and 6 kept", WAIT, || {
        let numbers = hub.order_numbers();
        numbers.contains(&"5".to_owned()) && numbers.contains(&"6".to_owned())
    })
    .await;

    // 500 connections at once: past the port's limit they are closed at once, and
    // the hub's screens and REST carry on.
    let crowd: Vec<TcpStream> = (0..500)
        .filter_map(|_| TcpStream::connect(&printer).ok())
        .collect();
    hub_still_serves(&hub, &pos, "r2").await;
    wait_for("screen online through the crowd", WAIT, || {
        screen.state().status.connection.state == LinkState::Online
    })
    .await;
    drop(crowd);
    // The port takes chits again once the crowd is gone.
    print_chits(&printer, "status-first");
    wait_for("order 90 after the crowd", WAIT, || {
        hub.order_numbers().contains(&"90".to_owned())
    })
    .await;
    wait_for("the screen shows every order", WAIT, || {
        ["5", "6", "90", "r1", "r2"]
            .iter()
            .all(|n| ticket(&screen, n).is_some())
    })
    .await;
    let soup = ticket(&screen, "6").expect("6");
    assert_eq!(summary(&soup)[..], [(1, "Soup".to_owned(), vec![])][..]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forward_printer_gets_every_byte_while_the_screens_get_the_ticket() {
    let paper = std::net::TcpListener::bind("127.0.0.1:0").expect("paper printer");
    let paper_address = paper.local_addr().expect("address").to_string();
    let received = std::thread::spawn(move || {
        let (mut stream, _) = paper.accept().expect("the hub connects");
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).expect("read");
        bytes
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = hub_with_printer(dir.path(), &format!("forward = \"{paper_address}\"\n"));
    let printer = hub.printer_address("grill").expect("printer port");
    let chit = b"\x1b@Order 31\n\x1b!\x30 2 x Burger\n\x1b!\x00   - no onion\n\x1dVA\x03".to_vec();
    send(&printer, &chit);
    let forwarded = received.join().expect("paper thread");
    assert_eq!(
        forwarded, chit,
        "the paper printer got the chit byte for byte"
    );
    wait_for("order 31 on the hub", WAIT, || {
        hub.order_numbers().contains(&"31".to_owned())
    })
    .await;
}

#[test]
fn capture_saves_what_a_pos_prints_and_test_reads_it_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("chits");
    let mut capture = Command::new(rail_tests::binary("rail-hub"));
    capture
        .args(["printer", "capture", "--listen", "127.0.0.1:0", "--out"])
        .arg(&out);
    let (mut child, address) =
        rail_tests::spawn_announced(&mut capture, "capturing on ").expect("capture");
    let address = address.split(';').next().expect("address").to_owned();
    print_chits(&address, "service");
    let file = rail_tests::eventually_blocking("the captured file", WAIT, || {
        let files: Vec<_> = std::fs::read_dir(&out)
            .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        match files.as_slice() {
            [file] if std::fs::metadata(file).is_ok_and(|m| m.len() > 3000) => Ok(file.clone()),
            _ => Err(format!("files so far: {files:?}")),
        }
    })
    .expect("captured");
    let _ = child.kill();
    let _ = child.wait();
    let report = Command::new(rail_tests::binary("rail-hub"))
        .args(["printer", "test", "--json"])
        .arg(&file)
        .output()
        .expect("printer test");
    assert!(report.status.success());
    let chits: serde_json::Value = serde_json::from_slice(&report.stdout).expect("json");
    let numbers: Vec<&str> = chits
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|c| c["result"]["read"]["number"].as_str())
        .collect();
    assert_eq!(numbers, ["1042", "58", "77"]);
    assert_eq!(chits[2]["cut"], false, "the last chit had no cut");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_routed_printer_sends_each_item_to_its_station() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = hub_with_printer(
        dir.path(),
        "route = true\n\n[routes.by_item]\nFries = \"fry\"\n",
    );
    let printer = hub.printer_address("grill").expect("printer port");
    send(
        &printer,
        b"Order 64\n\x1b!\x30 1 x Burger\n 2 x Fries\n 1 x Soup\n\x1b!\x00\x1dV\x00",
    );
    let kds = hub.token("kds", &["*"]);
    let mut stations = Vec::new();
    for station in ["grill", "fry"] {
        let mut found = None;
        for _ in 0..100 {
            let open = hub.open_tickets(&kds, station).await.expect("tickets");
            if let Some(ticket) = open.into_iter().find(|t| t.order_number == "64") {
                found = Some(ticket);
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let ticket = found.unwrap_or_else(|| panic!("no ticket for order 64 at {station}"));
        let names: Vec<String> = ticket.items.iter().map(|i| i.name.clone()).collect();
        stations.push((station, names));
    }
    assert_eq!(
        stations,
        vec![
            ("grill", strings(&["Burger", "Soup"])),
            ("fry", strings(&["Fries"])),
        ],
        "routed by name; what the rules do not place stays at the printer's station"
    );
}
