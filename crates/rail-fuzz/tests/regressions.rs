//! Every saved fuzz input, replayed through its harness: the seeds the fuzzer starts
//! from (`fuzz/seeds/<target>/`) and each input that once crashed
//! (`fuzz/regressions/<target>/`, named after what it found).

use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut files = Vec::new();
    for kind in ["seeds", "regressions"] {
        if let Ok(entries) = std::fs::read_dir(root.join(kind).join(target)) {
            files.extend(entries.filter_map(Result::ok).map(|e| e.path()));
        }
    }
    files.sort();
    assert!(
        !files.is_empty(),
        "no saved inputs for {target}: run `cargo run -p rail-fuzz --example make_seeds`"
    );
    files
}

fn replay(target: &str, harness: fn(&[u8])) {
    for file in inputs(target) {
        let data = std::fs::read(&file).expect("read input");
        let outcome = std::panic::catch_unwind(|| harness(&data));
        assert!(outcome.is_ok(), "{} broke a promise", file.display());
    }
}

#[test]
fn hub_rest_inputs() {
    replay("hub_rest", rail_fuzz::hub_rest::run);
}

#[test]
fn hub_socket_inputs() {
    replay("hub_socket", rail_fuzz::hub_socket::run);
}

#[test]
fn screen_wire_inputs() {
    replay("screen_wire", rail_fuzz::screen_wire::run);
}

#[test]
fn printer_chit_inputs() {
    replay("printer_chit", rail_fuzz::printer_chit::run);
}
