//! Benchmark of the printer door: `cargo xtask bench-printer` (release builds).
//!
//! - Reading: the three-layout capture (python-escpos, 3,290 bytes, 3 chits) decoded
//!   and read as orders over and over in this process: chits a second, MB a second.
//! - End to end: a chit written to a real hub's printer port on a fresh connection (as
//!   POSes print) until its ticket is committed in a grill screen engine's SQLite store
//!   (the engine's board is published after the commit, under the store's lock):
//!   p50/p99/max over 300 chits, one every 20 ms.

use std::io::Write;
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use rail_engine::{Engine, LinkState};
use rail_printer::chit::read_all;
use rail_printer::codepage::CodePage;
use rail_printer::layout::Layout;
use rail_tests::printer::hub_with_printer;
use rail_tests::{percentile, screen_config, wait_for};

const CHITS: usize = 300;

fn chit(number: usize) -> Vec<u8> {
    format!(
        "\x1b@\x1b!\x30KITCHEN\n\x1b!\x00Order #{number}\nTable: 4\nServer: Ann\n\
         --------------------------------\n\x1b!\x30 2 x Burger\n\x1b!\x00   - no onion\n\
         \x1b!\x30 1 x Fries\n\x1b!\x00\n\n\x1dVA\x03"
    )
    .into_bytes()
}

#[test]
#[ignore = "a benchmark: run through `cargo xtask bench-printer`"]
fn reading_chits() {
    let capture = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("printer/captured/service-three-layouts.bin"),
    )
    .expect("capture");
    let layout = Layout::default();
    let started = Instant::now();
    let mut chits = 0usize;
    let mut bytes = 0usize;
    while started.elapsed() < Duration::from_secs(3) {
        for chit in read_all(&capture, CodePage::Cp437) {
            assert!(layout.read(&chit).is_ok());
            chits += 1;
        }
        bytes += capture.len();
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "reading: {:.0} chits/s, {:.1} MB/s ({chits} chits of the three-layout capture in {seconds:.1} s)",
        chits as f64 / seconds,
        bytes as f64 / seconds / 1e6
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run through `cargo xtask bench-printer`"]
async fn chit_to_screen_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = hub_with_printer(dir.path(), "");
    let printer = hub.printer_address("grill").expect("printer port");
    let screen = Engine::start(screen_config(
        &hub,
        hub.token("kds", &["grill"]),
        &["kds:grill"],
        dir.path().join("grill.sqlite3"),
    ))
    .expect("engine");
    wait_for("screen online", Duration::from_secs(10), || {
        screen.state().status.connection.state == LinkState::Online
    })
    .await;

    let mut latencies = Vec::with_capacity(CHITS);
    for n in 0..CHITS {
        let number = (10_000 + n).to_string();
        let bytes = chit(10_000 + n);
        let sent = Instant::now();
        let mut stream = TcpStream::connect(&printer).expect("connect");
        stream.write_all(&bytes).expect("write");
        drop(stream);
        loop {
            if screen
                .state()
                .board
                .tickets
                .iter()
                .any(|t| t.order_number == number)
            {
                break;
            }
            assert!(
                sent.elapsed() < Duration::from_secs(10),
                "chit {number} never arrived"
            );
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    latencies.sort_by(f64::total_cmp);
    println!(
        "chit to screen store: {CHITS} chits, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies[latencies.len() - 1]
    );
}
